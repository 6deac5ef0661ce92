package recording

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/record"
)

// Recovered is a recording a crash interrupted, finished by Recover.
type Recovered struct {
	CallID    string
	Recording record.Recording // Incomplete; Paused is not known
}

// Recover finishes the recordings a crash left under dir: each .part file's
// header sizes are set from its length (a partial last frame is cut off)
// and it is renamed into place. Call it at startup, before recording; the
// caller attaches each result to its call (store.AddRecording). A file that
// cannot be read as a recording is left as it is and reported in the error;
// the others are still recovered.
func Recover(dir string) ([]Recovered, error) {
	var out []Recovered
	var errs []error
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			errs = append(errs, err)
			return nil
		}
		if d.IsDir() || !strings.HasSuffix(p, ".wav.part") {
			return nil
		}
		rec, err := recoverFile(dir, p)
		if err != nil {
			errs = append(errs, fmt.Errorf("recording: recover %s: %w", p, err))
			return nil
		}
		out = append(out, rec)
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return out, fmt.Errorf("recording: recover %s: %w", dir, err)
	}
	return out, errors.Join(errs...)
}

func recoverFile(dir, part string) (Recovered, error) {
	f, err := os.OpenFile(part, os.O_RDWR, 0)
	if err != nil {
		return Recovered{}, err
	}
	h, size, err := readHeaderFile(f)
	if err != nil {
		f.Close()
		return Recovered{}, err
	}
	n := samplesIn(h, size)
	if err := f.Truncate(h.dataOffset + n); err != nil {
		f.Close()
		return Recovered{}, err
	}
	err = fixSizes(f, h.dataOffset, n)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Recovered{}, err
	}
	final := strings.TrimSuffix(part, ".part")
	if err := os.Rename(part, final); err != nil {
		return Recovered{}, err
	}
	rel, err := filepath.Rel(dir, final)
	if err != nil {
		return Recovered{}, err
	}
	callID := h.callID
	if callID == "" {
		callID = strings.TrimSuffix(filepath.Base(final), ".wav")
	}
	start := h.start
	if start.IsZero() {
		if st, err := os.Stat(final); err == nil {
			start = st.ModTime().Add(-duration(n, h))
		}
	}
	return Recovered{CallID: callID, Recording: record.Recording{File: filepath.ToSlash(rel), Format: Format,
		Rate: h.rate, Channels: h.channels, Start: start, End: start.Add(duration(n, h)), Incomplete: true}}, nil
}

// duration is how long dataLen bytes of samples last.
func duration(dataLen int64, h header) time.Duration {
	return time.Duration(dataLen/int64(h.channels*2)) * time.Second / time.Duration(h.rate)
}
