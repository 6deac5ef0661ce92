package recording

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/hotline-cc/hotline/media"
)

// The file is a canonical RIFF/WAVE file, PCM16 stereo, with one LIST/INFO
// chunk between "fmt " and "data" naming the call (ICMT) and the moment the
// first sample stands for (ICRD, RFC 3339 with nanoseconds). Players skip
// the LIST chunk; Recover and retention read the call id back from it, so a
// file name never has to carry the call id faithfully.

const (
	bytesPerFrame = 4 // one sample per channel, 16 bits each
	maxCallIDLen  = 1024
	// maxHeaderLen bounds how far the header reader looks for the data chunk.
	maxHeaderLen = 64 << 10
	// maxDataLen is what the RIFF sizes can hold.
	maxDataLen = math.MaxUint32 - maxHeaderLen
)

// header is what a recording's WAV header says.
type header struct {
	rate, channels, bits int
	dataOffset           int64 // where the samples start
	dataLen              int64 // the data chunk's declared size (0 in a .part file)
	callID               string
	start                time.Time // zero when the file does not say
}

// encodeHeader returns the header of a recording of callID starting at
// start, with the sizes of a file holding dataLen bytes of samples.
func encodeHeader(rate int, callID string, start time.Time, dataLen int64) []byte {
	if len(callID) > maxCallIDLen {
		callID = callID[:maxCallIDLen]
	}
	var info bytes.Buffer
	info.WriteString("INFO")
	infoText(&info, "ICMT", callID)
	infoText(&info, "ICRD", start.UTC().Format(time.RFC3339Nano))

	var b bytes.Buffer
	b.WriteString("RIFF")
	le32(&b, 0) // fixed below
	b.WriteString("WAVE")
	b.WriteString("fmt ")
	le32(&b, 16)
	le16(&b, 1) // PCM
	le16(&b, 2)
	le32(&b, uint32(rate))
	le32(&b, uint32(rate*bytesPerFrame))
	le16(&b, bytesPerFrame)
	le16(&b, 16)
	b.WriteString("LIST")
	le32(&b, uint32(info.Len()))
	b.Write(info.Bytes())
	b.WriteString("data")
	le32(&b, uint32(dataLen))
	h := b.Bytes()
	binary.LittleEndian.PutUint32(h[4:], uint32(int64(len(h))-8+dataLen))
	return h
}

// infoText appends a NUL-terminated INFO string, padded to an even length.
func infoText(b *bytes.Buffer, id, s string) {
	n := len(s) + 1
	b.WriteString(id)
	le32(b, uint32(n))
	b.WriteString(s)
	b.WriteByte(0)
	if n%2 == 1 {
		b.WriteByte(0)
	}
}

func le32(b *bytes.Buffer, v uint32) { b.Write(binary.LittleEndian.AppendUint32(nil, v)) }
func le16(b *bytes.Buffer, v uint16) { b.Write(binary.LittleEndian.AppendUint16(nil, v)) }

// parseHeader reads a recording's header from the start of a file. It
// accepts any PCM16 WAV (other chunks are skipped), so a file another tool
// rewrote still reads.
func parseHeader(b []byte) (header, error) {
	var h header
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return h, fmt.Errorf("%w: not a RIFF/WAVE file", ErrFormat)
	}
	var haveFmt bool
	for off := 12; ; {
		if off+8 > len(b) {
			return h, fmt.Errorf("%w: no data chunk in the first %d bytes", ErrFormat, len(b))
		}
		id, size := string(b[off:off+4]), int64(binary.LittleEndian.Uint32(b[off+4:]))
		body := off + 8
		if id == "data" {
			if !haveFmt {
				return h, fmt.Errorf("%w: data before fmt", ErrFormat)
			}
			h.dataOffset, h.dataLen = int64(body), size
			return h, nil
		}
		if int64(body)+size > int64(len(b)) {
			return h, fmt.Errorf("%w: chunk %q (%d bytes) runs past the header", ErrFormat, id, size)
		}
		chunk := b[body : body+int(size)]
		switch id {
		case "fmt ":
			if size < 16 {
				return h, fmt.Errorf("%w: fmt chunk of %d bytes", ErrFormat, size)
			}
			format := binary.LittleEndian.Uint16(chunk[0:])
			h.channels = int(binary.LittleEndian.Uint16(chunk[2:]))
			h.rate = int(binary.LittleEndian.Uint32(chunk[4:]))
			h.bits = int(binary.LittleEndian.Uint16(chunk[14:]))
			if format != 1 || h.bits != 16 || h.channels < 1 || h.channels > 2 || h.rate < 1 || h.rate > 192000 {
				return h, fmt.Errorf("%w: format %d, %d channels, %d bits, %d Hz: want PCM16 mono or stereo",
					ErrFormat, format, h.channels, h.bits, h.rate)
			}
			haveFmt = true
		case "LIST":
			parseInfo(chunk, &h)
		}
		off = body + int(size) + int(size&1)
	}
}

// parseInfo takes the call id and start from a LIST/INFO chunk; anything it
// does not understand is ignored.
func parseInfo(b []byte, h *header) {
	if len(b) < 4 || string(b[:4]) != "INFO" {
		return
	}
	for off := 4; off+8 <= len(b); {
		id, size := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:]))
		body := off + 8
		if size < 0 || size > len(b)-body {
			return
		}
		s := string(bytes.TrimRight(b[body:body+size], "\x00"))
		switch id {
		case "ICMT":
			h.callID = s
		case "ICRD":
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				h.start = t
			}
		}
		off = body + size + size&1
	}
}

// readHeaderFile reads the header of the file at path, and the file's size.
func readHeaderFile(f *os.File) (header, int64, error) {
	st, err := f.Stat()
	if err != nil {
		return header{}, 0, err
	}
	// Our headers take a few hundred bytes; another tool's may hold more
	// chunks before the samples.
	var h header
	for _, n := range []int64{4 << 10, maxHeaderLen} {
		buf := make([]byte, min(st.Size(), n))
		if _, err := f.ReadAt(buf, 0); err != nil && err != io.EOF {
			return header{}, 0, err
		}
		if h, err = parseHeader(buf); err == nil || int64(len(buf)) == st.Size() {
			break
		}
	}
	return h, st.Size(), err
}

// samplesIn is how many bytes of whole stereo frames the file holds after
// the header, whatever the header says (a crash leaves it saying 0).
func samplesIn(h header, fileSize int64) int64 {
	n := fileSize - h.dataOffset
	if n < 0 {
		return 0
	}
	block := int64(h.channels * 2)
	return min(n-n%block, maxDataLen-maxDataLen%block)
}

// fixSizes writes the RIFF and data sizes of a file with dataLen bytes of
// samples after a header of dataOffset bytes.
func fixSizes(f *os.File, dataOffset, dataLen int64) error {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(dataOffset-8+dataLen))
	if _, err := f.WriteAt(b[:], 4); err != nil {
		return err
	}
	binary.LittleEndian.PutUint32(b[:], uint32(dataLen))
	_, err := f.WriteAt(b[:], dataOffset-4)
	return err
}

// WriteStereo writes a complete two-channel recording at rate (left the caller, right the other
// side), as the recorder leaves it: for tests, benchmarks and imports.
func WriteStereo(path string, left, right media.PCM16, rate int) error {
	n := max(len(left), len(right))
	data := make([]byte, n*bytesPerFrame)
	for i := range n {
		var l, r int16
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		binary.LittleEndian.PutUint16(data[bytesPerFrame*i:], uint16(l))
		binary.LittleEndian.PutUint16(data[bytesPerFrame*i+2:], uint16(r))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(encodeHeader(rate, "", time.Time{}, int64(len(data))), data...), 0o644)
}

// ReadStereo reads a recording: the caller's channel, the other side's, and
// the sample rate. A mono file gives the same samples on both sides. A file
// whose header sizes are wrong (an unfinished .part) is read to its end.
func ReadStereo(path string) (left, right media.PCM16, rate int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("recording: %w", err)
	}
	defer f.Close()
	h, size, err := readHeaderFile(f)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("recording %s: %w", path, err)
	}
	n := samplesIn(h, size)
	if h.dataLen > 0 && h.dataLen < n {
		n = h.dataLen - h.dataLen%int64(h.channels*2)
	}
	data := make([]byte, n)
	if _, err := f.ReadAt(data, h.dataOffset); err != nil {
		return nil, nil, 0, fmt.Errorf("recording %s: %w", path, err)
	}
	frames := int(n) / (h.channels * 2)
	left, right = make(media.PCM16, frames), make(media.PCM16, frames)
	for i := range frames {
		if h.channels == 1 {
			left[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
			right[i] = left[i]
			continue
		}
		left[i] = int16(binary.LittleEndian.Uint16(data[4*i:]))
		right[i] = int16(binary.LittleEndian.Uint16(data[4*i+2:]))
	}
	return left, right, h.rate, nil
}
