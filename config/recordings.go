package config

import "path/filepath"

// Recordings says where whole-call recordings are kept and for how long. Which calls are
// recorded is the dialplan's (record: in settings, routes and queues).
//
//	recordings:
//	  dir: data/recordings/calls   # default: recordings/calls beside the store
//	  retention_days: 90           # delete recordings older than this; 0 keeps them
//	  max_gb: 50                   # then delete the oldest while all take more; 0: no limit
type Recordings struct {
	Dir           string  `yaml:"dir"`
	RetentionDays int     `yaml:"retention_days"`
	MaxGB         float64 `yaml:"max_gb"`
}

// RecordingsDir is the directory whole-call recordings are written to, resolved against the
// config file's directory.
func (c *Config) RecordingsDir() string {
	if c.Recordings.Dir != "" {
		return c.Path(c.Recordings.Dir)
	}
	return filepath.Join(filepath.Dir(c.Path(c.Store)), "recordings", "calls")
}

// RecordingsMaxBytes is recordings.max_gb in bytes; 0 for no limit.
func (c *Config) RecordingsMaxBytes() int64 { return int64(c.Recordings.MaxGB * (1 << 30)) }

// maxRetentionDays bounds retention_days: a typo of a few digits should not read as forever.
const maxRetentionDays = 36500

func (c *Config) validateRecordings(bad func(line int, format string, args ...any)) {
	r := c.Recordings
	if r.RetentionDays < 0 || r.RetentionDays > maxRetentionDays {
		bad(c.line("recordings", "retention_days"), "recordings.retention_days %d: want 0 (keep) to %d days", r.RetentionDays, maxRetentionDays)
	}
	if r.MaxGB < 0 || r.MaxGB != r.MaxGB {
		bad(c.line("recordings", "max_gb"), "recordings.max_gb %v: want 0 (no limit) or more", r.MaxGB)
	}
}
