// Package replay is hotline's release gate for bot and knowledge-base changes: it replays the
// caller turns of stored conversations (calls and chats) as text through a candidate bot —
// a dialplan's bot profile, a knowledge-base folder, the configured dialog engine — and
// compares what the candidate says with what the stored bot said.
//
// Per conversation the report says same answer, different answer, now escalates or now
// answers; per answer sentence, whether a passage the dialog engine was given supports it
// (token overlap above a threshold); and the containment rate (conversations the bot finished
// without escalating) before and after. Regressed is true when containment drops or an answer
// that changed is no longer supported: `hotline bot replay` exits 1 then, so operators can run
// it in CI before deploying a knowledge-base change.
//
// It reads only the stored transcripts, which are redacted before they are stored; it never
// reads the store's originals. HTTP tools of a profile are not called during a replay.
//
// It does not open the store (package cli and web hand it records) and does not run calls.
package replay
