package config

import (
	"strings"
	"testing"
)

func TestMemoryKeys(t *testing.T) {
	c, err := load(t, "log_level: info\n")
	if err != nil {
		t.Fatal(err)
	}
	if !c.ReturnsAfterPeak() || c.SoftMemoryLimit() != 0 {
		t.Errorf("defaults: return %v, limit %d", c.ReturnsAfterPeak(), c.SoftMemoryLimit())
	}
	c, err = load(t, "memory: {return_after_peak: false, soft_limit_mb: 512}\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.ReturnsAfterPeak() || c.SoftMemoryLimit() != 512<<20 {
		t.Errorf("return %v, limit %d", c.ReturnsAfterPeak(), c.SoftMemoryLimit())
	}
}

func TestMemoryInvalid(t *testing.T) {
	_, err := load(t, "log_level: info\nmemory:\n  soft_limit_mb: 8\n")
	if err == nil || !strings.Contains(err.Error(), "hotline.yaml:3: memory.soft_limit_mb 8: want 0 (none) or 64 to") {
		t.Errorf("tiny limit: %v", err)
	}
	if _, err := load(t, "memory: {return: yes}\n"); err == nil || !strings.Contains(err.Error(), "unknown key return") {
		t.Errorf("unknown key: %v", err)
	}
}
