// Package bot runs the voice bot on one call: the caller's audio goes
// through VAD/endpointing to the recognizer, the dialog engine's streamed
// reply is cut into sentences and each is synthesized and played as soon as
// it is complete. The caller can interrupt (barge-in), press keys (DTMF
// takes priority) or ask for a person; the bot then hands over with a
// handoff packet for the agent.
//
// It owns the per-call pipeline only. The engines live in asr, dialog, tts
// and kb; the dialplan's bot node and the call record belong to the IVR.
package bot
