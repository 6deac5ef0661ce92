package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// wavBuilder assembles WAV files chunk by chunk, so tests can make the
// layouts real tools produce.
type wavBuilder struct{ chunks bytes.Buffer }

func (b *wavBuilder) chunk(id string, body []byte) *wavBuilder {
	b.chunks.WriteString(id)
	binary.Write(&b.chunks, binary.LittleEndian, uint32(len(body)))
	b.chunks.Write(body)
	if len(body)%2 == 1 {
		b.chunks.WriteByte(0)
	}
	return b
}

func (b *wavBuilder) fmt(code uint16, channels, rate, bits int) *wavBuilder {
	var f [16]byte
	binary.LittleEndian.PutUint16(f[0:], code)
	binary.LittleEndian.PutUint16(f[2:], uint16(channels))
	binary.LittleEndian.PutUint32(f[4:], uint32(rate))
	binary.LittleEndian.PutUint32(f[8:], uint32(rate*channels*bits/8))
	binary.LittleEndian.PutUint16(f[12:], uint16(channels*bits/8))
	binary.LittleEndian.PutUint16(f[14:], uint16(bits))
	return b.chunk("fmt ", f[:])
}

func (b *wavBuilder) bytes() []byte {
	var out bytes.Buffer
	out.WriteString("RIFF")
	binary.Write(&out, binary.LittleEndian, uint32(4+b.chunks.Len()))
	out.WriteString("WAVE")
	out.Write(b.chunks.Bytes())
	return out.Bytes()
}

func le16(vs ...int16) []byte {
	b := make([]byte, 2*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b
}

func extensibleFmt(sub uint16, channels, rate, bits int) []byte {
	f := make([]byte, 40)
	binary.LittleEndian.PutUint16(f[0:], 0xFFFE)
	binary.LittleEndian.PutUint16(f[2:], uint16(channels))
	binary.LittleEndian.PutUint32(f[4:], uint32(rate))
	binary.LittleEndian.PutUint16(f[14:], uint16(bits))
	binary.LittleEndian.PutUint16(f[16:], 22)
	binary.LittleEndian.PutUint16(f[24:], sub)
	return f
}

func TestReadWAV(t *testing.T) {
	f32 := func(vs ...float32) []byte {
		b := make([]byte, 4*len(vs))
		for i, v := range vs {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		return b
	}
	tests := []struct {
		name     string
		file     []byte
		want     PCM16
		wantRate int
	}{
		{"16-bit mono", new(wavBuilder).fmt(1, 1, 8000, 16).chunk("data", le16(1, -2, 32767)).bytes(), PCM16{1, -2, 32767}, 8000},
		{"stereo is averaged", new(wavBuilder).fmt(1, 2, 16000, 16).chunk("data", le16(100, 300, -32768, -32768)).bytes(), PCM16{200, -32768}, 16000},
		{"unknown chunks skipped, odd length padded", new(wavBuilder).chunk("LIST", []byte("odd")).fmt(1, 1, 8000, 16).chunk("fact", []byte{1, 2, 3, 4}).chunk("data", le16(7)).chunk("junk", []byte{1}).bytes(), PCM16{7}, 8000},
		{"µ-law", new(wavBuilder).fmt(7, 1, 8000, 8).chunk("data", []byte{0xFF, 0x80}).bytes(), PCM16{0, 32124}, 8000},
		{"A-law", new(wavBuilder).fmt(6, 1, 8000, 8).chunk("data", []byte{0xD5, 0x2A}).bytes(), PCM16{8, -32256}, 8000},
		{"8-bit unsigned", new(wavBuilder).fmt(1, 1, 11025, 8).chunk("data", []byte{128, 255, 0}).bytes(), PCM16{0, 127 << 8, -32768}, 11025},
		{"24-bit", new(wavBuilder).fmt(1, 1, 44100, 24).chunk("data", []byte{0xFF, 0x34, 0x12, 0, 0, 0x80}).bytes(), PCM16{0x1234, -32768}, 44100},
		{"32-bit", new(wavBuilder).fmt(1, 1, 48000, 32).chunk("data", []byte{0, 0, 0x34, 0x12}).bytes(), PCM16{0x1234}, 48000},
		{"float clips", new(wavBuilder).fmt(3, 1, 22050, 32).chunk("data", f32(0.5, -1, 2, float32(math.NaN()))).bytes(), PCM16{16384, -32768, 32767, 0}, 22050},
		{"extensible PCM", new(wavBuilder).chunk("fmt ", extensibleFmt(1, 1, 24000, 16)).chunk("data", le16(5, 6)).bytes(), PCM16{5, 6}, 24000},
		{"truncated data keeps whole samples", trimmed(new(wavBuilder).fmt(1, 1, 8000, 16).chunk("data", le16(1, 2, 3)).bytes(), 1), PCM16{1, 2}, 8000},
		{"streaming size 0xFFFFFFFF reads to EOF", unknownDataSize(new(wavBuilder).fmt(1, 1, 8000, 16).chunk("data", le16(9, 8, 7)).bytes()), PCM16{9, 8, 7}, 8000},
		{"empty data", new(wavBuilder).fmt(1, 1, 8000, 16).chunk("data", nil).bytes(), nil, 8000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rate, err := ReadWAV(bytes.NewReader(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if rate != tt.wantRate {
				t.Errorf("rate = %d, want %d", rate, tt.wantRate)
			}
			if !slicesEqual(got, tt.want) {
				t.Errorf("samples = %v, want %v", got, tt.want)
			}
		})
	}
}

func trimmed(b []byte, n int) []byte { return b[:len(b)-n] }

func unknownDataSize(b []byte) []byte {
	i := bytes.Index(b, []byte("data"))
	binary.LittleEndian.PutUint32(b[i+4:], 0xFFFFFFFF)
	return b
}

func slicesEqual(a, b PCM16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReadWAVErrors(t *testing.T) {
	tests := []struct {
		name    string
		file    []byte
		wantErr string
	}{
		{"empty", nil, "not a RIFF/WAVE"},
		{"not RIFF", []byte("ID3\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), "not a RIFF/WAVE"},
		{"RIFF but not WAVE", append([]byte("RIFF\x04\x00\x00\x00AVI "), 0), "not a RIFF/WAVE"},
		{"no data chunk", new(wavBuilder).fmt(1, 1, 8000, 16).bytes(), "no data chunk"},
		{"data before fmt", new(wavBuilder).chunk("data", le16(1)).fmt(1, 1, 8000, 16).bytes(), "before fmt"},
		{"ADPCM", new(wavBuilder).fmt(2, 1, 8000, 4).chunk("data", []byte{1}).bytes(), "format code 2, 4 bits"},
		{"12-bit PCM", new(wavBuilder).fmt(1, 1, 8000, 12).chunk("data", []byte{1}).bytes(), "unsupported encoding"},
		{"zero channels", new(wavBuilder).fmt(1, 0, 8000, 16).chunk("data", le16(1)).bytes(), "zero channels"},
		{"zero rate", new(wavBuilder).fmt(1, 1, 0, 16).chunk("data", le16(1)).bytes(), "sample rate 0"},
		{"short fmt", new(wavBuilder).chunk("fmt ", []byte{1, 0}).chunk("data", le16(1)).bytes(), "fmt chunk of 2 bytes"},
		{"short extensible fmt", new(wavBuilder).chunk("fmt ", extensibleFmt(1, 1, 8000, 16)[:18]).chunk("data", le16(1)).bytes(), "extensible"},
		{"truncated chunk header", new(wavBuilder).fmt(1, 1, 8000, 16).bytes()[:40], "chunk header"},
		{"truncated unknown chunk", trimmed(new(wavBuilder).fmt(1, 1, 8000, 16).chunk("LIST", make([]byte, 100)).bytes(), 50), `skipping "LIST"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ReadWAV(bytes.NewReader(tt.file))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want it to mention %q", err, tt.wantErr)
			}
		})
	}
	if _, _, err := ReadWAV(strings.NewReader("nope")); !errors.Is(err, ErrNotWAV) {
		t.Errorf("err = %v, want ErrNotWAV", err)
	}
}

func TestWriteWAVRoundTrip(t *testing.T) {
	in := make(PCM16, 5000) // more than one internal write block
	for i := range in {
		in[i] = int16(i*37 - 90000)
	}
	var buf bytes.Buffer
	if err := WriteWAV(&buf, in, 16000); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 44+2*len(in) {
		t.Errorf("file is %d bytes, want %d", buf.Len(), 44+2*len(in))
	}
	out, rate, err := ReadWAV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if rate != 16000 || !slicesEqual(in, out) {
		t.Errorf("round trip changed the audio (rate %d)", rate)
	}
	if err := WriteWAV(&buf, in, 0); err == nil {
		t.Error("rate 0 accepted")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteWAVError(t *testing.T) {
	if err := WriteWAV(failWriter{}, PCM16{1}, 8000); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("err = %v, want the writer's error", err)
	}
}

func TestLoadWAVFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "prompt.wav")
	var buf bytes.Buffer
	if err := WriteWAV(&buf, make(PCM16, 2205), 22050); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := LoadWAVFile(path, 8000)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 800 {
		t.Errorf("100 ms at 8 kHz is %d samples, want 800", len(got))
	}
	same, err := LoadWAVFile(path, 22050)
	if err != nil || len(same) != 2205 {
		t.Errorf("no resampling: %d samples, %v", len(same), err)
	}

	bad := filepath.Join(dir, "bad.wav")
	os.WriteFile(bad, []byte("not audio"), 0o644)
	if _, err := LoadWAVFile(bad, 8000); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("err = %v, want it to name the file", err)
	}
	if _, err := LoadWAVFile(filepath.Join(dir, "missing.wav"), 8000); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want not-exist", err)
	}
}

func FuzzReadWAV(f *testing.F) {
	f.Add(new(wavBuilder).fmt(1, 1, 8000, 16).chunk("data", le16(1, 2, 3)).bytes())
	f.Add(new(wavBuilder).fmt(1, 2, 44100, 24).chunk("LIST", []byte("x")).chunk("data", make([]byte, 12)).bytes())
	f.Add(new(wavBuilder).fmt(7, 1, 8000, 8).chunk("data", []byte{1, 2}).bytes())
	f.Add(new(wavBuilder).fmt(3, 1, 8000, 32).chunk("data", []byte{0, 0, 0x80, 0x7F}).bytes())
	f.Add(new(wavBuilder).chunk("fmt ", extensibleFmt(6, 3, 8000, 8)).chunk("data", []byte{1, 2, 3}).bytes())
	f.Add([]byte("RIFF\xff\xff\xff\xffWAVEdata\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		samples, rate, err := ReadWAV(bytes.NewReader(b))
		if err != nil {
			return
		}
		if rate < 1 || rate > wavMaxRate {
			t.Fatalf("accepted rate %d", rate)
		}
		if len(samples) > len(b) {
			t.Fatalf("%d samples from %d bytes", len(samples), len(b))
		}
	})
}
