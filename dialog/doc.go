// Package dialog decides what the bot says next. It owns the Engine
// interface and its backends: an OpenAI-compatible streaming chat client
// with tools, and an embedded engine that answers from the knowledge base
// without any network. It also holds the small language heuristics the bot
// uses for escalation: an explicit request for a human, and a lexicon-based
// sentiment score, in English and Chinese.
//
// It does not hear or speak (packages asr and tts) and does not drive a
// call (package bot).
package dialog
