package redact

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
)

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// words makes word records from space-separated text, 300 ms each from start.
func words(startMs int, text string) []record.Word {
	var out []record.Word
	for i, w := range strings.Fields(text) {
		out = append(out, record.Word{Text: w, Start: at(startMs + 300*i), End: at(startMs + 300*i + 250)})
	}
	return out
}

func wordTexts(ws []record.Word) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Text)
	}
	return out
}

func TestTurns(t *testing.T) {
	spoken := "my number is one three eight zero zero one three eight zero zero zero thanks"
	turns := []record.Turn{
		{Speaker: record.SpeakerAgent, Text: "Hello, how can I help?", Start: at(0), End: at(1500), Words: words(0, "Hello, how can I help?")},
		{Speaker: record.SpeakerCaller, Text: spoken, Start: at(2000), End: at(6500), Words: words(2000, spoken)},
		{Speaker: record.SpeakerCaller, Text: "card 4111 1111 1111 1111, mail me at a@b.com.", Start: at(7000), End: at(9000),
			Words: words(7000, "card 4111 1111 1111 1111, mail me at a@b.com.")},
		// no words: the whole turn is silenced
		{Speaker: record.SpeakerCaller, Text: "电话13800138000", Start: at(10000), End: at(12000)},
		// words in Chinese, one per character
		{Speaker: record.SpeakerCaller, Text: "幺三八零零幺三八零零零", Start: at(13000), End: at(16000),
			Words: words(13000, "幺 三 八 零 零 幺 三 八 零 零 零")},
	}
	orig := make([]record.Turn, len(turns))
	for i, tu := range turns {
		orig[i] = tu
		orig[i].Words = append([]record.Word(nil), tu.Words...)
	}
	out, counts, spans := New(Config{}).Turns(turns)
	if !reflect.DeepEqual(turns, orig) {
		t.Error("Turns changed its input")
	}
	if out[0].Text != turns[0].Text || !reflect.DeepEqual(out[0].Words, turns[0].Words) {
		t.Errorf("turn 0 changed: %+v", out[0])
	}
	if want := "my number is [PHONE] thanks"; out[1].Text != want {
		t.Errorf("turn 1 text %q, want %q", out[1].Text, want)
	}
	if got, want := wordTexts(out[1].Words), []string{"my", "number", "is", "[PHONE]", "thanks"}; !reflect.DeepEqual(got, want) {
		t.Errorf("turn 1 words %q, want %q", got, want)
	}
	if w := out[1].Words[3]; !w.Start.Equal(at(2000+3*300)) || !w.End.Equal(at(2000+13*300+250)) {
		t.Errorf("collapsed word times %v–%v", w.Start, w.End)
	}
	if got, want := wordTexts(out[2].Words), []string{"card", "[CARD],", "mail", "me", "at", "[EMAIL]."}; !reflect.DeepEqual(got, want) {
		t.Errorf("turn 2 words %q, want %q", got, want)
	}
	if got, want := wordTexts(out[4].Words), []string{"[PHONE]"}; !reflect.DeepEqual(got, want) {
		t.Errorf("turn 4 words %q, want %q", got, want)
	}
	wantSpans := []AudioSpan{
		{record.SpeakerCaller, at(2900), at(2000 + 13*300 + 250)},
		{record.SpeakerCaller, at(7300), at(7000 + 4*300 + 250)},
		{record.SpeakerCaller, at(7000 + 8*300), at(7000 + 8*300 + 250)},
		{record.SpeakerCaller, at(10000), at(12000)},
		{record.SpeakerCaller, at(13000), at(13000 + 10*300 + 250)},
	}
	if !reflect.DeepEqual(spans, wantSpans) {
		t.Errorf("spans\n got %v\nwant %v", spans, wantSpans)
	}
	wantCounts := []record.Redaction{{Kind: KindCard, Count: 1}, {Kind: KindEmail, Count: 1}, {Kind: KindPhone, Count: 3}}
	if !reflect.DeepEqual(counts, wantCounts) {
		t.Errorf("counts %v, want %v", counts, wantCounts)
	}
}

func TestTurnsWordsOnly(t *testing.T) {
	// A turn whose text is empty is counted from its words.
	turns := []record.Turn{{Speaker: record.SpeakerCaller, Words: words(0, "13800138000 ok")}}
	out, counts, spans := New(Config{}).Turns(turns)
	if got := wordTexts(out[0].Words); !reflect.DeepEqual(got, []string{"[PHONE]", "ok"}) {
		t.Errorf("words %q", got)
	}
	if len(counts) != 1 || counts[0] != (record.Redaction{Kind: KindPhone, Count: 1}) {
		t.Errorf("counts %v", counts)
	}
	if len(spans) != 1 || !spans[0].Start.Equal(at(0)) || !spans[0].End.Equal(at(250)) {
		t.Errorf("spans %v", spans)
	}
}
