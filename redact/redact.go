package redact

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Kinds of personal data, as they appear in Finding.Kind, in record.Redaction.Kind, as keys of
// Config.Entities and, in brackets, as the tokens that replace them.
const (
	KindPhone  = "PHONE"
	KindID     = "ID"
	KindCard   = "CARD"
	KindCVV    = "CVV"
	KindExpiry = "EXPIRY"
	KindEmail  = "EMAIL"
)

// Kinds lists every kind the redactor knows.
var Kinds = []string{KindPhone, KindID, KindCard, KindCVV, KindExpiry, KindEmail}

// Config chooses what a Redactor replaces.
type Config struct {
	// Entities turns kinds on or off by name (case-insensitive, "PHONE", "card", …). A kind
	// not listed is on: the zero Config redacts everything.
	Entities map[string]bool
	// KeepOriginal puts the replaced text into Finding.Original. Off by default: findings
	// usually end up in logs and records, where originals must not.
	KeepOriginal bool
}

// Finding is one piece of personal data found in a text.
type Finding struct {
	Kind       string
	Start, End int    // byte offsets of the original in the text given
	Original   string // only with Config.KeepOriginal
}

// Validate reports entity names that are not kinds (a typo would otherwise leave that kind on
// without a word), each wrapping ErrUnknownKind.
func (c Config) Validate() error {
	var errs []error
	for k := range c.Entities {
		if !slices.Contains(Kinds, strings.ToUpper(k)) {
			errs = append(errs, fmt.Errorf("%w %q (kinds: %s)", ErrUnknownKind, k, strings.Join(Kinds, ", ")))
		}
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}

// Redactor replaces personal data with tokens. It is immutable and safe for concurrent use.
type Redactor struct {
	on           map[string]bool
	keepOriginal bool
}

// New makes a redactor.
func New(cfg Config) *Redactor {
	r := &Redactor{on: map[string]bool{}, keepOriginal: cfg.KeepOriginal}
	for _, k := range Kinds {
		r.on[k] = true
	}
	for k, v := range cfg.Entities {
		if k = strings.ToUpper(k); slices.Contains(Kinds, k) {
			r.on[k] = v
		}
	}
	return r
}

// Token is what replaces personal data of kind.
func Token(kind string) string { return "[" + kind + "]" }

// maxPasses bounds redaction rounds. A round can only find more where the previous one replaced
// something (a card token now near an expiry date); two rounds are enough in practice.
const maxPasses = 4

// Text returns s with personal data replaced by tokens, and what was replaced, in order.
func (r *Redactor) Text(s string) (string, []Finding) {
	found := r.scan(s)
	if len(found) == 0 {
		return s, nil
	}
	out := apply(s, found)
	// Redact the result again until nothing more is found, so that Text is idempotent:
	// replacing a number changes what is near the numbers beside it.
	for pass := 1; pass < maxPasses; pass++ {
		more := r.scan(out)
		if len(more) == 0 {
			break
		}
		for i := range more {
			more[i].Start, more[i].End = toOriginal(found, more[i].Start), toOriginal(found, more[i].End)
		}
		found = append(found, more...)
		slices.SortFunc(found, func(a, b Finding) int { return a.Start - b.Start })
		out = apply(s, found)
	}
	if r.keepOriginal {
		for i := range found {
			found[i].Original = s[found[i].Start:found[i].End]
		}
	}
	return out, found
}

// toOriginal maps an offset in apply(s, found) back to s. The offset is never inside a token:
// tokens hold no digit or e-mail character, so no later finding reaches into one.
func toOriginal(found []Finding, off int) int {
	shift := 0
	for _, f := range found {
		tokStart := f.Start + shift
		if off <= tokStart {
			break
		}
		shift += len(Token(f.Kind)) - (f.End - f.Start)
	}
	return off - shift
}

// apply replaces each finding's span (sorted, not overlapping) with its token.
func apply(s string, found []Finding) string {
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, f := range found {
		b.WriteString(s[last:f.Start])
		b.WriteString(Token(f.Kind))
		last = f.End
	}
	b.WriteString(s[last:])
	return b.String()
}

// emailRE matches an address; the domain ends in a letter, so sentence punctuation stays out.
var emailRE = regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}`)

// expiryRE matches MM/YY and MM/YYYY (also with spaces around the slash); expiryMatches checks
// that no digit or slash is glued on either side (a date, a fraction).
var expiryRE = regexp.MustCompile(`(?:0?[1-9]|1[0-2]) ?/ ?(?:20[0-9]{2}|[0-9]{2})`)

// scan finds personal data in one round, sorted by position, not overlapping.
func (r *Redactor) scan(s string) []Finding {
	var found []Finding
	lower := asciiLower(s)
	// E-mail first: an address can hold digits that look like a phone number.
	// The regular expressions are most of the time spent; most sentences need neither.
	if strings.IndexByte(s, '@') >= 0 {
		for _, m := range emailRE.FindAllStringIndex(s, -1) {
			found = append(found, Finding{Kind: KindEmail, Start: m[0], End: m[1]})
		}
	}
	for _, m := range expiryMatches(s) {
		st, en := m[0], m[1]
		if overlaps(found, st, en) || !near(lower, st, en, cardWords, 60, 30) {
			continue
		}
		found = append(found, Finding{Kind: KindExpiry, Start: st, End: en})
	}
	slices.SortFunc(found, func(a, b Finding) int { return a.Start - b.Start })
	found = append(found, numbers(s, found)...)
	slices.SortFunc(found, func(a, b Finding) int { return a.Start - b.Start })
	// Disabled kinds were still recognised (so their digits are not read as another kind), but
	// they are not replaced.
	return slices.DeleteFunc(found, func(f Finding) bool { return !r.on[f.Kind] })
}

func expiryMatches(s string) [][]int {
	if strings.IndexByte(s, '/') < 0 {
		return nil
	}
	glued := func(c byte) bool { return c >= '0' && c <= '9' || c == '/' }
	var out [][]int
	for _, m := range expiryRE.FindAllStringIndex(s, -1) {
		if m[0] > 0 && glued(s[m[0]-1]) || m[1] < len(s) && glued(s[m[1]]) {
			continue
		}
		out = append(out, m)
	}
	return out
}

func overlaps(found []Finding, start, end int) bool {
	for _, f := range found {
		if start < f.End && f.Start < end {
			return true
		}
	}
	return false
}
