package media_test

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
)

// Two RTP sessions keyed for each other carry a tone through SRTP; with
// the receiver keyed wrong, nothing gets through and the packets are
// counted as dropped.
func TestSRTPSessionsCarryTone(t *testing.T) {
	ka := make([]byte, media.SRTPKeyLen)
	kb := make([]byte, media.SRTPKeyLen)
	for i := range ka {
		ka[i], kb[i] = byte(3*i+1), byte(200-i)
	}
	wrong := make([]byte, media.SRTPKeyLen)
	for _, tc := range []struct {
		name      string
		bRemote   []byte
		wantTone  bool
		wantDrops bool
	}{
		{"keys match", ka, true, false},
		{"wrong key", wrong, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			listen := func() *net.UDPConn {
				c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
				if err != nil {
					t.Fatal(err)
				}
				return c
			}
			ar, ac, br, bc := listen(), listen(), listen(), listen()
			a := media.NewRTPSession(ar, ac, media.RTPConfig{Codec: media.PCMU(), Remote: br.LocalAddr().(*net.UDPAddr),
				SRTP: &media.SRTPConfig{Suite: media.SuiteAESCM128SHA1_80, Local: ka, Remote: kb}})
			defer a.Close()
			b := media.NewRTPSession(br, bc, media.RTPConfig{Codec: media.PCMU(), Remote: ar.LocalAddr().(*net.UDPAddr),
				SRTP: &media.SRTPConfig{Suite: media.SuiteAESCM128SHA1_80, Local: kb, Remote: tc.bRemote}})
			defer b.Close()
			if !a.SRTP() || !b.SRTP() {
				t.Fatal("sessions are not encrypted")
			}
			var mu sync.Mutex
			var heard media.PCM16
			b.SwapAudioIn(media.FrameWriterFunc{Rate: 8000, Fn: func(p media.PCM16) error {
				mu.Lock()
				heard = append(heard, p...)
				mu.Unlock()
				return nil
			}})
			before := media.SRTPDropped()
			tone := audiotest.Tone(1000, 8000, 600, 0.5)
			for i := 0; i+160 <= len(tone); i += 160 {
				if err := a.AudioOut().WriteFrame(tone[i : i+160]); err != nil {
					t.Fatal(err)
				}
			}
			// Until most of the tone is heard, or most of its packets dropped.
			var got media.PCM16
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				mu.Lock()
				got = append(got[:0], heard...)
				mu.Unlock()
				if len(got) >= 3200 || media.SRTPDropped()-before >= 20 {
					break
				}
			}
			present, ratio := audiotest.DetectTone(got, 1000, 8000)
			if present != tc.wantTone {
				t.Fatalf("tone present %v (ratio %.2f, %d samples), want %v", present, ratio, len(got), tc.wantTone)
			}
			if dropped := media.SRTPDropped() > before; dropped != tc.wantDrops {
				t.Fatalf("packets dropped %v, want %v", dropped, tc.wantDrops)
			}
		})
	}
}
