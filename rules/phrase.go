package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Phrase match modes.
const (
	matchPhrase  = "phrase"  // the words in order, next to each other
	matchKeyword = "keyword" // every word of the entry somewhere in one turn, in any order
	matchRegex   = "regex"   // a Go regular expression on the turn's text, case-insensitive
)

var (
	phraseParties = []string{"caller", "agent", "bot", "any"}
	matchModes    = []string{matchPhrase, matchKeyword, matchRegex}
)

// phraseCond matches what a party said.
type phraseCond struct {
	party      string // a record.Speaker*, or "any"
	match      string
	firstTurns int // only the party's first turns; 0: all
	pats       []pattern
}

type pattern struct {
	text  string
	han   bool     // has Chinese: matched as a substring
	lower string   // for substring matching
	stems []string // for word matching
	re    *regexp.Regexp
}

func decodePhrase(p *parser, rule string, n *yaml.Node, _ int) cond {
	f := p.fields(n, rule, "phrase", "phrase")
	c := &phraseCond{}
	c.party = f.oneOf("party", "any", phraseParties)
	c.match = f.oneOf("match", matchPhrase, matchModes)
	c.firstTurns = f.integer("first_turns", 0, 1, 1000)
	var texts []string
	if f.value("text", true) != nil {
		texts = stringList(p, rule, "phrase: text", f.pos("text"))
	}
	f.done()
	for _, t := range texts {
		pt := pattern{text: t}
		for _, r := range t {
			if isHan(r) {
				pt.han = true
				break
			}
		}
		if pt.han {
			pt.lower, _ = compact(asciiLower(t))
		}
		switch {
		case c.match == matchRegex:
			_, err := regexp.Compile(t)
			re, _ := regexp.Compile("(?i)" + t)
			if err != nil || re == nil {
				msg := strings.TrimPrefix(err.Error(), "error parsing regexp: ")
				p.errorf(f.pos("text"), rule, "", "phrase: text: invalid regular expression %q: %s", t, msg)
				continue
			}
			pt.re = re
		case !pt.han:
			for _, tok := range tokenize(t) {
				pt.stems = append(pt.stems, tok.stem)
			}
			if len(pt.stems) == 0 {
				p.errorf(f.pos("text"), rule, "", "phrase: text %q has no words to match", t)
				continue
			}
		}
		c.pats = append(c.pats, pt)
	}
	return c
}

func (c *phraseCond) eval(v *view) (string, bool) {
	n := 0 // turns seen, for party any
	for _, t := range v.turns {
		if c.party != "any" && t.speaker != c.party {
			continue
		}
		nth := t.nth
		if c.party == "any" {
			nth, n = n, n+1
		}
		if c.firstTurns > 0 && nth >= c.firstTurns {
			continue
		}
		for _, pt := range c.pats {
			if said, ok := c.matchTurn(&t, &pt); ok {
				return t.speaker + ": " + said, true
			}
		}
	}
	return "", false
}

// matchTurn reports what in turn t matched pattern pt.
func (c *phraseCond) matchTurn(t *turnView, pt *pattern) (string, bool) {
	switch {
	case pt.re != nil:
		if m := pt.re.FindStringIndex(t.text); m != nil && m[1] > m[0] {
			return t.text[m[0]:m[1]], true
		}
	case pt.han:
		if i := strings.Index(t.compact, pt.lower); i >= 0 && pt.lower != "" {
			return t.text[t.compactAt[i] : t.compactAt[i+len(pt.lower)-1]+1], true
		}
	case c.match == matchKeyword:
		var at []int // the word each stem was found at
		for _, s := range pt.stems {
			k := slices.IndexFunc(t.words, func(w token) bool { return w.stem == s })
			if k < 0 {
				return "", false
			}
			at = append(at, k)
		}
		// Words said together are quoted together; words apart are joined with an ellipsis.
		var said []string
		first := 0
		for i := 1; i <= len(at); i++ {
			if i < len(at) && at[i] == at[i-1]+1 {
				continue
			}
			said = append(said, t.text[t.words[at[first]].start:t.words[at[i-1]].end])
			first = i
		}
		return strings.Join(said, " … "), true
	default:
		k := len(pt.stems)
	next:
		for i := 0; i+k <= len(t.words); i++ {
			for j, s := range pt.stems {
				if t.words[i+j].stem != s {
					continue next
				}
			}
			return t.text[t.words[i].start:t.words[i+k-1].end], true
		}
	}
	return "", false
}

func (c *phraseCond) describe() string {
	var texts []string
	for i, pt := range c.pats {
		if i == 3 {
			texts = append(texts, "…")
			break
		}
		texts = append(texts, fmt.Sprintf("%q", pt.text))
	}
	who, whose := c.party, "their"
	if who == "any" {
		who, whose = "someone", "the call's"
	}
	s := who + " said " + strings.Join(texts, " or ")
	if c.firstTurns > 0 {
		s += fmt.Sprintf(" in %s first %d turns", whose, c.firstTurns)
	}
	return s
}
