// Package recording records whole calls: one stereo WAV file per call, the
// caller on the left channel and everything the caller hears on the right
// (prompts, the bot, an agent relayed or transcoded, hold music, an external
// party), time-aligned to the wall clock. It also finishes files a crash
// interrupted (Recover), keeps the directory within its retention (Sweep,
// RunRetention), silences spans for redaction (SilenceSpans) and reads a
// recording back for analysis (ReadStereo).
//
// A recording follows the caller: Manager.Record taps the caller's
// *media.RTPSession (media.RTPTap), which sees every audio payload the
// session receives and sends, whichever party is behind it. So one tap
// covers the IVR, the bot, the bridge in relay mode (the caller's packets
// relayed on are still received by the caller's session; the agent's relayed
// packets are sent by it) and in transcoding mode, transfers and
// consultations, and a hold (nothing is sent, so the right channel is
// silent). The RTP goroutines only copy each payload into a bounded queue
// without blocking; a goroutine per recording decodes it with its own
// decoder per direction (the codec's Decoder; telephone-events are not
// tapped), places it on the timeline by its RTP timestamp anchored to its
// arrival (timeline.go), and writes. A full queue drops payloads (counted
// in Stats.FramesDropped), which become silence: the call never waits for
// its recording. Lost packets and stretches without audio are silence too.
//
// Format: WAV PCM16 stereo, 8 kHz when the caller's codec is narrowband
// (G.711) and 16 kHz when it is wideband (G.722, Opus), resampled when a
// re-INVITE changes the codec's rate. That costs 8000×2×2 B/s = 115.2 MB per
// call-hour at 8 kHz and 230.4 MB at 16 kHz. WAV because a file cut short by
// a crash is recovered by fixing two sizes in its header, every browser's
// <audio> plays it, and the analysis path (ASR, voice activity, redaction)
// reads samples with no codec in between; Opus in Ogg would take about a
// tenth of the space but needs an encoder per call on the media host and a
// decoder before every analysis, and a torn Ogg page loses audio.
//
// Files: Dir/YYYY/MM/DD/<call>.wav (UTC date of the start), written as
// <call>.wav.part, its header sizes brought up to date every 10 s, and
// renamed when the recording stops; record.Recording.File is the path
// relative to Dir with forward slashes. <call> is the call id when it is
// made only of [A-Za-z0-9._-], else its hex (a hash when too long): call
// ids come from the network. The real call id and start time are kept in
// the file's LIST/INFO chunk (ICMT, ICRD), which players skip.
//
// Pause and Resume (an agent taking a card number) silence both channels
// from the moment of the call; the audio is still pending then (it is
// written about a second after it arrives), so it never reaches the disk.
// The intervals are in record.Recording.Paused.
//
// A write error (a full disk) stops that recording, logs once with the call
// id and counts in Stats.Errors; what reached the disk is kept and marked
// Incomplete. The call goes on.
//
// This package does not decide which calls are recorded or announce it (the
// dialplan and ivr do), store the record (store.AddRecording), transcribe or
// analyse.
package recording
