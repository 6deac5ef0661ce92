package recording

import (
	"bufio"
	"io"
	"os"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
)

// BenchmarkRecorderSecond is the recorder's work for one second of a G.711
// call: 50 payloads each way placed and decoded, then written.
func BenchmarkRecorderSecond(b *testing.B) {
	payload := media.EncodeULaw(nil, audiotest.Tone(600, 8000, 20, 0.4))
	start := time.Now()
	r := &Recorder{m: &Manager{live: map[*Recorder]struct{}{}}, rate: 8000, start: start}
	f, err := os.Open(os.DevNull)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := &writer{r: r, bw: bufio.NewWriterSize(io.Discard, writeBuffer)}
	w.tracks[0].rate, w.tracks[1].rate = 8000, 8000
	codec := media.PCMU()
	b.ReportAllocs()
	for i := range b.N {
		for k := range 50 {
			n := i*50 + k
			at := start.Add(time.Duration(n) * 20 * time.Millisecond)
			w.frame(media.TapFrame{Dir: media.TapIn, Codec: codec, Timestamp: uint32(n * 160), SSRC: 1, At: at, Payload: payload})
			w.frame(media.TapFrame{Dir: media.TapOut, Codec: codec, Timestamp: uint32(n * 160), SSRC: 2, At: at, Payload: payload})
			if k%10 == 9 {
				w.flushTo(r.sampleAt(at.Add(-settle)))
			}
		}
	}
}
