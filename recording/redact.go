package recording

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Span is a stretch of a recording to silence: on the caller's channel (0),
// the other side's (1) or both (-1), from From to To after its start.
type Span struct {
	Channel  int
	From, To time.Duration
}

// SilenceSpans zeroes the samples of spans in the recording at path (a card
// number read out, found in the transcript). The result is written to a
// temporary file beside it and renamed over it, so a crash leaves either
// the old file or the new one.
func SilenceSpans(path string, spans []Span) error {
	if err := silenceSpans(path, spans); err != nil {
		return fmt.Errorf("recording: silence %s: %w", path, err)
	}
	return nil
}

func silenceSpans(path string, spans []Span) error {
	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	h, size, err := readHeaderFile(in)
	if err != nil {
		return err
	}
	for _, s := range spans {
		if s.Channel < -1 || s.Channel >= h.channels {
			return fmt.Errorf("span on channel %d of a %d-channel file", s.Channel, h.channels)
		}
	}
	data := make([]byte, size)
	if _, err := in.ReadAt(data, 0); err != nil && err != io.EOF {
		return err
	}
	block := int64(h.channels * 2)
	frames := samplesIn(h, size) / block
	samples := data[h.dataOffset:]
	at := func(d time.Duration) int64 { return min(max(int64(d)*int64(h.rate)/int64(time.Second), 0), frames) }
	for _, s := range spans {
		for i := at(s.From); i < at(s.To); i++ {
			for ch := range h.channels {
				if s.Channel == -1 || s.Channel == ch {
					binary.LittleEndian.PutUint16(samples[i*block+int64(2*ch):], 0)
				}
			}
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".redact-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// The redacted file keeps the original's mode and time: retention
	// counts a recording's age from it, and redaction must not renew it.
	if st, err := in.Stat(); err == nil {
		_ = os.Chmod(tmp.Name(), st.Mode().Perm())
		_ = os.Chtimes(tmp.Name(), st.ModTime(), st.ModTime())
	}
	return os.Rename(tmp.Name(), path)
}
