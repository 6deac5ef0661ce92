package media

import (
	"bytes"
	"strings"
	"testing"
)

func TestDTMFEventMarshal(t *testing.T) {
	tests := []struct {
		name string
		ev   DTMFEvent
		wire []byte
	}{
		{"start of 5", DTMFEvent{Event: 5, Volume: 10, Duration: 160}, []byte{5, 0x0A, 0x00, 0xA0}},
		{"end of #", DTMFEvent{Event: 11, End: true, Volume: 10, Duration: 800}, []byte{11, 0x8A, 0x03, 0x20}},
		{"max duration", DTMFEvent{Event: 0, Volume: 63, Duration: 0xFFFF}, []byte{0, 0x3F, 0xFF, 0xFF}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.ev.Marshal(); !bytes.Equal(got, tt.wire) {
				t.Errorf("Marshal() = % x, want % x", got, tt.wire)
			}
			got, err := UnmarshalDTMF(tt.wire)
			if err != nil || got != tt.ev {
				t.Errorf("UnmarshalDTMF() = %+v, %v, want %+v", got, err, tt.ev)
			}
		})
	}
}

func TestUnmarshalDTMFEdgeCases(t *testing.T) {
	if _, err := UnmarshalDTMF([]byte{1, 2, 3}); err != ErrShortDTMF {
		t.Errorf("short payload: err = %v, want ErrShortDTMF", err)
	}
	// The R bit is reserved: receivers ignore it.
	ev, err := UnmarshalDTMF([]byte{1, 0xC0 | 7, 0, 80})
	if err != nil || !ev.End || ev.Volume != 7 {
		t.Errorf("with R bit: %+v, %v", ev, err)
	}
	// Only the first event of a longer payload is read.
	ev, err = UnmarshalDTMF([]byte{3, 0x0A, 0, 160, 9, 9, 9, 9})
	if err != nil || ev.Event != 3 {
		t.Errorf("long payload: %+v, %v", ev, err)
	}
	// Volume is 6 bits on the wire.
	if b := (DTMFEvent{Volume: 0xFF}).Marshal(); b[1] != 0x3F {
		t.Errorf("volume overflow leaked into E/R bits: %#02x", b[1])
	}
}

func TestDigitEventMapping(t *testing.T) {
	for i, r := range "0123456789*#ABCD" {
		ev, ok := DigitToEvent(r)
		if !ok || ev != uint8(i) {
			t.Errorf("DigitToEvent(%q) = %d, %v, want %d", r, ev, ok, i)
		}
		back, ok := EventToDigit(uint8(i))
		if !ok || back != r {
			t.Errorf("EventToDigit(%d) = %q, %v, want %q", i, back, ok, r)
		}
	}
	if ev, ok := DigitToEvent('c'); !ok || ev != 14 {
		t.Errorf("lower-case c: %d, %v", ev, ok)
	}
	for _, r := range "EeX 5!" {
		if r == '5' {
			continue
		}
		if _, ok := DigitToEvent(r); ok {
			t.Errorf("DigitToEvent(%q) accepted", r)
		}
	}
	for _, ev := range []uint8{16, 32, 255} {
		if _, ok := EventToDigit(ev); ok {
			t.Errorf("EventToDigit(%d) accepted", ev)
		}
	}
}

type dtmfPacket struct {
	ev DTMFEvent
	ts uint32
}

// press returns the packets a typical phone sends for one key press.
func press(t *testing.T, digit rune, ts uint32) []dtmfPacket {
	t.Helper()
	evs, err := DTMFPackets(digit, 100, 8000)
	if err != nil {
		t.Fatal(err)
	}
	var out []dtmfPacket
	for _, ev := range evs {
		out = append(out, dtmfPacket{ev, ts})
	}
	return out
}

func concat(parts ...[]dtmfPacket) []dtmfPacket {
	var out []dtmfPacket
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestDTMFReceiver(t *testing.T) {
	tests := []struct {
		name    string
		packets []dtmfPacket
		want    string
	}{
		{"one press", press(t, '5', 1000), "5"},
		{"two different keys", concat(press(t, '1', 1000), press(t, '2', 3000)), "12"},
		{"same key twice", concat(press(t, '7', 1000), press(t, '7', 3000)), "77"},
		{"only end packets arrive", press(t, '9', 1000)[4:], "9"},
		{
			"start lost, retransmitted start duplicated",
			[]dtmfPacket{{DTMFEvent{Event: 3, Duration: 320}, 500}, {DTMFEvent{Event: 3, Duration: 320}, 500}, {DTMFEvent{Event: 3, End: true, Duration: 800}, 500}},
			"3",
		},
		{
			"late end packet of previous press after the next starts",
			concat(press(t, '1', 1000)[:5], press(t, '2', 3000)[:1], press(t, '1', 1000)[5:], press(t, '2', 3000)[1:]),
			"12",
		},
		{
			"non-key events are ignored but do not hide the next key",
			concat([]dtmfPacket{{DTMFEvent{Event: 16, End: true, Duration: 800}, 100}}, press(t, '4', 2000)),
			"4",
		},
		{
			"timestamp jumps far back (new stream) still counts",
			concat(press(t, '1', 5_000_000), press(t, '2', 1000)),
			"12",
		},
		{
			"timestamp wraps around",
			concat(press(t, '1', 0xFFFFFF00), press(t, '2', 0x00000500)),
			"12",
		},
		{
			"long press continues in a new segment",
			[]dtmfPacket{
				{DTMFEvent{Event: 0, Duration: 0xFF00}, 1000},
				{DTMFEvent{Event: 0, Duration: 0xFFFF}, 1000},
				{DTMFEvent{Event: 0, Duration: 160}, 1000 + 0xFFFF},
				{DTMFEvent{Event: 0, End: true, Duration: 480}, 1000 + 0xFFFF},
			},
			"0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d DTMFReceiver
			var got strings.Builder
			for _, p := range tt.packets {
				if r, ok := d.Push(p.ev, p.ts); ok {
					got.WriteRune(r)
				}
			}
			if got.String() != tt.want {
				t.Errorf("digits = %q, want %q", got.String(), tt.want)
			}
		})
	}
}

// The key is reported on the first packet, not when the key is released.
func TestDTMFReceiverReportsOnFirstPacket(t *testing.T) {
	var d DTMFReceiver
	pk := press(t, '#', 42)
	if r, ok := d.Push(pk[0].ev, pk[0].ts); !ok || r != '#' {
		t.Fatalf("first packet: %q, %v; want '#', true", r, ok)
	}
	for _, p := range pk[1:] {
		if r, ok := d.Push(p.ev, p.ts); ok {
			t.Fatalf("repeat reported %q", r)
		}
	}
	d.Reset()
	if _, ok := d.Push(pk[0].ev, pk[0].ts); !ok {
		t.Error("after Reset the same packet should count again")
	}
}

func TestDTMFPackets(t *testing.T) {
	tests := []struct {
		name      string
		digit     rune
		ms, clock int
		durations []uint16 // of all packets
	}{
		{"100 ms at 8 kHz", '5', 100, 8000, []uint16{160, 320, 480, 640, 800, 800, 800}},
		{"60 ms at 48 kHz", '#', 60, 48000, []uint16{960, 1920, 2880, 2880, 2880}},
		{"shorter than a frame", '1', 10, 8000, []uint16{80, 80, 80}},
		{"not a whole number of frames", '2', 50, 8000, []uint16{160, 320, 400, 400, 400}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkts, err := DTMFPackets(tt.digit, tt.ms, tt.clock)
			if err != nil {
				t.Fatal(err)
			}
			if len(pkts) != len(tt.durations) {
				t.Fatalf("%d packets, want %d: %+v", len(pkts), len(tt.durations), pkts)
			}
			ev, _ := DigitToEvent(tt.digit)
			for i, p := range pkts {
				wantEnd := i >= len(pkts)-3
				if p.Event != ev || p.End != wantEnd || p.Duration != tt.durations[i] || p.Volume != 10 {
					t.Errorf("packet %d = %+v, want event %d end %v duration %d", i, p, ev, wantEnd, tt.durations[i])
				}
			}
		})
	}
}

func TestDTMFPacketsErrors(t *testing.T) {
	tests := []struct {
		name      string
		digit     rune
		ms, clock int
		wantErr   string
	}{
		{"not a key", 'x', 100, 8000, "not a key"},
		{"zero duration", '1', 0, 8000, "duration"},
		{"duration overflows 16 bits", '1', 9000, 8000, "duration"},
		{"overflow at 48 kHz", '1', 2000, 48000, "duration"},
		{"bad clock", '1', 100, 0, "clock rate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DTMFPackets(tt.digit, tt.ms, tt.clock)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseDTMFRelay(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    rune
		wantErr bool
	}{
		{"dtmf-relay", "Signal=5\r\nDuration=160\r\n", '5', false},
		{"dtmf-relay LF and spaces", "signal = #\nduration= 250\n", '#', false},
		{"dtmf-relay duration first", "Duration=160\r\nSignal=*\r\n", '*', false},
		{"dtmf-relay star as code", "Signal=10\r\nDuration=160", '*', false},
		{"dtmf-relay hash as code", "Signal=11", '#', false},
		{"dtmf-relay letter", "Signal=d", 'D', false},
		{"application/dtmf", "5", '5', false},
		{"application/dtmf with newline", "#\r\n", '#', false},
		{"application/dtmf code", "11", '#', false},
		{"flash is not a key", "Signal=16", 0, true},
		{"no signal line", "Duration=160", 0, true},
		{"empty", "", 0, true},
		{"garbage", "hello", 0, true},
		{"empty signal", "Signal=\r\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDTMFRelay(tt.body)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseDTMFRelay(%q) = %q, %v; want %q, err %v", tt.body, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func FuzzUnmarshalDTMF(f *testing.F) {
	f.Add([]byte{5, 0x0A, 0, 160})
	f.Add([]byte{11, 0x8A, 3, 32})
	f.Add([]byte{})
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := UnmarshalDTMF(b)
		if err != nil {
			return
		}
		// What was read marshals back to the same first four bytes,
		// apart from the reserved bit.
		got := ev.Marshal()
		want := []byte{b[0], b[1] &^ 0x40, b[2], b[3]}
		if !bytes.Equal(got, want) {
			t.Fatalf("% x → %+v → % x", b[:4], ev, got)
		}
		var d DTMFReceiver
		d.Push(ev, 0)
	})
}

func FuzzParseDTMFRelay(f *testing.F) {
	for _, s := range []string{"Signal=5\r\nDuration=160", "5", "#", "Signal=11", "", "=", "Signal"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r, err := ParseDTMFRelay(body)
		if err != nil {
			return
		}
		if _, ok := DigitToEvent(r); !ok {
			t.Fatalf("ParseDTMFRelay(%q) = %q, not a key", body, r)
		}
	})
}
