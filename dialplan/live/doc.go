// Package live owns the live dialplan: the *dialplan.Plan new calls get. It validates
// candidates (from the file, the editor's deploy, a rollback), stores every accepted version
// through a small Versions interface (the store implements it), swaps the pointer new calls read,
// and watches the file (fsnotify, debounced) and SIGHUP for reloads. An invalid candidate never
// replaces the running plan, and a call in progress keeps the plan it started with: a swap
// never touches it.
//
// It also runs the editor's dry-run simulation against a candidate or the live plan. It does not
// parse dialplans (package dialplan does) or serve HTTP (package web does).
package live
