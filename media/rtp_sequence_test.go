package media

import "testing"

func TestRTPSequence(t *testing.T) {
	type step struct {
		ssrc    uint32
		seq     uint16
		want    seqVerdict
		missing int
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"in order", []step{{1, 10, seqNext, 0}, {1, 11, seqNext, 0}, {1, 12, seqNext, 0}}},
		{"wrap", []step{{1, 65534, seqNext, 0}, {1, 65535, seqNext, 0}, {1, 0, seqNext, 0}, {1, 1, seqNext, 0}}},
		{"gap across wrap", []step{{1, 65534, seqNext, 0}, {1, 2, seqGap, 3}, {1, 3, seqNext, 0}}},
		{"gaps", []step{{1, 100, seqNext, 0}, {1, 102, seqGap, 1}, {1, 106, seqGap, 3}, {1, 117, seqGap, 10}}},
		{"duplicate", []step{{1, 5, seqNext, 0}, {1, 5, seqLate, 0}, {1, 6, seqNext, 0}}},
		{"late", []step{{1, 5, seqNext, 0}, {1, 7, seqGap, 1}, {1, 6, seqLate, 0}, {1, 8, seqNext, 0}}},
		{"late across wrap", []step{{1, 65535, seqNext, 0}, {1, 1, seqGap, 1}, {1, 0, seqLate, 0}, {1, 65535, seqLate, 0}}},
		{"restart forward", []step{{1, 5, seqNext, 0}, {1, 5 + maxDropout, seqRestart, 0}, {1, 6 + maxDropout, seqNext, 0}}},
		{"restart backward", []step{{1, 5000, seqNext, 0}, {1, 5000 - maxMisorder, seqRestart, 0}, {1, 5001 - maxMisorder, seqNext, 0}}},
		{"new ssrc", []step{{1, 5, seqNext, 0}, {2, 900, seqNext, 0}, {2, 902, seqGap, 1}, {1, 3, seqNext, 0}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var q rtpSequence
			for i, s := range tc.steps {
				v, n := q.push(s.ssrc, s.seq)
				if v != s.want || n != s.missing {
					t.Fatalf("step %d (ssrc %d seq %d): %v %d, want %v %d", i, s.ssrc, s.seq, v, n, s.want, s.missing)
				}
			}
		})
	}
}
