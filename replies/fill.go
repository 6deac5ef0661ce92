package replies

import (
	"regexp"
	"strings"
)

var varRE = regexp.MustCompile(`\$\{([A-Za-z0-9_.\-]+)\}`)

// Fill replaces the ${name} variables of text with vars[name]. A variable with no value (unknown
// or empty) stays as it is, ${name}, so the agent sees what is still to be said by hand.
func Fill(text string, vars map[string]string) string {
	return varRE.ReplaceAllStringFunc(text, func(m string) string {
		if v := strings.TrimSpace(vars[m[2:len(m)-1]]); v != "" {
			return v
		}
		return m
	})
}

// Variables lists the names of the ${variables} in text, each once, in order.
func Variables(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range varRE.FindAllStringSubmatch(text, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}
