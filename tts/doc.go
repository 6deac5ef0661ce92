// Package tts turns prompt and bot text into PCM audio.
//
// A Synthesizer is the engine interface the IVR and the bot use. Backends:
//
//   - Espeak runs the espeak-ng program (embedded default, no network). It is
//     robotic but instant, and covers English and Mandarin.
//   - An OpenAI-compatible HTTP backend (/v1/audio/speech) will be added in this
//     package later, chosen in config like the other engines.
//
// Cache wraps any Synthesizer with a memory LRU and an on-disk WAV cache, so a
// prompt is synthesized once, even across restarts, and concurrent calls that
// hit the same new prompt share one synthesis.
//
// Cancelling the context passed to Synthesize stops synthesis; that is how
// barge-in stops a prompt that is still being generated.
//
// Audio comes back at the engine's own sample rate (Audio.Rate) unless the
// backend was asked for a rate (EspeakOptions.Rate). The package owns text to
// samples only: pacing the samples into 20 ms frames on a leg, and sentence
// splitting of streamed LLM output, belong to media and the bot.
package tts
