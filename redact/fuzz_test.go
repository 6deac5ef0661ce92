package redact

import (
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/record"
)

// FuzzText checks that Text never panics, that its findings are in order, inside the text and
// not overlapping, that the output is the input with each finding replaced by its token (so no
// detected original survives), and that redacting the output again changes nothing.
func FuzzText(f *testing.F) {
	for _, s := range []string{
		"my number is 13800138000", "+86 138 0013 8000", "(555) 123-4567", "11010519491231002X",
		"card 4111 1111 1111 1111 exp 12/27 cvv 123", "a.b@example.com", "幺三八零零幺三八零零零",
		"one three eight double zero one three eight triple zero", "order A12345 at 10:30 for $1,234",
		"身份证110105 19491231 002x，卡号6212262010201234561", "安全码七八九", "x", "double", "0086",
	} {
		f.Add(s)
	}
	r := New(Config{KeepOriginal: true})
	f.Fuzz(func(t *testing.T, s string) {
		out, found := r.Text(s)
		last := 0
		var b strings.Builder
		for _, fd := range found {
			if fd.Start < last || fd.End <= fd.Start || fd.End > len(s) {
				t.Fatalf("Text(%q): bad finding %+v after %d", s, fd, last)
			}
			if fd.Original != s[fd.Start:fd.End] {
				t.Fatalf("Text(%q): finding %+v original is not its span", s, fd)
			}
			b.WriteString(s[last:fd.Start])
			b.WriteString(Token(fd.Kind))
			last = fd.End
		}
		b.WriteString(s[last:])
		if out != b.String() {
			t.Fatalf("Text(%q) = %q, want the findings replaced: %q", s, out, b.String())
		}
		again, more := r.Text(out)
		if again != out || len(more) > 0 {
			t.Fatalf("not idempotent: Text(%q) = %q, then %q (%+v)", s, out, again, more)
		}
	})
}

// FuzzTurns checks that Turns never panics on words cut anywhere, that the words it returns say
// nothing it would redact again, and that every span lies within the turn's words.
func FuzzTurns(f *testing.F) {
	f.Add("my number is one three eight zero zero one three eight zero zero zero")
	f.Add("card 4111 1111 1111 1111, exp 12/27 cvv 123")
	f.Add("幺 三 八 零 零 幺 三 八 零 零 零 a@b.cn,13800138000")
	r := New(Config{})
	f.Fuzz(func(t *testing.T, text string) {
		ws := words(0, text)
		turns := []record.Turn{{Speaker: record.SpeakerCaller, Text: text, Start: at(0), End: at(300*len(ws) + 300), Words: ws}}
		out, _, spans := r.Turns(turns)
		var joined []string
		for _, w := range out[0].Words {
			joined = append(joined, w.Text)
		}
		if _, found := r.Text(strings.Join(joined, " ")); len(found) > 0 {
			t.Fatalf("words %q still hold %+v", joined, found)
		}
		for _, sp := range spans {
			if sp.Start.Before(turns[0].Start) || sp.End.After(turns[0].End) || sp.End.Before(sp.Start) {
				t.Fatalf("span %v outside the turn", sp)
			}
		}
	})
}
