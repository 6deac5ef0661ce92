package amdtest

import (
	"slices"
	"time"

	"github.com/hotline-cc/hotline/amd"
	"github.com/hotline-cc/hotline/media"
)

// Outcome is the detector's result on one clip.
type Outcome struct {
	Clip   *Clip
	Result amd.Result
	Frames int // frames fed before the detection was over
}

// Correct reports whether the verdict is the clip's label.
func (o Outcome) Correct() bool { return o.Result.Verdict == o.Clip.Label }

// Scores sums up a run over a set.
type Scores struct {
	Outcomes          []Outcome
	Humans, Machines  int
	Correct           int
	HumanAsMachine    int // people the dialer would have hung up on: abandoned calls
	MachineAsHuman    int // voicemails passed to an agent
	NotSure           int
	HumanLatency      []time.Duration // Decided on the human clips judged HUMAN, sorted
	MachineLatency    []time.Duration // Decided on the machine clips judged MACHINE, sorted
	Beeps, BeepsHeard int
	FalseBeeps        int             // a beep reported on a clip with none, or far from the real one
	BeepError         []time.Duration // |BeepEnd - true end| on beeps heard, sorted
	FramesFed         int
}

// Accuracy is the share of clips whose verdict is their label (NOTSURE counts as wrong).
func (s *Scores) Accuracy() float64 {
	return float64(s.Correct) / float64(max(1, s.Humans+s.Machines))
}

// FalseMachineRate is the share of human clips judged MACHINE.
func (s *Scores) FalseMachineRate() float64 {
	return float64(s.HumanAsMachine) / float64(max(1, s.Humans))
}

// Quantile returns the q-quantile (0..1) of sorted durations, or 0 for none.
func Quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

// beepSlack is how far a reported beep end may be from the real one and still count as the beep.
const beepSlack = 40 * time.Millisecond

// Run feeds each clip to a fresh detector in 20 ms frames until the detection is over.
func Run(clips []Clip, cfg amd.Config) *Scores {
	s := &Scores{}
	step := media.SamplesPerFrame(Rate)
	for i := range clips {
		c := &clips[i]
		d := amd.New(cfg)
		var res amd.Result
		frames := 0
		for off := 0; ; off += step {
			frame := make(media.PCM16, step) // past the clip's end: digital silence
			if off < len(c.Audio) {
				copy(frame, c.Audio[off:])
			}
			frames++
			var done bool
			if res, done = d.Frame(frame); done {
				break
			}
		}
		s.FramesFed += frames
		o := Outcome{Clip: c, Result: res, Frames: frames}
		s.Outcomes = append(s.Outcomes, o)
		switch c.Label {
		case amd.Human:
			s.Humans++
		case amd.Machine:
			s.Machines++
		}
		if c.Label == amd.Human {
			s.HumanLatency = append(s.HumanLatency, res.Decided)
		} else {
			s.MachineLatency = append(s.MachineLatency, res.Decided)
		}
		switch {
		case o.Correct():
			s.Correct++
		case res.Verdict == amd.NotSure:
			s.NotSure++
		case c.Label == amd.Human:
			s.HumanAsMachine++
		default:
			s.MachineAsHuman++
		}
		if c.Beep {
			s.Beeps++
		}
		if res.Beep {
			e := res.BeepEnd - c.BeepEnd
			if e < 0 {
				e = -e
			}
			if c.Beep && e <= beepSlack {
				s.BeepsHeard++
				s.BeepError = append(s.BeepError, e)
			} else {
				s.FalseBeeps++
			}
		}
	}
	slices.Sort(s.HumanLatency)
	slices.Sort(s.MachineLatency)
	slices.Sort(s.BeepError)
	return s
}
