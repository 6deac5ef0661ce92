package media

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// WAV files carry the prompts an administrator uploads and the recordings
// the server writes. Reading is lenient about what tools produce in practice
// (extra chunks, extensible headers, stereo, 8/24/32-bit and float samples,
// G.711 WAVs from telephony systems, streaming writers that leave the data
// size unset) and strict about everything else.

// WAV format codes (the wFormatTag field of the fmt chunk).
const (
	wavFormatPCM        = 1
	wavFormatFloat      = 3
	wavFormatALaw       = 6
	wavFormatULaw       = 7
	wavFormatExtensible = 0xFFFE
)

// wavMaxRate bounds the sample rate a file may declare; beyond it the header
// is corrupt rather than exotic.
const wavMaxRate = 768000

// ErrNotWAV is returned when the input does not start with a RIFF/WAVE header.
var ErrNotWAV = errors.New("wav: not a RIFF/WAVE file")

type wavFormat struct {
	code     uint16
	channels int
	rate     int
	bits     int
}

// ReadWAV reads a WAV file and returns its samples mixed down to mono.
// Accepted encodings: integer PCM of 8, 16, 24 or 32 bits, 32-bit float,
// µ-law and A-law (format codes 7 and 6), plain or in a
// WAVE_FORMAT_EXTENSIBLE header, with any number of channels. Chunks other
// than "fmt " and "data" are skipped. A data chunk shorter than its header
// says (a recorder that was killed) yields the samples that are there.
func ReadWAV(r io.Reader) (samples PCM16, rate int, err error) {
	br := bufio.NewReader(r)
	var hdr [12]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrNotWAV, err)
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return nil, 0, ErrNotWAV
	}
	var format *wavFormat
	for {
		var ch [8]byte
		if _, err := io.ReadFull(br, ch[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, 0, errors.New("wav: no data chunk")
			}
			return nil, 0, fmt.Errorf("wav: reading chunk header: %w", err)
		}
		id := string(ch[0:4])
		size := int64(binary.LittleEndian.Uint32(ch[4:8]))
		switch id {
		case "fmt ":
			f, err := readWAVFormat(br, size)
			if err != nil {
				return nil, 0, err
			}
			format = &f
		case "data":
			if format == nil {
				return nil, 0, errors.New("wav: data chunk before fmt chunk")
			}
			s, err := readWAVData(br, size, *format)
			if err != nil {
				return nil, 0, err
			}
			return s, format.rate, nil
		default:
			// Chunks are padded to an even length.
			if _, err := io.CopyN(io.Discard, br, size+size&1); err != nil {
				return nil, 0, fmt.Errorf("wav: skipping %q chunk: %w", id, err)
			}
		}
	}
}

func readWAVFormat(r io.Reader, size int64) (wavFormat, error) {
	if size < 16 || size > 1024 {
		return wavFormat{}, fmt.Errorf("wav: fmt chunk of %d bytes", size)
	}
	b := make([]byte, size+size&1)
	if _, err := io.ReadFull(r, b); err != nil {
		return wavFormat{}, fmt.Errorf("wav: reading fmt chunk: %w", err)
	}
	f := wavFormat{
		code:     binary.LittleEndian.Uint16(b[0:2]),
		channels: int(binary.LittleEndian.Uint16(b[2:4])),
		rate:     int(binary.LittleEndian.Uint32(b[4:8])),
		bits:     int(binary.LittleEndian.Uint16(b[14:16])),
	}
	if f.code == wavFormatExtensible {
		// The real format code is the first two bytes of the sub-format GUID,
		// after cbSize (2), valid bits (2) and channel mask (4).
		if size < 40 {
			return wavFormat{}, fmt.Errorf("wav: extensible fmt chunk of %d bytes, want 40", size)
		}
		f.code = binary.LittleEndian.Uint16(b[24:26])
	}
	if f.channels < 1 {
		return wavFormat{}, errors.New("wav: zero channels")
	}
	if f.rate < 1 || f.rate > wavMaxRate {
		return wavFormat{}, fmt.Errorf("wav: sample rate %d Hz", f.rate)
	}
	switch {
	case f.code == wavFormatPCM && (f.bits == 8 || f.bits == 16 || f.bits == 24 || f.bits == 32):
	case f.code == wavFormatFloat && f.bits == 32:
	case (f.code == wavFormatULaw || f.code == wavFormatALaw) && f.bits == 8:
	default:
		return wavFormat{}, fmt.Errorf("wav: unsupported encoding (format code %d, %d bits); "+
			"want PCM 8/16/24/32-bit, float 32-bit, µ-law or A-law", f.code, f.bits)
	}
	return f, nil
}

// readWAVData reads up to size bytes of sample frames and mixes them to mono.
// A size of 0xFFFFFFFF (left unset by streaming writers) reads to EOF.
func readWAVData(r io.Reader, size int64, f wavFormat) (PCM16, error) {
	if size == 0xFFFFFFFF {
		size = math.MaxInt64
	}
	bytesPer := f.bits / 8
	frameLen := bytesPer * f.channels
	// Read in blocks so a header claiming gigabytes costs only what is
	// actually there.
	block := make([]byte, frameLen*max(1, 4096/frameLen))
	var out PCM16
	remaining := size
	for remaining >= int64(frameLen) {
		n := int64(len(block))
		if remaining < n {
			n = remaining - remaining%int64(frameLen)
		}
		got, err := io.ReadFull(r, block[:n])
		got -= got % frameLen
		for off := 0; off < got; off += frameLen {
			var sum int64
			for c := range f.channels {
				sum += int64(wavSample(block[off+c*bytesPer:], f))
			}
			out = append(out, int16(sum/int64(f.channels)))
		}
		remaining -= int64(got)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("wav: reading data: %w", err)
		}
	}
	return out, nil
}

// wavSample decodes one sample of one channel to 16-bit.
func wavSample(b []byte, f wavFormat) int16 {
	switch f.code {
	case wavFormatULaw:
		return ulawDecodeTable[b[0]]
	case wavFormatALaw:
		return alawDecodeTable[b[0]]
	case wavFormatFloat:
		v := float64(math.Float32frombits(binary.LittleEndian.Uint32(b))) * 32768
		if v != v { // NaN
			return 0
		}
		return int16(max(math.MinInt16, min(math.MaxInt16, math.Round(v))))
	}
	switch f.bits {
	case 8:
		return int16(int(b[0])-128) << 8 // 8-bit WAV PCM is unsigned
	case 16:
		return int16(binary.LittleEndian.Uint16(b))
	case 24:
		return int16(uint16(b[1]) | uint16(b[2])<<8)
	default: // 32
		return int16(binary.LittleEndian.Uint32(b) >> 16)
	}
}

// WriteWAV writes samples as a 16-bit mono PCM WAV file.
func WriteWAV(w io.Writer, samples PCM16, rate int) error {
	if rate < 1 || rate > wavMaxRate {
		return fmt.Errorf("wav: sample rate %d Hz", rate)
	}
	dataLen := int64(len(samples)) * 2
	if dataLen > math.MaxUint32-36 {
		return fmt.Errorf("wav: %d samples do not fit in a WAV file", len(samples))
	}
	var h [44]byte
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+dataLen))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], wavFormatPCM)
	binary.LittleEndian.PutUint16(h[22:], 1) // mono
	binary.LittleEndian.PutUint32(h[24:], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(rate*2)) // byte rate
	binary.LittleEndian.PutUint16(h[32:], 2)              // block align
	binary.LittleEndian.PutUint16(h[34:], 16)             // bits per sample
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(dataLen))
	if _, err := w.Write(h[:]); err != nil {
		return fmt.Errorf("wav: writing header: %w", err)
	}
	var buf [4096]byte
	for len(samples) > 0 {
		n := min(len(samples), len(buf)/2)
		for i, s := range samples[:n] {
			binary.LittleEndian.PutUint16(buf[2*i:], uint16(s))
		}
		if _, err := w.Write(buf[:2*n]); err != nil {
			return fmt.Errorf("wav: writing samples: %w", err)
		}
		samples = samples[n:]
	}
	return nil
}

// LoadWAVFile reads a WAV file and converts it to mono at rate, ready to be
// played to a leg running at that rate.
func LoadWAVFile(path string, rate int) (PCM16, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	samples, fileRate, err := ReadWAV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if fileRate == rate {
		return samples, nil
	}
	return Resample(samples, fileRate, rate), nil
}
