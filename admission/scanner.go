package admission

import (
	"bytes"
	"strings"
)

// DefaultScanners are User-Agent names of SIP scanning and brute-force tools, matched case-
// insensitively as a whole word of the User-Agent header ("smap 0.6.0", not "Asmap"). Only tools that are nothing but
// attack tools are listed: SDKs that attackers also use (PortSIP, for one) are left out because real
// softphones are built on them too; sipsak is a diagnostic tool admins use.
var DefaultScanners = []string{
	"friendly-scanner", // SIPVicious svwar/svcrack default
	"sipvicious",
	"sipcli",
	"vaxsipuseragent",
	"sip-scan",
	"sundayddr",
	"iwar",
	"sivus",
	"gulp",
	"smap",
	"sipscan",
	"pplsip",
}

// scanners matches User-Agent values against a list of names.
type scanners struct {
	names [][]byte // lower case
}

func newScanners(names []string) scanners {
	s := scanners{}
	for _, n := range names {
		if n = strings.ToLower(strings.TrimSpace(n)); n != "" {
			s.names = append(s.names, []byte(n))
		}
	}
	return s
}

// uaMax bounds the part of a User-Agent that is looked at: scanners put their name first.
const uaMax = 128

// match returns the listed name ua contains as a whole word, or "".
func (s scanners) match(ua []byte) string {
	if len(ua) == 0 || len(s.names) == 0 {
		return ""
	}
	var buf [uaMax]byte
	n := copy(buf[:], ua)
	low := buf[:n]
	for i, c := range low {
		if 'A' <= c && c <= 'Z' {
			low[i] = c + 'a' - 'A'
		}
	}
	for _, name := range s.names {
		for off := 0; off < len(low); {
			i := bytes.Index(low[off:], name)
			if i < 0 {
				break
			}
			at, end := off+i, off+i+len(name)
			if (at == 0 || !isWordByte(low[at-1])) && (end == len(low) || !isWordByte(low[end])) {
				return string(name)
			}
			off = at + 1
		}
	}
	return ""
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
}
