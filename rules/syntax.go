package rules

import (
	"bytes"
	"fmt"
	"io"
	"slices"

	"gopkg.in/yaml.v3"
)

// The YAML parser reports a syntax error at the line where the enclosing block starts, which for
// a mis-indented key can be far above the mistake. errorLine finds the line itself, the way the
// dialplan does (copied from dialplan/syntax.go, so the two formats stay independent).

// maxErrorScanLines bounds the work spent locating a syntax error.
const maxErrorScanLines = 200

// errorLine finds the line a YAML syntax error is on, or 0: one line after the longest prefix of
// whole lines that parses. Feeding the parser one byte at a time shows how far it read before
// failing, which bounds where to start looking.
func errorLine(data []byte) int {
	if isUTF16(data) {
		return 0
	}
	var ends []int // ends[k] is the length of the prefix holding lines 1..k+1
	for i, b := range data {
		if b == '\n' || (b == '\r' && (i+1 == len(data) || data[i+1] != '\n')) {
			ends = append(ends, i+1)
		}
	}
	r := &trickleReader{data: data}
	if err := decodeYAML(r); err == nil {
		return 0
	}
	last, _ := slices.BinarySearch(ends, r.off)
	for k := last - 1; k >= 0 && k >= last-maxErrorScanLines; k-- {
		if err := unmarshalYAML(data[:ends[k]]); err == nil {
			return k + 2
		}
	}
	if last < maxErrorScanLines {
		return 1
	}
	return 0
}

func unmarshalYAML(data []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: %v", r)
		}
	}()
	var n yaml.Node
	return yaml.Unmarshal(data, &n)
}

func decodeYAML(r io.Reader) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: %v", r)
		}
	}()
	var n yaml.Node
	return yaml.NewDecoder(r).Decode(&n)
}

// trickleReader hands out one byte per Read, so the parser reads no further than it needs to.
type trickleReader struct {
	data []byte
	off  int
}

func (r *trickleReader) Read(p []byte) (int, error) {
	if r.off >= len(r.data) {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.data[r.off]
	r.off++
	return 1, nil
}

func isUTF16(data []byte) bool {
	return bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff})
}
