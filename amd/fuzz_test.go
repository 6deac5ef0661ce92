package amd_test

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/amd"
	"github.com/hotline-cc/hotline/media"
)

// FuzzDetector feeds arbitrary samples in frames of arbitrary length: the detector must not
// panic, must decide by TotalTime, and with BeepTimeout be done by then too.
func FuzzDetector(f *testing.F) {
	f.Add([]byte{160, 0}, uint8(0), false)
	f.Add([]byte{160, 0, 0x10, 0x7f, 0xf0, 0x80, 0, 0, 1, 2, 3}, uint8(3), true)
	tone := make([]byte, 0, 640)
	for _, s := range voice(80*time.Millisecond, 8000) {
		tone = binary.LittleEndian.AppendUint16(tone, uint16(s))
	}
	f.Add(tone, uint8(1), false)
	f.Fuzz(func(t *testing.T, data []byte, frameLen uint8, wideband bool) {
		cfg := amd.Config{TotalTime: 2 * time.Second, InitialSilence: time.Second}
		if wideband {
			cfg.SampleRate = 16000
			cfg.BeepTimeout = 3 * time.Second
		}
		cfg = cfg.Defaults()
		n := int(frameLen)%400 + 1
		var samples media.PCM16
		for i := 0; i+1 < len(data); i += 2 {
			samples = append(samples, int16(binary.LittleEndian.Uint16(data[i:])))
		}
		if len(samples) == 0 {
			samples = media.PCM16{0}
		}
		d := amd.New(cfg)
		listen := max(cfg.TotalTime, cfg.BeepTimeout)
		frameDur := time.Duration(n) * time.Second / time.Duration(cfg.SampleRate)
		var pos time.Duration
		frame := make(media.PCM16, n)
		for k := 0; ; k++ {
			for i := range frame {
				frame[i] = samples[(k*n+i)%len(samples)]
			}
			res, done := d.Frame(frame)
			pos += frameDur
			if done {
				// Decided is the end of the frame the decision was made in.
				if res.Decided > cfg.TotalTime+frameDur || res.Decided <= 0 {
					t.Fatalf("decided at %v, total time %v: %v", res.Decided, cfg.TotalTime, res)
				}
				if res.Verdict != amd.Human && res.Verdict != amd.Machine && res.Verdict != amd.NotSure {
					t.Fatalf("verdict %v", res.Verdict)
				}
				if res.Beep && (res.BeepEnd <= 0 || res.BeepEnd > pos) {
					t.Fatalf("beep end %v after %v of audio", res.BeepEnd, pos)
				}
				return
			}
			if pos > listen+frameDur {
				t.Fatalf("not done after %v (listening %v)", pos, listen)
			}
		}
	})
}
