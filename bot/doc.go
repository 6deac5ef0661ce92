// Package bot runs the voice bot on one call: the caller's audio goes
// through VAD/endpointing to the recognizer, the dialog engine's streamed
// reply is cut into sentences and each is synthesized and played as soon as
// it is complete. The caller can interrupt (barge-in), press keys (DTMF
// takes priority) or ask for a person; the bot then hands over with a
// handoff packet for the agent.
//
// A session is one goroutine, the loop (loop.go), which alone reads and
// writes the conversation (conversation.go: transcript, history, language,
// sentiment, slots, failed turns). What takes time runs beside it with its
// inputs copied and sends one result back for the loop to apply: a
// recognition (heard), the dialog engine's first response (replied), both
// in work.go, and a bot turn playing (turnDone, speak.go). The loop moves
// through listening → recognising → answering → speaking and back, with a
// named step for what follows each turn (listen, recognise again, respond
// again, review the reply), and ends through closing. The one thing shared
// with another goroutine is the current-turn handle (bot.go), which the
// leg's inbound goroutine uses to stop the bot inside the frame that
// crosses MinBargeIn.
//
// It owns the per-call pipeline only. The engines live in asr, dialog, tts
// and kb; the dialplan's bot node and the call record belong to the IVR;
// the records it returns (record.Turn, record.Handoff) to package record.
package bot
