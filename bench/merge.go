package main

import (
	"strings"
)

// mergeReport puts the sections of a partial run (fresh) into an earlier
// full report (old): a "## " section of fresh replaces the section of the
// same title in old, or is appended when old has none; old's other sections
// stay as they were. The header says which sections were measured when, so
// the file never passes a partial run off as a full one.
func mergeReport(old, fresh, note string) string {
	oldHead, oldSecs := splitSections(old)
	_, freshSecs := splitSections(fresh)
	var b strings.Builder
	b.WriteString(strings.TrimRight(oldHead, "\n"))
	b.WriteString("\n" + note + "\n\n")
	used := map[string]bool{}
	for _, s := range oldSecs {
		if f, ok := findSection(freshSecs, s.title); ok {
			b.WriteString(f.body)
			used[s.title] = true
			continue
		}
		b.WriteString(s.body)
	}
	for _, f := range freshSecs {
		if !used[f.title] {
			b.WriteString(f.body)
		}
	}
	return b.String()
}

type section struct{ title, body string }

// splitSections cuts a report at its "## " headings: the text before the
// first one, then each section with its heading.
func splitSections(md string) (head string, secs []section) {
	lines := strings.SplitAfter(md, "\n")
	cur := -1
	var hb strings.Builder
	for _, l := range lines {
		if strings.HasPrefix(l, "## ") {
			secs = append(secs, section{title: strings.TrimSpace(l[3:])})
			cur = len(secs) - 1
		}
		if cur < 0 {
			hb.WriteString(l)
			continue
		}
		secs[cur].body += l
	}
	return hb.String(), secs
}

func findSection(secs []section, title string) (section, bool) {
	for _, s := range secs {
		if s.title == title {
			return s, true
		}
	}
	return section{}, false
}
