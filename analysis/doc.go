// Package analysis turns a finished conversation into figures and findings: voice activity
// analytics from the two channels of a recording (talk per party, silence, overtalk,
// interruptions, hold; no recognizer needed) and text analysis of its transcript (sentiment per
// turn and party, intent and topics, a summary, action items), by embedded analysers (a bilingual
// lexicon, keyword maps, extractive summary) or by an OpenAI-compatible model.
//
// It does not record, transcribe (package transcribe), redact, categorise, store or queue
// anything: the analysis pipeline does, and fills record.Analysis from what this package returns.
//
// What the embedded text analysers miss, honestly: sarcasm ("great, another week of waiting"
// scores positive), words outside the lexicon and keyword maps (product names, slang, other
// languages score neutral and find no topic), and meaning that needs the whole conversation (a
// summary is the call's own most distinctive sentences, not an account of it). Chinese is matched
// by longest dictionary entry, not segmented. For abstractive summaries and model-scored
// sentiment configure the LLM analyser; both fill the same Text.
//
// Voice analytics are as good as the channels are separate: echo of one party on the other's
// channel would count as talk. Hold music outside the hold intervals it is told about counts as
// the other side talking.
//
// Privacy: an Analyzer sees whatever turns the call it is given holds, and the LLM analyser sends
// them to its server. The pipeline must redact PII in the turns BEFORE calling Analyze; this
// package never looks at raw transcripts of its own.
package analysis
