package main

import (
	"errors"
	"slices"
	"time"

	"github.com/hotline-cc/hotline/amd"
	"github.com/hotline-cc/hotline/amd/amdtest"
	"github.com/hotline-cc/hotline/media"
)

// The answering-machine detection part: the detector's defaults on the labelled set of
// package amdtest (espeak-ng people and voicemails, en and zh, some under noise, half the
// voicemails with a beep), in process. Targets from the campaign's needs: ≥ 90 % right, ≤ 3 %
// of people taken for machines (they count as abandoned calls), people decided within 3 s
// of the answer (median).
const (
	amdAccuracyTarget     = 0.90
	amdFalseMachineTarget = 0.03
	amdHumanMedianTarget  = 3 * time.Second
	amdGenDir             = "amd/testdata/.gen" // the rendered speech, shared with the package's tests
	amdBeepTimeout        = 20 * time.Second
	amdSpeedCPU           = 2 * time.Second // CPU spent measuring frames per second
)

type amdRun struct {
	notMeasured string
	set         *amdtest.Scores // the defaults
	greeting18  *amdtest.Scores // Greeting 1.8 s, the rest default
	appAMD      *amdtest.Scores // app_amd's 50 ms between words
	wideband    *amdtest.Scores // the set resampled to 16 kHz, defaults at 16 kHz
	long        *amdtest.Scores // people who answer with a whole sentence
	groups      []amdGroup
	frames      int
	cpu         time.Duration
}

type amdGroup struct {
	name                    string
	clips, correct, falseMa int
	humans                  int
}

func (r *report) amdBench() {
	run := &amdRun{}
	r.amd = run
	clips, err := amdtest.Set(amdGenDir)
	if errors.Is(err, amdtest.ErrNoEspeak) {
		run.notMeasured = "espeak-ng is not installed"
		return
	}
	if err != nil {
		fatal(err)
	}
	logf("amd: %d labelled clips", len(clips))
	run.set = amdtest.Run(clips, amd.Config{BeepTimeout: amdBeepTimeout})
	run.greeting18 = amdtest.Run(clips, amd.Config{BeepTimeout: amdBeepTimeout, Greeting: 1800 * time.Millisecond})
	run.appAMD = amdtest.Run(clips, amd.Config{BeepTimeout: amdBeepTimeout, BetweenWordsSilence: 50 * time.Millisecond})
	wide := slices.Clone(clips)
	for i := range wide {
		wide[i].Audio = media.Resample(wide[i].Audio, amdtest.Rate, 16000)
	}
	run.wideband = amdtest.Run(wide, amd.Config{BeepTimeout: amdBeepTimeout, SampleRate: 16000})
	if long, err := amdtest.LongHumans(amdGenDir); err == nil {
		run.long = amdtest.Run(long, amd.Config{})
	}
	for _, g := range []struct {
		name string
		in   func(c *amdtest.Clip) bool
	}{
		{"English", func(c *amdtest.Clip) bool { return c.Lang == "en" }},
		{"Mandarin", func(c *amdtest.Clip) bool { return c.Lang == "zh" }},
		{"no added noise", func(c *amdtest.Clip) bool { return c.Noise == "" }},
		{"white noise 15–20 dB SNR", func(c *amdtest.Clip) bool { return c.Noise == "white" }},
		{"pink noise 15–20 dB SNR", func(c *amdtest.Clip) bool { return c.Noise == "pink" }},
	} {
		grp := amdGroup{name: g.name}
		for _, o := range run.set.Outcomes {
			if !g.in(o.Clip) {
				continue
			}
			grp.clips++
			if o.Correct() {
				grp.correct++
			}
			if o.Clip.Label == amd.Human {
				grp.humans++
				if o.Result.Verdict == amd.Machine {
					grp.falseMa++
				}
			}
		}
		run.groups = append(run.groups, grp)
	}
	run.frames, run.cpu = amdSpeed(clips)
	logf("amd: accuracy %.1f %%, false machine %.1f %%, %.0f frames/s per core", 100*run.set.Accuracy(), 100*run.set.FalseMachineRate(), run.perSecond())
}

// amdSpeed feeds every frame of every clip, over and over, to detectors that never finish
// (so each frame gets the whole analysis, beep search included), until amdSpeedCPU of CPU
// has been spent (at most 200 rounds). One goroutine: the figure is per core.
func amdSpeed(clips []amdtest.Clip) (frames int, cpu time.Duration) {
	step := media.SamplesPerFrame(amdtest.Rate)
	cfg := amd.Config{TotalTime: time.Hour, BeepTimeout: time.Hour}
	cpu0 := cpuNow()
	for round := 0; round < 200 && cpuNow()-cpu0 < amdSpeedCPU; round++ {
		for i := range clips {
			d := amd.New(cfg)
			a := clips[i].Audio
			for off := 0; off+step <= len(a); off += step {
				d.Frame(a[off : off+step])
				frames++
			}
		}
	}
	return frames, cpuNow() - cpu0
}

func (a *amdRun) perSecond() float64 {
	if a.cpu <= 0 {
		return 0
	}
	return float64(a.frames) / a.cpu.Seconds()
}

func (r *report) amdSection(p func(string, ...any)) {
	a := r.amd
	if a == nil {
		return
	}
	p("## Answering-machine detection")
	p("")
	p("`amd.Detector` with its defaults (package doc) on the labelled set of `amd/amdtest`, in process: people answering")
	p("with one to five words or syllables (\"Hello?\", \"Hi, this is Anna.\", \"喂？\", \"喂，你好，哪位？\") and voicemail greetings")
	p("(\"Hi, you have reached the voicemail of John Smith…\", \"您好，您拨打的用户暂时无法接听…\"), half of them followed by a beep")
	p("(500–1800 Hz, 200–600 ms), spoken by espeak-ng (8 English and 4 Mandarin voices, 130–200 words/min, pitch 30–70)")
	p("at 8 kHz after 0.2–1.5 s of silence (some voicemails 2.8–3.5 s), a third under white and a sixth under pink noise at")
	p("15–20 dB SNR. The voices are synthetic: the figures show the cadence rules at work, not how real people and real")
	p("voicemail systems fare. A decision's latency is the audio time from the answer to the verdict; NOTSURE counts as")
	p("wrong. Frames per second: every frame of the set through detectors that never finish, one goroutine.")
	p("Command: `go run -tags opus ./bench -only amd -merge`.")
	p("")
	if a.notMeasured != "" {
		p("Not measured: %s.", a.notMeasured)
		p("")
		return
	}
	s := a.set
	q := amdtest.Quantile
	p("| clips (people / voicemails) | right | people taken for machines | voicemails taken for people | not sure | people decided: median, p95 | voicemails decided: median, p95 | beeps heard (end within 40 ms) | beep end error p95 | false beeps | frames/s per core |")
	p("|---|---|---|---|---|---|---|---|---|---|---|")
	p("| %d (%d / %d) | **%.1f %%** | **%.1f %%** (%d) | %d | %d | **%.2f s**, %.2f s | %.2f s, %.2f s | %d of %d | %.1f ms | %d | %.0f |",
		s.Humans+s.Machines, s.Humans, s.Machines, 100*s.Accuracy(), 100*s.FalseMachineRate(), s.HumanAsMachine, s.MachineAsHuman, s.NotSure,
		q(s.HumanLatency, 0.5).Seconds(), q(s.HumanLatency, 0.95).Seconds(), q(s.MachineLatency, 0.5).Seconds(), q(s.MachineLatency, 0.95).Seconds(),
		s.BeepsHeard, s.Beeps, ms(q(s.BeepError, 0.95)), s.FalseBeeps, a.perSecond())
	p("")
	p("| target | result |")
	p("|---|---|")
	p("| right ≥ %.0f %% | %s (%.1f %%) |", 100*amdAccuracyTarget, verdict(s.Accuracy() >= amdAccuracyTarget), 100*s.Accuracy())
	p("| people taken for machines ≤ %.0f %% | %s (%.1f %%) |", 100*amdFalseMachineTarget, verdict(s.FalseMachineRate() <= amdFalseMachineTarget), 100*s.FalseMachineRate())
	p("| people decided, median ≤ %v after the answer | %s (%.2f s) |", amdHumanMedianTarget, verdict(q(s.HumanLatency, 0.5) <= amdHumanMedianTarget), q(s.HumanLatency, 0.5).Seconds())
	p("")
	p("By group (defaults):")
	p("")
	p("| group | clips | right | people taken for machines |")
	p("|---|---|---|---|")
	for _, g := range a.groups {
		p("| %s | %d | %.1f %% | %d of %d |", g.name, g.clips, 100*float64(g.correct)/float64(max(g.clips, 1)), g.falseMa, g.humans)
	}
	p("")
	p("Other settings on the same set, for the trade-off (the beep is unaffected):")
	p("")
	p("| setting | right | people taken for machines | people decided, median | voicemails decided, median |")
	p("|---|---|---|---|---|")
	row := func(name string, s *amdtest.Scores) {
		p("| %s | %.1f %% | %.1f %% (%d) | %.2f s | %.2f s |", name, 100*s.Accuracy(), 100*s.FalseMachineRate(), s.HumanAsMachine,
			q(s.HumanLatency, 0.5).Seconds(), q(s.MachineLatency, 0.5).Seconds())
	}
	row("defaults", s)
	row("`greeting: 1.8s`", a.greeting18)
	row("`between_words_silence: 50ms` (app_amd's)", a.appAMD)
	row("defaults at 16 kHz (the set resampled)", a.wideband)
	p("")
	if a.long != nil {
		p("People who answer with a whole sentence (\"Hello, this is Anna Smith speaking, how can I help you?\", %d clips, not in", a.long.Humans)
		p("the set above): %d of %d taken for machines. Cadence cannot tell them from a short voicemail greeting.", a.long.HumanAsMachine, a.long.Humans)
		p("")
	}
	p("Frames: %d in %s of CPU.", a.frames, a.cpu.Round(time.Millisecond))
	p("")
}
