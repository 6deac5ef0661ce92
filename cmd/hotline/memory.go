package main

import (
	"context"
	"log/slog"
	"runtime/debug"

	"github.com/hotline-cc/hotline/config"
	"github.com/hotline-cc/hotline/memtrim"
	hsip "github.com/hotline-cc/hotline/sip"
	"github.com/prometheus/client_golang/prometheus"
)

// newMemoryTrim applies memory.soft_limit_mb and makes the trimmer that
// returns memory after call peaks (nil when memory.return_after_peak is off).
func newMemoryTrim(cfg *config.Config, sip *hsip.Server, log *slog.Logger) *memtrim.Trimmer {
	if n := cfg.SoftMemoryLimit(); n > 0 {
		prev := debug.SetMemoryLimit(n)
		log.Info("soft memory limit", "limit_mb", n>>20, "previous_mb", prev>>20)
	}
	if !cfg.ReturnsAfterPeak() {
		return nil
	}
	return memtrim.New(memtrim.Config{Active: sip.ActiveCalls, Log: log})
}

// runMemoryTrim runs the trimmer, if any, until ctx ends.
func (s *server) runMemoryTrim(ctx context.Context) {
	if s.trim != nil {
		go s.trim.Run(ctx)
	}
}

// memoryCollectors exports how often memory was returned.
func (s *server) memoryCollectors() []prometheus.Collector {
	if s.trim == nil {
		return nil
	}
	return []prometheus.Collector{prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hotline_memory_returns_total",
		Help: "Times freed memory was returned to the system after calls fell well below their peak."},
		func() float64 { return float64(s.trim.Trims()) })}
}
