//go:build cgo && opus

package opus

import (
	"math"
	"slices"
	"testing"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
)

// decodeLosing decodes payloads with the one at lost missing: recovered
// from the next payload's in-band FEC when fec, else concealed. It returns
// the 20 ms frames.
func decodeLosing(t *testing.T, payloads [][]byte, lost int, fec bool) []media.PCM16 {
	t.Helper()
	var frames []media.PCM16
	dec := New(0).Decoder(media.FrameWriterFunc{Rate: SampleRate, Fn: func(p media.PCM16) error {
		frames = append(frames, slices.Clone(p))
		return nil
	}}).(media.Concealer)
	for i, p := range payloads {
		var err error
		switch {
		case i != lost:
			err = dec.(media.PayloadWriter).WritePayload(p)
		case fec:
			err = dec.Conceal(payloads[i+1])
		default:
			err = dec.Conceal(nil)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return frames
}

// snr is the power of want over that of got's difference from it, in dB.
func snr(got, want media.PCM16) float64 {
	var sig, noise float64
	for i := range want {
		d := float64(got[i]) - float64(want[i])
		sig += float64(want[i]) * float64(want[i])
		noise += d * d
	}
	return 10 * math.Log10(sig/max(noise, 1))
}

func meanBytes(payloads [][]byte) float64 {
	n := 0
	for _, p := range payloads {
		n += len(p)
	}
	return float64(n) / float64(len(payloads))
}

// Our encoder sends in-band FEC exactly when the receiver's SDP says it
// decodes it (useinbandfec=1), and our own decoder then recovers a lost
// frame from the next packet far better than it conceals one: over every
// voiced frame of a second of speech-like sound, lost one at a time. Without
// useinbandfec the packets carry none, and the FEC path is concealment,
// sample for sample. The FEC costs bits, within the encoder's bitrate.
func TestEncoderFECFollowsRemoteFMTP(t *testing.T) {
	sig := voiced()
	budget := float64(Bitrate) / 8 * media.FrameDurationMs / 1000
	var plainBytes float64
	for _, tt := range []struct {
		fmtp string
		fec  bool
	}{
		{"", false},
		{"minptime=10", false},
		{"useinbandfec=0", false},
		{"useinbandfec=1", true},
		{"minptime=10; useinbandfec=1; usedtx=0", true},
	} {
		t.Run(tt.fmtp, func(t *testing.T) {
			payloads := encodeAll(t, sig, New(0).(media.RemoteFMTPCodec).WithRemoteFMTP(tt.fmtp))
			clean := decodeLosing(t, payloads, -1, false)
			var fecSNR, plcSNR float64
			n := 0
			for i := 5; i < len(payloads)-1; i += 2 {
				if audiotest.RMSdBFS(clean[i]) < -40 {
					continue // a pause: nothing to recover
				}
				fec, plc := decodeLosing(t, payloads, i, true)[i], decodeLosing(t, payloads, i, false)[i]
				if !tt.fec && !slices.Equal(fec, plc) {
					t.Fatalf("frame %d: the FEC path differs from concealment: the packets carry FEC nobody asked for", i)
				}
				fecSNR += snr(fec, clean[i])
				plcSNR += snr(plc, clean[i])
				n++
			}
			fecSNR, plcSNR = fecSNR/float64(n), plcSNR/float64(n)
			bytes := meanBytes(payloads)
			t.Logf("%d lost frames: SNR against the lossless decode %.1f dB recovered by FEC, %.1f dB concealed; %.1f bytes/packet",
				n, fecSNR, plcSNR, bytes)
			if tt.fec {
				if fecSNR < plcSNR+6 {
					t.Errorf("FEC recovers lost frames at %.1f dB, concealment at %.1f dB: want FEC at least 6 dB better", fecSNR, plcSNR)
				}
				if bytes <= plainBytes || bytes > budget {
					t.Errorf("%.1f bytes/packet with FEC, %.1f without: want more, but within the %.0f of %d b/s",
						bytes, plainBytes, budget, Bitrate)
				}
			} else {
				plainBytes = bytes
			}
		})
	}
}

// An SDP parameter list is read leniently: spaces around separators, any
// letter case in names.
func TestWithRemoteFMTP(t *testing.T) {
	for fmtp, want := range map[string]bool{
		"useinbandfec=1": true, " useinbandfec = 1 ;stereo=0": true, "UseInbandFEC=1": true,
		"useinbandfec=0": false, "": false, "maxplaybackrate=16000": false, "useinbandfec=": false,
	} {
		if got := New(0).(media.RemoteFMTPCodec).WithRemoteFMTP(fmtp).(codec).fec; got != want {
			t.Errorf("%q: fec %v, want %v", fmtp, got, want)
		}
	}
	if info := New(0).(media.RemoteFMTPCodec).WithRemoteFMTP("useinbandfec=1").Info(); info != New(0).Info() {
		t.Errorf("the remote's fmtp changed our own codec info: %+v", info)
	}
}
