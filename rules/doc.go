// Package rules reads the category rules ops keep in a YAML file (configs/rules.yaml) and applies
// them to finished calls: each rule that matches adds a record.Category to the call's analysis,
// with the evidence that made it match ("caller: cancel my contract").
//
// A rule is an id, a category name, a description, an optional realtime flag (kept for live
// alerts, which are not evaluated here), and one condition: all, any and not combine
// conditions; the leaves test the transcript (phrase), the analysis (sentiment, silence,
// interruptions, overtalk, agent_talk_ratio, intent), and the call record (duration,
// disposition, queue, wait). The file is strict in the dialplan's way: unknown keys are
// rejected with a did-you-mean hint, every problem is reported at once as "file:line: ...",
// and a file with any error is refused as a whole. Watch keeps the file live: an edit takes
// effect without a restart, and a broken edit is logged and ignored, keeping the rules that
// worked.
//
// Phrase matching: English words match on word boundaries, case-insensitively, after a small
// suffix stemmer (cancel, cancels, cancelled and cancelling are one word); Chinese (any phrase
// with a Han character) matches as a substring, ignoring the spaces recognizers put between
// Chinese words. It has no synonyms, no fuzzy matching for
// recognition errors, and no understanding of negation ("I do not want to cancel" matches
// "cancel"): write a not condition, or leave such judgement to the analysers' intent.
//
// The package owns the rules' format and their evaluation. It does not run the analysis, store
// categories, or re-run rules over stored calls; those are the analysis pipeline's.
package rules
