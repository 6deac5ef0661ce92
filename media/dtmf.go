package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Key presses reach the server two ways: as RFC 4733 telephone-event RTP
// packets (most phones and trunks) or as SIP INFO requests with an
// application/dtmf-relay or application/dtmf body (some older PBXs). Both end
// up as a rune '0'-'9', '*', '#' or 'A'-'D' on the leg's DTMF channel.

// DTMFEvent is one RFC 4733 telephone-event payload (section 2.3).
type DTMFEvent struct {
	Event    uint8  // 0-9 digits, 10 '*', 11 '#', 12-15 'A'-'D'
	End      bool   // E bit: this packet ends the event
	Volume   uint8  // power level as -dBm0, 0-63
	Duration uint16 // in RTP clock ticks since the event's timestamp
}

// dtmfPayloadLen is the size of one telephone-event payload.
const dtmfPayloadLen = 4

// ErrShortDTMF is returned by UnmarshalDTMF for payloads under 4 bytes.
var ErrShortDTMF = errors.New("media: telephone-event payload shorter than 4 bytes")

// Marshal encodes the event as a 4-byte payload.
func (e DTMFEvent) Marshal() []byte {
	b := make([]byte, dtmfPayloadLen)
	b[0] = e.Event
	b[1] = e.Volume & 0x3F
	if e.End {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], e.Duration)
	return b
}

// UnmarshalDTMF decodes a telephone-event payload. Bytes past the first
// event are ignored; the reserved bit is ignored as RFC 4733 requires.
func UnmarshalDTMF(b []byte) (DTMFEvent, error) {
	if len(b) < dtmfPayloadLen {
		return DTMFEvent{}, ErrShortDTMF
	}
	return DTMFEvent{
		Event:    b[0],
		End:      b[1]&0x80 != 0,
		Volume:   b[1] & 0x3F,
		Duration: binary.BigEndian.Uint16(b[2:]),
	}, nil
}

// dtmfDigits lists the keys in event-code order (RFC 4733 section 3.2).
const dtmfDigits = "0123456789*#ABCD"

// DigitToEvent returns the event code for a key. Lower-case 'a'-'d' are
// accepted because some systems send them.
func DigitToEvent(r rune) (uint8, bool) {
	if r >= 'a' && r <= 'd' {
		r -= 'a' - 'A'
	}
	i := strings.IndexRune(dtmfDigits, r)
	if i < 0 {
		return 0, false
	}
	return uint8(i), true
}

// EventToDigit returns the key for an event code; codes above 15 (flash,
// fax tones, line signals) are not keys.
func EventToDigit(ev uint8) (rune, bool) {
	if int(ev) >= len(dtmfDigits) {
		return 0, false
	}
	return rune(dtmfDigits[ev]), true
}

// DTMFReceiver turns the stream of telephone-event packets from one RTP
// source into key presses, each reported exactly once. The zero value is
// ready to use; it is not safe for concurrent use.
//
// Senders repeat an event's packets every 50 ms or so while the key is held
// and send the end packet three times; all packets of one press share its RTP
// timestamp, and a new press (even of the same key) has a new one. The
// receiver therefore reports a press on the first packet it sees with a new
// timestamp, not on the end packet: the caller hears the menu react while the
// key is still down, and a press whose end packets are all lost is still
// counted. The cost is that the press's duration is unknown when reported,
// which no menu needs.
type DTMFReceiver struct {
	started  bool
	lastTS   uint32
	lastEv   uint8
	ended    bool
	duration uint16 // longest duration seen for the current event
}

// dtmfStaleWindow is how far (in RTP ticks) behind the current event a
// timestamp may be and still count as a late packet of an earlier event
// rather than a new event after a timestamp jump (new SSRC, re-INVITE).
// 1<<17 ticks is 16 s at 8 kHz and 2.7 s at 48 kHz.
const dtmfStaleWindow = 1 << 17

// dtmfLongEvent is the duration beyond which an unended event may continue
// in a new segment with a new timestamp (RFC 4733 section 2.5.1.3): the
// duration field overflows after 0xFFFF ticks (8 s at 8 kHz).
const dtmfLongEvent = 0x8000

// Push feeds one received event with its packet's RTP timestamp. It returns
// the key when this packet starts a new press; repeats, end packets,
// retransmissions, late packets of earlier presses, continuation segments
// of a long press and non-key events return ok == false.
func (d *DTMFReceiver) Push(ev DTMFEvent, rtpTimestamp uint32) (digit rune, ok bool) {
	if d.started && rtpTimestamp == d.lastTS {
		if ev.Event == d.lastEv {
			d.ended = d.ended || ev.End
			d.duration = max(d.duration, ev.Duration)
		}
		return 0, false
	}
	if d.started {
		delta := rtpTimestamp - d.lastTS
		if back := -delta; int32(delta) < 0 && back <= dtmfStaleWindow {
			return 0, false // late packet of an earlier press
		}
		continuation := !d.ended && ev.Event == d.lastEv &&
			d.duration >= dtmfLongEvent && delta <= uint32(d.duration)+0x1000
		if continuation {
			d.lastTS, d.ended, d.duration = rtpTimestamp, ev.End, ev.Duration
			return 0, false
		}
	}
	d.started = true
	d.lastTS, d.lastEv, d.ended, d.duration = rtpTimestamp, ev.Event, ev.End, ev.Duration
	return EventToDigit(ev.Event)
}

// Reset forgets the current event, for when the RTP source changes.
func (d *DTMFReceiver) Reset() { *d = DTMFReceiver{} }

// dtmfVolume is the level senders announce: -10 dBm0, what most phones use.
const dtmfVolume = 10

// DTMFPackets returns the telephone-event payloads for one key press of
// durationMs, to be sent one every 20 ms with the same RTP timestamp (the
// caller sets the marker bit on the first). Start packets report the
// duration so far, growing by 20 ms each; the press ends with three
// identical end packets so one lost packet does not leave the key stuck.
// clockRate is the telephone-event clock rate (8000, or 48000 next to Opus).
func DTMFPackets(digit rune, durationMs int, clockRate int) ([]DTMFEvent, error) {
	ev, ok := DigitToEvent(digit)
	if !ok {
		return nil, fmt.Errorf("media: DTMF %q: not a key", digit)
	}
	if clockRate <= 0 {
		return nil, fmt.Errorf("media: DTMF clock rate %d: must be positive", clockRate)
	}
	total := int64(durationMs) * int64(clockRate) / 1000
	if durationMs <= 0 || total > 0xFFFF {
		return nil, fmt.Errorf("media: DTMF duration %d ms at %d Hz: must be 1 to %d ms",
			durationMs, clockRate, 0xFFFF*1000/clockRate)
	}
	step := int64(SamplesPerFrame(clockRate))
	var pkts []DTMFEvent
	for d := step; d < total; d += step {
		pkts = append(pkts, DTMFEvent{Event: ev, Volume: dtmfVolume, Duration: uint16(d)})
	}
	end := DTMFEvent{Event: ev, End: true, Volume: dtmfVolume, Duration: uint16(total)}
	return append(pkts, end, end, end), nil
}

// ParseDTMFRelay reads the key from a SIP INFO body. It accepts
// application/dtmf-relay bodies ("Signal=5\r\nDuration=160") and
// application/dtmf bodies ("5"). Some systems send '*' and '#' as event
// codes "10" and "11"; those are accepted too.
func ParseDTMFRelay(body string) (rune, error) {
	body = strings.TrimSpace(body)
	if !strings.Contains(body, "=") {
		return parseDTMFSignal(body)
	}
	for line := range strings.Lines(body) {
		key, value, ok := strings.Cut(line, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(key), "signal") {
			continue
		}
		return parseDTMFSignal(strings.TrimSpace(value))
	}
	return 0, errors.New("media: dtmf-relay body has no Signal line")
}

func parseDTMFSignal(s string) (rune, error) {
	if len(s) == 1 {
		if ev, ok := DigitToEvent(rune(s[0])); ok {
			r, _ := EventToDigit(ev)
			return r, nil
		}
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < len(dtmfDigits) {
		r, _ := EventToDigit(uint8(n))
		return r, nil
	}
	return 0, fmt.Errorf("media: DTMF signal %q: not a key", s)
}
