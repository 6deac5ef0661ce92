// Package amd tells an answering machine from a person in the first seconds of an answered
// outbound call, from the energy and cadence of the callee's audio, in the manner of
// Asterisk's app_amd, and hears the beep that ends a voicemail greeting.
//
// The campaign dialer calls Detect on a leg right after the answer; the Detector underneath
// takes the callee's decoded audio frame by frame and needs no leg, so it is tested and
// measured on recorded or synthetic audio alone.
//
// # How it decides
//
// Each frame is voice or silence: voice stands ThresholdDB above a noise floor learnt from the
// line (and above MinLevelDBFS), measured above 100 Hz so that hum and rumble do not count.
// The floor starts from the quietest of the first 100 ms and follows the line after that.
// Voice that lasts MinWordLength after at least BetweenWordsSilence of silence starts a word.
// Then, in the order they happen:
//
//   - no word in the first InitialSilence of audio: MACHINE, "initial silence" (a voicemail
//     that waits before its greeting; a person says something at once);
//   - more voice in the greeting than Greeting: MACHINE, "long greeting" (a person says
//     "Hello?", a voicemail reads a sentence or two);
//   - more words than MaxWords: MACHINE, "max words";
//   - AfterGreetingSilence of silence after the greeting: HUMAN, "after greeting silence" (a
//     person waits for an answer, a voicemail goes on talking);
//   - a beep (below) before any of these: MACHINE, "beep";
//   - none of these within TotalTime: NOTSURE, "too long".
//
// The defaults are app_amd's except MaxWords (app_amd has 2) and BetweenWordsSilence (app_amd
// has 50 ms): with 50 ms each Mandarin syllable counts as a word, and on the labelled set of
// package amdtest a fifth of the people were taken for machines ("您好，请讲" is four words).
//
//	InitialSilence       2.5 s
//	Greeting             1.5 s
//	AfterGreetingSilence 0.8 s
//	TotalTime            5 s
//	MinWordLength        100 ms
//	BetweenWordsSilence  150 ms
//	MaxWords             3
//	ThresholdDB          7 dB above the noise floor
//	MinLevelDBFS         -45 dBFS
//	BeepTimeout          0 (return at the verdict)
//	SampleRate           8000 Hz (8000 or 16000)
//
// # The beep
//
// A beep is a steady tone between 400 and 2000 Hz that lasts at least 150 ms: frame by frame
// the frequency is estimated from the zero crossings and refined with Goertzel filters around
// it, and a frame is tonal when one frequency holds nearly all of its power (a voice's power
// spreads over many harmonics). A run of tonal frames at one frequency is a beep; where it
// ends is found to a few milliseconds inside the first frame that is no longer tonal. With
// BeepTimeout set, a MACHINE verdict does not end the detection: it goes on until the beep
// has ended or BeepTimeout of audio has passed since the answer, so a voicemail drop can
// start its message right after the beep (Result.BeepEnd).
//
// The package does not dial, hang up or play anything; what to do with the verdict is the
// campaign's.
package amd
