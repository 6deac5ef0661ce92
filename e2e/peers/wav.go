package peers

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
)

// MicRate is the sample rate baresip's audio source/player run at (the
// generated config sets ausrc_srate/auplay_srate 8000, mono, S16LE).
const MicRate = 8000

// WriteToneWAV writes a mono 16-bit PCM WAV with a sine tone of freq Hz at
// half full scale. rate 0 means MicRate.
func WriteToneWAV(path string, freq float64, seconds float64, rate int) error {
	if rate <= 0 {
		rate = MicRate
	}
	n := int(seconds * float64(rate))
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(16383 * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return WriteWAV(path, s, rate)
}

// WriteSilenceWAV writes a mono 16-bit PCM WAV of digital silence.
func WriteSilenceWAV(path string, seconds float64, rate int) error {
	if rate <= 0 {
		rate = MicRate
	}
	return WriteWAV(path, make([]int16, int(seconds*float64(rate))), rate)
}

// WriteWAV writes mono 16-bit little-endian PCM samples as a canonical WAV.
func WriteWAV(path string, samples []int16, rate int) error {
	var b bytes.Buffer
	dataLen := uint32(len(samples) * 2)
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36)+dataLen)
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, uint32(16))
	binary.Write(&b, binary.LittleEndian, uint16(1)) // PCM
	binary.Write(&b, binary.LittleEndian, uint16(1)) // mono
	binary.Write(&b, binary.LittleEndian, uint32(rate))
	binary.Write(&b, binary.LittleEndian, uint32(rate*2))
	binary.Write(&b, binary.LittleEndian, uint16(2))
	binary.Write(&b, binary.LittleEndian, uint16(16))
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, dataLen)
	binary.Write(&b, binary.LittleEndian, samples)
	return os.WriteFile(path, b.Bytes(), 0o644)
}

type wavInfo struct {
	format, channels, bits int
	rate                   int
	data                   []byte
}

// parseWAV understands canonical and libsndfile WAVs. A data chunk whose size
// is 0 or larger than the file (header not yet finalised, e.g. while baresip
// is still recording) is taken to extend to the end of the file.
func parseWAV(b []byte) (wavInfo, error) {
	var w wavInfo
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return w, errors.New("not a RIFF/WAVE file")
	}
	off := 12
	gotFmt := false
	for off+8 <= len(b) {
		id := string(b[off : off+4])
		size := int(binary.LittleEndian.Uint32(b[off+4 : off+8]))
		body := off + 8
		switch id {
		case "fmt ":
			if body+16 > len(b) {
				return w, errors.New("short fmt chunk")
			}
			w.format = int(binary.LittleEndian.Uint16(b[body:]))
			w.channels = int(binary.LittleEndian.Uint16(b[body+2:]))
			w.rate = int(binary.LittleEndian.Uint32(b[body+4:]))
			w.bits = int(binary.LittleEndian.Uint16(b[body+14:]))
			if w.format == 0xFFFE && size >= 26 && body+26 <= len(b) { // WAVE_FORMAT_EXTENSIBLE
				w.format = int(binary.LittleEndian.Uint16(b[body+24:]))
			}
			gotFmt = true
		case "data":
			end := body + size
			if size == 0 || end > len(b) {
				end = len(b)
			}
			if !gotFmt {
				return w, errors.New("data chunk before fmt chunk")
			}
			w.data = b[body:end]
			return w, nil
		}
		off = body + size + size%2
	}
	return w, errors.New("no data chunk")
}

// readWAVMono16 reads a mono S16LE PCM WAV.
func readWAVMono16(path string) ([]int16, int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	w, err := parseWAV(b)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	if w.format != 1 || w.channels != 1 || w.bits != 16 {
		return nil, 0, fmt.Errorf("%s: need mono 16-bit PCM, have format=%d channels=%d bits=%d", path, w.format, w.channels, w.bits)
	}
	s := make([]int16, len(w.data)/2)
	for i := range s {
		s[i] = int16(binary.LittleEndian.Uint16(w.data[2*i:]))
	}
	return s, w.rate, nil
}

func wavHeaderFinal(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() < 44 {
		return false
	}
	hdr := make([]byte, 8)
	if _, err := f.ReadAt(hdr, 0); err != nil {
		return false
	}
	return string(hdr[:4]) == "RIFF" && int64(binary.LittleEndian.Uint32(hdr[4:]))+8 == st.Size()
}

// prepareMic writes dst: src converted to 8 kHz mono S16 (via sox when
// needed), looped or cut to exactly seconds. Empty src gives silence.
func prepareMic(src, dst string, seconds, micRate int) error {
	minSeconds := seconds
	if src == "" {
		return WriteSilenceWAV(dst, float64(minSeconds), micRate)
	}
	s, rate, err := readWAVMono16(src)
	if err != nil || rate != micRate {
		sox, lerr := exec.LookPath("sox")
		if lerr != nil {
			if err == nil {
				err = fmt.Errorf("%s: sample rate %d, need %d", src, rate, micRate)
			}
			return fmt.Errorf("%v (and sox not found to convert it: apt-get install sox)", err)
		}
		tmp := filepath.Join(filepath.Dir(dst), "mic-converted.wav")
		out, cerr := exec.Command(sox, src, "-r", strconv.Itoa(micRate), "-c", "1", "-b", "16", "-e", "signed-integer", tmp).CombinedOutput()
		if cerr != nil {
			return fmt.Errorf("sox convert %s: %v: %s", src, cerr, out)
		}
		if s, rate, err = readWAVMono16(tmp); err != nil {
			return err
		}
	}
	if len(s) == 0 {
		return WriteSilenceWAV(dst, float64(minSeconds), micRate)
	}
	want := minSeconds * rate
	out := make([]int16, 0, want+len(s))
	for len(out) < want {
		out = append(out, s...)
	}
	return WriteWAV(dst, out[:want], rate)
}
