package media

import "testing"

// BenchmarkTapPoint is what tapping adds to each packet of a session's RTP
// path: nothing but an atomic load without a tap, a lock and a copy
// with one (its consumer keeping up).
func BenchmarkTapPoint(b *testing.B) {
	var wire = newRTPWire(PCMU(), 101, 0)
	payload := make([]byte, 160)
	b.Run("none", func(b *testing.B) {
		p := &tapPoint{}
		for i := range b.N {
			p.in(wire.codec, uint32(i), 1, payload)
		}
	})
	b.Run("tapped", func(b *testing.B) {
		p := &tapPoint{}
		t := NewRTPTap(250)
		p.tap.Store(t)
		for i := range b.N {
			p.in(wire.codec, uint32(i), 1, payload)
			if i%40 == 39 { // a recorder takes 400 ms of both directions at a time
				t.Take()
			}
		}
	})
}
