package dialplan

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// parseYAML parses data into its document's root node, reporting a syntax error with its line.
func parseYAML(file string, data []byte) (*yaml.Node, *Error) {
	doc, err := unmarshalYAML(data)
	if err != nil {
		return nil, yamlSyntaxError(file, data, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 || isNull(doc.Content[0]) {
		return nil, &Error{File: file, Msg: "the dialplan is empty", Hint: "start with: version: 1"}
	}
	return doc.Content[0], nil
}

func unmarshalYAML(data []byte) (doc *yaml.Node, err error) {
	defer func() {
		// The YAML parser is third-party code fed untrusted input: a panic in it is a syntax error here.
		if r := recover(); r != nil {
			doc, err = nil, fmt.Errorf("yaml: %v", r)
		}
	}()
	doc = &yaml.Node{}
	err = yaml.Unmarshal(data, doc)
	return doc, err
}

// decodeYAML is unmarshalYAML reading from r.
func decodeYAML(r io.Reader) (doc *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, fmt.Errorf("yaml: %v", r)
		}
	}()
	doc = &yaml.Node{}
	err = yaml.NewDecoder(r).Decode(doc)
	return doc, err
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// maxErrorScanLines bounds the work spent locating a syntax error (see errorLine).
const maxErrorScanLines = 200

// yamlSyntaxError turns a yaml.v3 error ("yaml: line 3: could not find expected ':'") into an Error.
func yamlSyntaxError(file string, data []byte, err error) *Error {
	msg := err.Error()
	e := &Error{File: file}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if line := errorLine(data); line > 0 {
		e.Line = line
	}
	e.Msg = "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")
	if strings.Contains(msg, "found character that cannot start any token") && bytes.Contains(data, []byte("\t")) {
		e.Hint = "indent with spaces, not tabs"
	}
	return e
}

// errorLine finds the line a YAML syntax error is on, or 0. The parser reports the line where the enclosing
// block starts, which for a mis-indented key can be far above the mistake. The mistake is on the first line
// from which on every prefix of the file fails to parse: one line after the longest prefix that parses.
// (Shorter prefixes can fail just because they end inside a multi-line value.) Feeding the parser one byte
// at a time shows how far it read before failing, which bounds where to start looking.
func errorLine(data []byte) int {
	if isUTF16(data) {
		return 0 // lines are not byte-delimited; keep the parser's line
	}
	var ends []int // ends[k] is the length of the prefix holding lines 1..k+1
	for i, b := range data {
		if b == '\n' || (b == '\r' && (i+1 == len(data) || data[i+1] != '\n')) {
			ends = append(ends, i+1)
		}
	}
	r := &trickleReader{data: data}
	if _, err := decodeYAML(r); err == nil {
		return 0
	}
	// The line holding the last byte read is at or after the mistake.
	last, _ := slices.BinarySearch(ends, r.off)
	for k := last - 1; k >= 0 && k >= last-maxErrorScanLines; k-- {
		if _, err := unmarshalYAML(data[:ends[k]]); err == nil {
			return k + 2
		}
	}
	if last < maxErrorScanLines {
		return 1 // not even the first line parses
	}
	return 0
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

// isUTF16 reports whether data starts with a UTF-16 byte order mark, which YAML parsers honour.
func isUTF16(data []byte) bool {
	return bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff})
}
