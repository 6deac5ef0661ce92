// Package asr turns one caller utterance (cut by the VAD/endpointer in media)
// into text. It owns the Recognizer interface and its backends: an
// OpenAI-compatible transcription client (OpenAI, faster-whisper and
// whisper.cpp servers) and the embedded PocketSphinx recognizer.
//
// It does not find where utterances start and end (media.Endpointer does)
// and does not decide what the text means (package dialog does). Backends
// that cannot hear every call say so through CanHear (rate, language,
// expected phrases), so callers fall back to keys where speech is useless.
//
// Results carry word timestamps and the heard language where the backend gives them: the
// OpenAI-compatible client asks for verbose_json with word granularity and steps down to json and
// text for servers that do not offer it. Whole-call transcription (package transcribe) uses them
// to place words on the call's timeline, for redaction and for the call page.
//
// The embedded PocketSphinx backend accepts 16 kHz audio only: its acoustic
// model recognises nothing useful on 8 kHz G.711 audio, so narrowband calls
// should rely on DTMF or an OpenAI-compatible recognizer.
package asr
