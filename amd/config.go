package amd

import (
	"fmt"
	"time"
)

// Config tunes the detector. Zero fields take the defaults listed in the package doc; it
// decodes from YAML with durations written as "2.5s" or "800ms".
type Config struct {
	InitialSilence       time.Duration `yaml:"initial_silence"`        // no word by then: MACHINE
	Greeting             time.Duration `yaml:"greeting"`               // more voice than this: MACHINE
	AfterGreetingSilence time.Duration `yaml:"after_greeting_silence"` // this much silence after the greeting: HUMAN
	TotalTime            time.Duration `yaml:"total_time"`             // undecided by then: NOTSURE
	MinWordLength        time.Duration `yaml:"min_word_length"`        // voice this long is a word
	BetweenWordsSilence  time.Duration `yaml:"between_words_silence"`  // silence this long separates words
	MaxWords             int           `yaml:"max_words"`              // more words than this: MACHINE
	// BeepTimeout, when set, keeps a MACHINE detection listening for the greeting's beep until
	// that much audio has passed since the answer. Without it a MACHINE verdict ends the
	// detection at once, unless the verdict is the beep itself: a beep is always followed to
	// its end (within TotalTime), so Result.BeepEnd is known.
	BeepTimeout  time.Duration `yaml:"beep_timeout"`
	ThresholdDB  float64       `yaml:"threshold_db"`   // voice stands this far above the noise floor
	MinLevelDBFS float64       `yaml:"min_level_dbfs"` // and is at least this loud
	SampleRate   int           `yaml:"sample_rate"`    // of the frames: 8000 or 16000
}

// Defaults returns the configuration with every zero field set to its default.
func (c Config) Defaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.InitialSilence, 2500*time.Millisecond)
	def(&c.Greeting, 1500*time.Millisecond)
	def(&c.AfterGreetingSilence, 800*time.Millisecond)
	def(&c.TotalTime, 5*time.Second)
	def(&c.MinWordLength, 100*time.Millisecond)
	def(&c.BetweenWordsSilence, 150*time.Millisecond)
	if c.MaxWords == 0 {
		c.MaxWords = 3
	}
	if c.ThresholdDB == 0 {
		c.ThresholdDB = 7
	}
	if c.MinLevelDBFS == 0 {
		c.MinLevelDBFS = -45
	}
	if c.SampleRate == 0 {
		c.SampleRate = 8000
	}
	return c
}

// Validate reports the first setting that cannot work, naming it as YAML does.
func (c Config) Validate() error {
	c = c.Defaults()
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"initial_silence", c.InitialSilence}, {"greeting", c.Greeting},
		{"after_greeting_silence", c.AfterGreetingSilence}, {"total_time", c.TotalTime},
		{"min_word_length", c.MinWordLength}, {"between_words_silence", c.BetweenWordsSilence},
	} {
		if d.v < 0 {
			return fmt.Errorf("amd: %s %v must not be negative", d.name, d.v)
		}
	}
	if c.BeepTimeout < 0 {
		return fmt.Errorf("amd: beep_timeout %v must not be negative", c.BeepTimeout)
	}
	if c.MaxWords < 0 {
		return fmt.Errorf("amd: max_words %d must not be negative", c.MaxWords)
	}
	if c.ThresholdDB < 0 {
		return fmt.Errorf("amd: threshold_db %g must not be negative", c.ThresholdDB)
	}
	if c.MinLevelDBFS > 0 {
		return fmt.Errorf("amd: min_level_dbfs %g must be at most 0", c.MinLevelDBFS)
	}
	if c.SampleRate != 8000 && c.SampleRate != 16000 {
		return fmt.Errorf("amd: sample_rate %d: want 8000 or 16000", c.SampleRate)
	}
	return nil
}
