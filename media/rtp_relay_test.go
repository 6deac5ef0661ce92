package media

import (
	"bytes"
	"testing"
)

// A relayed stream is placed right after ours and keeps its own spacing:
// gaps stay gaps, a late packet keeps its place, and a restart of the
// sender's numbering carries on from ours.
func TestRelayMapPlace(t *testing.T) {
	const step = 160
	var m relayMap
	ourSeq, ourTS := uint16(65534), uint32(1000)
	send := func(seq uint16, ts uint32) (uint16, uint32) {
		s, tt := m.place(seq, ts, ourSeq, ourTS, step)
		if int16(s-ourSeq) > 0 {
			ourSeq, ourTS = s, tt
		}
		return s, tt
	}
	for _, tc := range []struct {
		seq         uint16
		ts          uint32
		wantSeq     uint16
		wantTS      uint32
		description string
	}{
		{100, 50000, 65535, 1160, "the first follows our newest packet"},
		{101, 50160, 0, 1320, "in order, across our wrap"},
		{104, 50640, 3, 1800, "after two lost: the gap is kept"},
		{103, 50480, 2, 1640, "late: in its place"},
		{105, 50800, 4, 1960, "in order again"},
		{9000, 7, 5, 2120, "a restarted sender carries on from us"},
		{9001, 167, 6, 2280, "and keeps its new spacing"},
	} {
		s, ts := send(tc.seq, tc.ts)
		if s != tc.wantSeq || ts != tc.wantTS {
			t.Errorf("%s: (%d, %d) placed at (%d, %d), want (%d, %d)", tc.description, tc.seq, tc.ts, s, ts, tc.wantSeq, tc.wantTS)
		}
	}
}

func TestRelayPayload(t *testing.T) {
	tone := make(PCM16, 160)
	for i := range tone {
		tone[i] = int16(i * 97 % 20000)
	}
	ulaw, alaw := EncodeULaw(nil, tone), EncodeALaw(nil, tone)
	if got, ok := relayPayload(nil, ulaw, "PCMU", "PCMA"); !ok || !bytes.Equal(got, ULawToALaw(nil, ulaw)) {
		t.Error("PCMU → PCMA not mapped byte by byte")
	}
	if got, ok := relayPayload(nil, alaw, "PCMA", "PCMU"); !ok || !bytes.Equal(got, ALawToULaw(nil, alaw)) {
		t.Error("PCMA → PCMU not mapped byte by byte")
	}
	if _, ok := relayPayload(nil, ulaw, "PCMU", "G722"); ok {
		t.Error("PCMU relayed to G.722")
	}
}
