// Package customer keeps one profile per person across channels: it normalises phone numbers
// to E.164, finds (or creates) the profile an interaction's identifiers lead to, merges
// profiles when two identifiers turn out to be one person (and can undo it), and builds the
// profile's timeline and one-line brief from the stored interactions. It implements
// chat.Customers; the IVR uses the same Identify for calls.
package customer
