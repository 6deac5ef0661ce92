package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/hotline-cc/hotline/analysis"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/recording"
	"github.com/hotline-cc/hotline/redact"
	"github.com/hotline-cc/hotline/rules"
)

// The analysis part: the post-call work of the embedded analysers on 3-minute calls, in
// process — read the stereo recording, voice analytics, redaction of the transcript and of the
// audio, sentiment/intent/summary/action items, the demo category rules. Everything the
// analysis job does except transcription (an external engine's time, not ours).
const (
	analysisCallMinutes = 3
	analysisTarget      = 60.0 // call-minutes per CPU-minute
)

type analysisRun struct {
	calls       int
	cpu, wall   time.Duration
	perCPUMin   float64
	notMeasured string
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchCall is a 3-minute conversation: 60 turns taking turns, a few overlapping, with the
// words of each and a phone number now and then.
func benchCall(rng *rand.Rand, i int, start time.Time) (*record.Call, media.PCM16, media.PCM16) {
	const rate = 8000
	total := analysisCallMinutes * 60 * rate
	left, right := make(media.PCM16, total), make(media.PCM16, total)
	c := &record.Call{ID: fmt.Sprintf("bench-%d", i), Times: record.Times{Start: start, Answer: start, AgentAnswer: start.Add(2 * time.Second),
		End: start.Add(analysisCallMinutes * time.Minute)}, Outcome: record.Outcome{Disposition: record.DispositionAnswered}}
	at := time.Second
	for turn := 0; at < analysisCallMinutes*time.Minute-4*time.Second; turn++ {
		d := time.Duration(1500+rng.IntN(1500)) * time.Millisecond
		ch, speaker := left, record.SpeakerCaller
		if turn%2 == 1 {
			ch, speaker = right, record.SpeakerAgent
		}
		tone := audiotest.Tone(float64(200+rng.IntN(300)), rate, int(d/time.Millisecond), 0.3)
		copy(ch[int(at.Seconds()*rate):], tone)
		phrases := enPhrases
		if i%3 == 0 {
			phrases = zhPhrases
		}
		text := phrases[rng.IntN(len(phrases))]
		if rng.IntN(8) == 0 {
			text += " my number is 1380013" + fmt.Sprintf("%04d", rng.IntN(10000))
		}
		c.Transcript = append(c.Transcript, record.Turn{Speaker: speaker, Text: text, Start: start.Add(at), End: start.Add(at + d),
			Words: []record.Word{{Text: text, Start: start.Add(at), End: start.Add(at + d)}}})
		gap := time.Duration(300+rng.IntN(900)) * time.Millisecond
		if rng.IntN(6) == 0 {
			gap = -400 * time.Millisecond // overtalk
		}
		at += d + gap
	}
	return c, left, right
}

func (r *report) analysisBench() {
	run := &analysisRun{calls: 40}
	if *quick {
		run.calls = 8
	}
	r.analysis = run
	dir, err := os.MkdirTemp("", "hotline-bench-analysis")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(dir)
	set, err := rules.Load("configs/rules.yaml")
	if err != nil {
		run.notMeasured = "the demo rules did not load: " + err.Error()
		return
	}
	rng := rand.New(rand.NewPCG(7, 7))
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	type prepared struct {
		c    *record.Call
		path string
	}
	var calls []prepared
	for i := range run.calls {
		c, l, rt := benchCall(rng, i, start)
		p := filepath.Join(dir, c.ID+".wav")
		if err := recording.WriteStereo(p, l, rt, 8000); err != nil {
			fatal(err)
		}
		calls = append(calls, prepared{c, p})
	}
	logf("analysis: %d calls of %d minutes", run.calls, analysisCallMinutes)
	red, emb := redact.New(redact.Config{}), analysis.Embedded()
	cpu0, wall0 := cpuNow(), time.Now()
	for _, p := range calls {
		left, right, rate, err := recording.ReadStereo(p.path)
		if err != nil {
			fatal(err)
		}
		rec := record.Recording{Start: p.c.Start}
		a := &record.Analysis{Voice: analysis.Voice(left, right, rate, analysis.FromCall(p.c, rec))}
		turns, counts, spans := red.Turns(p.c.Transcript)
		a.Redacted = counts
		var silence []recording.Span
		for _, s := range spans {
			silence = append(silence, recording.Span{Channel: -1, From: s.Start.Sub(p.c.Start), To: s.End.Sub(p.c.Start)})
		}
		if len(silence) > 0 {
			if err := recording.SilenceSpans(p.path, silence); err != nil {
				fatal(err)
			}
		}
		view := *p.c
		view.Transcript, view.Analysis = turns, a
		txt, err := emb.Analyze(context.Background(), &view)
		if err != nil {
			fatal(err)
		}
		a.Summary, a.Sentiment = txt.Summary, txt.Sentiment
		a.Categories = set.Evaluate(&view)
	}
	run.cpu, run.wall = cpuNow()-cpu0, time.Since(wall0)
	if run.cpu > 0 {
		run.perCPUMin = float64(run.calls*analysisCallMinutes) / run.cpu.Minutes()
	}
	logf("analysis: %.0f call-minutes per CPU-minute", run.perCPUMin)
}

func (r *report) analysisMarkdown(p func(string, ...any)) {
	a := r.analysis
	if a == nil {
		return
	}
	p("## Post-call analysis")
	p("")
	p("The analysis job's own work with the embedded analysers on %d synthetic %d-minute stereo calls (8 kHz, about 60 turns, en and zh,", a.calls, analysisCallMinutes)
	p("some overtalk, a phone number in one turn of eight): read the WAV, voice analytics on both channels, redact the")
	p("transcript and silence the spans in the file, sentiment/intent/summary/action items, the demo category rules.")
	p("Transcription is not included: it is the recognizer's time (an external server, or none with the embedded engine).")
	p("One goroutine, in process; CPU is the process's user + system time.")
	p("")
	if a.notMeasured != "" {
		p("Not measured: %s.", a.notMeasured)
		p("")
		return
	}
	p("| calls | call-minutes | CPU | wall | call-minutes per CPU-minute | target | result |")
	p("|---|---|---|---|---|---|---|")
	p("| %d | %d | %s | %s | **%.0f** | ≥ %.0f | %s |", a.calls, a.calls*analysisCallMinutes, a.cpu.Round(time.Millisecond), a.wall.Round(time.Millisecond),
		a.perCPUMin, analysisTarget, verdict(a.perCPUMin >= analysisTarget))
	p("")
	p("    go run ./bench -only analysis")
	p("")
}
