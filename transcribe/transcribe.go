package transcribe

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hotline-cc/hotline/analysis"
	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/record"
)

const (
	defaultMaxUtterance = 30 * time.Second
	defaultJoinGap      = 600 * time.Millisecond
	// pad is audio kept around each utterance: VAD onsets and releases are
	// soft, and a recognizer that misses a word's first consonant misreads it.
	pad = 150 * time.Millisecond
	// minOverlap is the share of a right-channel segment that must fall in
	// a bot turn (to be skipped) or an agent span (to be transcribed).
	minOverlap = 0.5
)

// Options say what the right channel holds and tune the cutting.
type Options struct {
	// Lang is the call's language (BCP 47), passed to the recognizer; ""
	// lets it guess. Turns carry the language the recognizer reports, else this.
	Lang string
	// MaxUtterance bounds the audio of one recognition; longer speech is
	// split. Default 30 s (what transcription servers take comfortably).
	MaxUtterance time.Duration
	// JoinGap: pauses shorter than this inside one party's speech keep it one
	// turn. Default 600 ms.
	JoinGap time.Duration
	// BotTurns are the bot's turns from the call record, kept as they are;
	// right-channel speech during them is the bot and is not transcribed.
	BotTurns []record.Turn
	// Agent are the spans when the right side is a human (an agent or an
	// external party): only right-channel speech inside them becomes agent
	// turns. Outside them and the bot's turns, the right side is prompts or
	// hold music, and is skipped.
	Agent []record.Interval
	// Hold are spans the caller was on hold (an agent's hold inside an agent span): the right
	// side there is music, and is skipped.
	Hold []record.Interval
}

func (o Options) withDefaults() Options {
	if o.MaxUtterance <= 0 {
		o.MaxUtterance = defaultMaxUtterance
	}
	if o.JoinGap <= 0 {
		o.JoinGap = defaultJoinGap
	}
	return o
}

// Transcribe returns the whole call's turns from a two-channel recording at rate that began at
// start: left the caller, right the other side. Turns are sorted by Start. It returns
// ErrNoTranscriber (wrapped, with the reason) when rec cannot hear free speech, an error wrapping
// the recognizer's when one recognition fails, and ctx's error when ctx ends.
func Transcribe(ctx context.Context, rec asr.Recognizer, left, right media.PCM16, rate int, start time.Time, opts Options) ([]record.Turn, error) {
	if err := canTranscribe(rec, rate, opts.Lang); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	var turns []record.Turn
	for _, ch := range []struct {
		speaker string
		pcm     media.PCM16
	}{{record.SpeakerCaller, left}, {record.SpeakerAgent, right}} {
		segs := analysis.Segments(ch.pcm, rate)
		if ch.speaker == record.SpeakerAgent {
			segs = agentSegments(segs, start, opts)
		}
		for _, u := range utterances(segs, opts) {
			t, ok, err := recognize(ctx, rec, ch.pcm, rate, start, u, ch.speaker, opts.Lang)
			if err != nil {
				return nil, err
			}
			if ok {
				turns = append(turns, t)
			}
		}
	}
	turns = append(turns, opts.BotTurns...)
	slices.SortStableFunc(turns, func(a, b record.Turn) int { return a.Start.Compare(b.Start) })
	return turns, nil
}

// Check says whether rec can transcribe whole calls: nil, or an error wrapping ErrNoTranscriber
// that says why not (for the startup log and the docs).
func Check(rec asr.Recognizer) error { return canTranscribe(rec, 8000, "") }

// canTranscribe refuses recognizers that cannot follow a conversation.
func canTranscribe(rec asr.Recognizer, rate int, lang string) error {
	if _, ok := rec.(*asr.PocketSphinx); ok {
		return fmt.Errorf("%w: %s hears only 16 kHz English phrases from a grammar, not free speech", ErrNoTranscriber, rec.Name())
	}
	if err := asr.CanHear(rec, rate, lang, nil); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrNoTranscriber, rec.Name(), err)
	}
	return nil
}

// agentSegments keeps the right-channel segments that are an agent speaking: not the bot (its
// turns are kept as said) and inside an agent span (the rest is prompts and music).
func agentSegments(segs []analysis.Segment, start time.Time, opts Options) []analysis.Segment {
	var bot []record.Interval
	for _, t := range opts.BotTurns {
		bot = append(bot, record.Interval{Start: t.Start, End: t.End})
	}
	var out []analysis.Segment
	for _, s := range segs {
		a, b := start.Add(s.Start), start.Add(s.End)
		if overlap(a, b, bot) >= minOverlap {
			continue
		}
		if overlap(a, b, opts.Agent) < minOverlap || overlap(a, b, opts.Hold) >= minOverlap {
			continue
		}
		out = append(out, s)
	}
	return out
}

// overlap is the share of [a, b) covered by spans (assumed not to overlap each other).
func overlap(a, b time.Time, spans []record.Interval) float64 {
	d := b.Sub(a)
	if d <= 0 {
		return 0
	}
	var in time.Duration
	for _, s := range spans {
		lo, hi := maxTime(a, s.Start), minTime(b, s.End)
		if hi.After(lo) {
			in += hi.Sub(lo)
		}
	}
	return float64(in) / float64(d)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// utterances joins segments separated by less than JoinGap and splits what is longer than
// MaxUtterance into even parts.
func utterances(segs []analysis.Segment, opts Options) []analysis.Segment {
	var joined []analysis.Segment
	for _, s := range segs {
		if n := len(joined); n > 0 && s.Start-joined[n-1].End < opts.JoinGap && s.End-joined[n-1].Start <= opts.MaxUtterance {
			joined[n-1].End = s.End
			continue
		}
		joined = append(joined, s)
	}
	var out []analysis.Segment
	for _, s := range joined {
		parts := int((s.Duration() + opts.MaxUtterance - 1) / opts.MaxUtterance)
		if parts <= 1 {
			out = append(out, s)
			continue
		}
		step := s.Duration() / time.Duration(parts)
		for i := range parts {
			p := analysis.Segment{Start: s.Start + time.Duration(i)*step, End: s.Start + time.Duration(i+1)*step}
			if i == parts-1 {
				p.End = s.End
			}
			out = append(out, p)
		}
	}
	return out
}

// recognize transcribes one utterance of pcm; ok is false when the recognizer heard nothing.
func recognize(ctx context.Context, rec asr.Recognizer, pcm media.PCM16, rate int, start time.Time, u analysis.Segment, speaker, lang string) (record.Turn, bool, error) {
	if err := ctx.Err(); err != nil {
		return record.Turn{}, false, fmt.Errorf("transcribe: %w", err)
	}
	from := max(u.Start-pad, 0)
	to := u.End + pad
	a := int(int64(from) * int64(rate) / int64(time.Second))
	b := min(int(int64(to)*int64(rate)/int64(time.Second)), len(pcm))
	if b <= a {
		return record.Turn{}, false, nil
	}
	audioStart := start.Add(time.Duration(a) * time.Second / time.Duration(rate))
	res, err := rec.Recognize(ctx, asr.Utterance{Samples: pcm[a:b], Rate: rate, Lang: lang})
	if err != nil {
		return record.Turn{}, false, fmt.Errorf("transcribe %s at %v (%v of audio) with %s: %w",
			speaker, u.Start.Round(time.Millisecond), u.Duration().Round(time.Millisecond), rec.Name(), err)
	}
	if res.Text == "" {
		return record.Turn{}, false, nil
	}
	t := record.Turn{Speaker: speaker, Text: res.Text, Start: start.Add(u.Start), End: start.Add(u.End), Lang: lang}
	if res.Lang != "" {
		t.Lang = res.Lang
	}
	for _, w := range res.Words {
		t.Words = append(t.Words, record.Word{Text: w.Text, Start: audioStart.Add(w.Start), End: audioStart.Add(w.End)})
	}
	return t, true, nil
}
