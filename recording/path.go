package recording

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// maxNameLen bounds a file name made from a call id; longer ids are hashed.
const maxNameLen = 100

// fileName makes a call id safe as a file name: ids made only of letters,
// digits, '.', '_' and '-' (and not starting with '.') are kept, anything
// else is hex-encoded, and a name that would be too long is a hash. Call ids
// come from the network (the SIP Call-ID), so they never reach a path as
// they are; the real id is kept inside the file (LIST/INFO).
func fileName(callID string) string {
	safe := callID != "" && callID[0] != '.'
	for i := 0; i < len(callID) && safe; i++ {
		c := callID[i]
		safe = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
	}
	name := callID
	if !safe {
		name = "x" + hex.EncodeToString([]byte(callID))
	}
	if len(name) > maxNameLen {
		sum := sha256.Sum256([]byte(callID))
		name = "h" + hex.EncodeToString(sum[:])
	}
	return name
}

// relPath is where a recording starting at start lives under the directory,
// with forward slashes: YYYY/MM/DD/<name>.wav (UTC dates).
func relPath(start time.Time, callID string, n int) string {
	name := fileName(callID)
	if n > 1 { // the call was recorded before (a second Record, a restart)
		name += "-" + strconv.Itoa(n)
	}
	return path.Join(start.UTC().Format("2006/01/02"), name+".wav")
}

// Resolve turns a recording's stored name (record.Recording.File, relative to dir, forward
// slashes) into its path, refusing names that would leave dir: the names are in records that
// the API serves, so they are checked wherever a file is opened from one.
func Resolve(dir, name string) (string, error) {
	if name == "" || strings.Contains(name, "\x00") || filepath.IsAbs(name) {
		return "", fmt.Errorf("%w: %q", ErrOutsideDir, name)
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	full := filepath.Join(root, filepath.FromSlash(name))
	if rel, err := filepath.Rel(root, full); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%w: %q", ErrOutsideDir, name)
	}
	return full, nil
}
