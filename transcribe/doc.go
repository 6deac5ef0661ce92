// Package transcribe turns a finished call's two-channel recording into its whole-call
// transcript: the caller's channel (left) and the other side's (right) are cut into utterances by
// voice activity (analysis.Segments), each utterance goes through the configured recognizer, and
// the turns of caller, bot and agent come back in time order with absolute start/end times,
// language and word timestamps where the recognizer gives them.
//
// The bot's own turns are taken from what it said (Options.BotTurns), never re-transcribed; right
// channel audio outside the bot's turns and outside the agent's spans (Options.Agent) is prompts,
// hold music or ringing, and is skipped.
//
// Honesty about the embedded recognizer: PocketSphinx as hotline ships it hears only 16 kHz US
// English phrases from a grammar, not free conversation, and nothing on 8 kHz calls. With it (or
// any recognizer whose asr.CanHear refuses the call's audio without phrases) Transcribe returns
// ErrNoTranscriber at once: the pipeline then records "transcript not available with the embedded
// recognizer" and still runs the voice analytics, which need no recognizer. Whole-call
// transcripts need an OpenAI-compatible recognizer (engines.asr backend openai).
//
// It does not redact (the pipeline does, before storing or analysing), does not store, and does
// not retry: errors from the recognizer come back wrapped, and the analysis job retries.
package transcribe
