// Package replies is the reply-script library (话术库): the scripts agents say or send for an
// intent or scene, in English and Chinese, with ${variables} filled in for the live
// conversation. It owns a script's life (draft → approved → retired, every edit a new version
// with the old ones kept), bulk review, usage counts, matching quick replies to a call's intent,
// and the batch generation of candidate drafts grounded in the knowledge base: with an
// OpenAI-compatible model when one is configured, else assembled from the knowledge base's own
// sentences and a few templates (engine "embedded").
//
// It does not store records (package store does, behind Store), serve HTTP (package web does)
// or show quick replies on the desktop.
package replies
