// Package analysis turns a finished conversation into figures and findings: voice activity
// analytics from the two channels of a recording (talk per party, silence, overtalk,
// interruptions, hold; no recognizer needed) and text analysis of its transcript (sentiment per
// turn and party, intent and topics, a summary, action items), by embedded analysers (a bilingual
// lexicon, keyword maps, extractive summary) or by an OpenAI-compatible model.
//
// It does not record, transcribe (package transcribe), redact, categorise, store or queue
// anything: the analysis pipeline does, and fills record.Analysis from what this package returns.
//
// Privacy: an Analyzer sees whatever turns the call it is given holds, and the LLM analyser sends
// them to its server. The pipeline must redact PII in the turns BEFORE calling Analyze; this
// package never looks at raw transcripts of its own.
package analysis
