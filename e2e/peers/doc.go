// Package peers drives real SIP clients over loopback for hotline's
// end-to-end tests: baresip soft-phones (callers and agents) and sipp
// scenarios (signalling edge cases and load).
//
// # baresip phones
//
// StartPhone runs one baresip v1.0.0 process per phone with a generated
// config directory (baresip -f dir). No sound hardware is needed:
//
//   - the "microphone" is the aufile module playing PhoneConfig.PlayWAV
//     (converted to 8 kHz mono, looped to MaxCallSeconds);
//   - the "speaker" is the in-process aubridge device, a sink nobody reads;
//   - what the phone hears is captured by the sndfile audio filter, which
//     writes the decoded received audio of each call to
//     Dir()/rec/dump-<time>-dec.wav (and what it sent to -enc.wav).
//     RecordedWAV returns a copy of the last call's recording.
//
// The phone is controlled over baresip's ctrl_tcp module (netstring-framed
// JSON on 127.0.0.1): commands ("uanew", "dial", "accept", "hangup",
// "sndcode", anything else via Command) and events (REGISTER_OK,
// CALL_INCOMING, CALL_ESTABLISHED, CALL_CLOSED, CALL_DTMF_START, ...),
// which are buffered so WaitEvent never misses one that arrived early.
// The SIP account is created with "uanew" after the control connection is
// up, so even the first REGISTER_OK/REGISTER_FAIL is observed.
//
// Calls are answered from Go (AutoAnswer, optional AnswerDelay) rather than
// by baresip's answermode=auto, so CALL_INCOMING is always emitted.
// SendDTMF sends RFC 4733 telephone-events (PT 101).
//
// Everything binds to or targets 127.0.0.1 (sip_listen, net_interface,
// ctrl_tcp_listen); baresip is started with -t so it exits on its own after
// MaxLifetime, and is killed at test cleanup.
//
// # sipp
//
// RunSipp / StartSipp run sipp with an embedded scenario (see Scenarios and
// the Scenario* constants; files in scenarios/), bounded by -timeout and a
// context, and parse the final statistics CSV (-trace_stat) into
// SippResult.Successful / Failed. Scenario parameters are sipp -key values
// with per-scenario defaults.
//
// Tests skip (not fail) when baresip or sipp is missing, naming the Debian
// package to install (baresip, sip-tester). See e2e/README.md.
package peers
