//go:build cgo && opus

package opus

import (
	"math"
	"net"
	"testing"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
)

// lossCall sends payloads to a real RTP session on loopback, leaving out the
// packets in lost, and returns the frames its consumer received.
func lossCall(t *testing.T, payloads [][]byte, lost map[int]bool) ([]media.PCM16, media.RTPStats) {
	t.Helper()
	r := audiotest.NewRTPRig(t, New(0), &media.PortRange{IP: net.IPv4(127, 0, 0, 1), Min: 44000, Max: 44999})
	var sent uint64
	for i, p := range payloads {
		if lost[i] {
			continue
		}
		r.Send(DefaultPayloadType, uint16(1000+i), uint32(i*960), 9, p)
		sent++
	}
	return r.Settle(sent), r.S.Stats()
}

// fecCodec is Opus as negotiated with a receiver whose SDP says it decodes
// in-band FEC (every browser, most phones); plainCodec with one that does not.
var (
	fecCodec   = New(0).(media.RemoteFMTPCodec).WithRemoteFMTP("minptime=10;useinbandfec=1")
	plainCodec = New(0).(media.RemoteFMTPCodec).WithRemoteFMTP("minptime=10")
)

// encodeAll encodes sig in 20 ms payloads with codec's encoder.
func encodeAll(t *testing.T, sig media.PCM16, codec media.Codec) [][]byte {
	var pl payloads
	enc := codec.Encoder(&pl)
	n := media.SamplesPerFrame(SampleRate)
	for off := 0; off+n <= len(sig); off += n {
		if err := enc.WriteFrame(sig[off : off+n]); err != nil {
			t.Fatal(err)
		}
	}
	return pl.p
}

// voiced is a second of speech-like sound: a gliding pitch (120 → 180 Hz)
// with ten harmonics and a syllable-rate envelope.
func voiced() media.PCM16 {
	sig := make(media.PCM16, SampleRate)
	phase := 0.0
	for i := range sig {
		t := float64(i) / SampleRate
		phase += 2 * math.Pi * (120 + 60*t) / SampleRate
		v := 0.0
		for h := 1.0; h <= 10; h++ {
			v += math.Sin(h*phase) / h
		}
		sig[i] = int16(6000 * (0.5 + 0.5*math.Sin(2*math.Pi*3*t)) * v)
	}
	return sig
}

// A lost packet on an Opus leg is recovered from the next packet's in-band
// FEC, and sounds closer to what was sent than libopus's concealment, which
// the same path falls back to when the stream carries no FEC. Both streams
// come from our encoder as negotiated with the far end's SDP.
func TestRTPSessionOpusFEC(t *testing.T) {
	sig := voiced()
	withFEC, withoutFEC := encodeAll(t, sig, fecCodec), encodeAll(t, sig, plainCodec)
	// Each stream's lossless decode is its reference.
	cleanFEC, _ := lossCall(t, withFEC, nil)
	cleanPLC, _ := lossCall(t, withoutFEC, nil)
	for _, lostAt := range []int{20, 40} { // two loud syllables
		lost := map[int]bool{lostAt: true}
		fec, st := lossCall(t, withFEC, lost)
		plc, _ := lossCall(t, withoutFEC, lost)
		if len(fec) != 50 || len(plc) != 50 {
			t.Fatalf("frames: %d with FEC, %d without, want 50", len(fec), len(plc))
		}
		if want := (media.RTPStats{Received: 49, Lost: 1, Concealed: 1}); st != want {
			t.Errorf("stats %+v, want %+v", st, want)
		}
		errFEC := sqErr(fec[lostAt], cleanFEC[lostAt])
		errPLC := sqErr(plc[lostAt], cleanPLC[lostAt])
		t.Logf("frame %d at %.1f dBFS: error with FEC %.1f dBFS, with concealment %.1f dBFS",
			lostAt, audiotest.RMSdBFS(cleanFEC[lostAt]), errFEC, errPLC)
		if errFEC > errPLC-6 {
			t.Errorf("frame %d: FEC error %.1f dBFS not clearly below concealment's %.1f dBFS", lostAt, errFEC, errPLC)
		}
	}
}

// A run of three lost Opus packets is filled with three frames: two of
// concealment and the last from FEC. Five and more are not filled.
func TestRTPSessionOpusConcealsRun(t *testing.T) {
	got, st := lossCall(t, encodeAll(t, voiced(), fecCodec), map[int]bool{10: true, 11: true, 12: true, 25: true,
		30: true, 31: true, 32: true, 33: true, 34: true, 35: true})
	if len(got) != 50-6 {
		t.Fatalf("%d frames, want 44", len(got))
	}
	if want := (media.RTPStats{Received: 40, Lost: 10, Concealed: 4}); st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
}

// sqErr is the error power of got against want, in dB relative to full scale.
func sqErr(got, want media.PCM16) float64 {
	d := make(media.PCM16, len(got))
	for i := range d {
		d[i] = int16(max(-32768, min(32767, int(got[i])-int(want[i]))))
	}
	return audiotest.RMSdBFS(d)
}
