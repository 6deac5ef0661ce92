package config

// Memory says how the server gives memory back to the system (memtrim).
//
//	memory:
//	  return_after_peak: true   # default; after calls fall below half their peak for 30 s, return freed memory at once
//	  soft_limit_mb: 0          # Go soft memory limit (like GOMEMLIMIT); 0: none (GOMEMLIMIT still applies)
type Memory struct {
	ReturnAfterPeak *bool `yaml:"return_after_peak"`
	SoftLimitMB     int   `yaml:"soft_limit_mb"`
}

// ReturnsAfterPeak reports whether freed memory is returned after a call peak (on unless turned off).
func (c *Config) ReturnsAfterPeak() bool {
	return c.Memory.ReturnAfterPeak == nil || *c.Memory.ReturnAfterPeak
}

// SoftMemoryLimit is memory.soft_limit_mb in bytes; 0 for none.
func (c *Config) SoftMemoryLimit() int64 { return int64(c.Memory.SoftLimitMB) << 20 }

// maxSoftLimitMB bounds soft_limit_mb (1 TB): a few extra digits should not pass as a limit.
const maxSoftLimitMB = 1 << 20

// minSoftLimitMB is the smallest soft limit accepted: below it the collector would run all the time.
const minSoftLimitMB = 64

func (c *Config) validateMemory(bad func(line int, format string, args ...any)) {
	if n := c.Memory.SoftLimitMB; n != 0 && (n < minSoftLimitMB || n > maxSoftLimitMB) {
		bad(c.line("memory", "soft_limit_mb"), "memory.soft_limit_mb %d: want 0 (none) or %d to %d", n, minSoftLimitMB, maxSoftLimitMB)
	}
}
