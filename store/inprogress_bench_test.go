package store

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
	bolt "go.etcd.io/bbolt"
)

// BenchmarkCallLifecycle measures the durable writes of calls as the server makes them, with
// many calls at once (benchParallelism goroutines per CPU stand for the calls in progress; -cpu
// sets GOMAXPROCS). Each iteration is one call; the metrics are calls/s, commits/call (a bbolt commit
// is two fdatasyncs: the pages, then the meta page) and commits/s.
//
//   - end-only: the record written once, when the call ends (EndCall, group-committed): what
//     the server did before calls in progress were recorded.
//   - begin+end/update: the record written at the answer and at the end, each in a transaction
//     of its own (db.Update): one commit per write.
//   - begin+end/batch: the same through CheckpointCall and EndCall, which share commits with
//     the other calls' writes (db.Batch): what the server does for a call that ends in the IVR.
//   - queue-call/batch: answer, queue, agent and end, for a call that reaches an agent.
func BenchmarkCallLifecycle(b *testing.B) {
	begin := func(c *record.Call) *record.Call {
		p := *c
		p.Disposition, p.HangupBy, p.HangupCause = record.DispositionInProgress, "", ""
		return &p
	}
	update := func(s *Store, c *record.Call) error {
		val, err := encodeCall(c)
		if err != nil {
			return err
		}
		return s.db.Update(func(tx *bolt.Tx) error { return s.putCallIn(tx, c, val) })
	}
	job := record.Job{Kind: record.JobAnalyze}
	cases := []struct {
		name string
		call func(s *Store, c *record.Call) error
	}{
		{"end-only", func(s *Store, c *record.Call) error { return s.EndCall(c, job) }},
		{"begin+end/update", func(s *Store, c *record.Call) error {
			if err := update(s, begin(c)); err != nil {
				return err
			}
			return s.db.Update(func(tx *bolt.Tx) error {
				val, err := encodeCall(c)
				if err != nil {
					return err
				}
				if err := s.putCallIn(tx, c, val); err != nil {
					return err
				}
				_, err = enqueueIn(tx, record.Job{Kind: job.Kind, CallID: c.ID}, time.Now())
				return err
			})
		}},
		{"begin+end/batch", func(s *Store, c *record.Call) error {
			if err := s.CheckpointCall(begin(c)); err != nil {
				return err
			}
			return s.EndCall(c, job)
		}},
		{"queue-call/batch", func(s *Store, c *record.Call) error {
			for range 3 { // answer, queue, agent
				if err := s.CheckpointCall(begin(c)); err != nil {
					return err
				}
			}
			return s.EndCall(c, job)
		}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			s, _ := openTemp(b)
			var n atomic.Int64
			tx0 := s.lastTxID()
			b.SetParallelism(benchParallelism)
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					c := sampleCall(fmt.Sprintf("bench-%d", i), t0.Add(time.Duration(i)*time.Millisecond))
					if err := tc.call(s, c); err != nil {
						b.Error(err)
						return
					}
				}
			})
			el := time.Since(start).Seconds()
			commits := float64(s.lastTxID() - tx0)
			b.ReportMetric(float64(n.Load())/el, "calls/s")
			b.ReportMetric(commits/float64(n.Load()), "commits/call")
			b.ReportMetric(commits/el, "commits/s")
		})
	}
}

// lastTxID is the id of the last committed write transaction: commits between two reads are
// the difference.
func (s *Store) lastTxID() int {
	id := 0
	_ = s.db.View(func(tx *bolt.Tx) error { id = tx.ID(); return nil })
	return id
}

// benchParallelism is goroutines per CPU in BenchmarkCallLifecycle: calls writing at once. A
// server at 1,500 calls/s has thousands of calls up; 256 per CPU is a fraction of that, enough
// for the group commit to fill its batches.
const benchParallelism = 256
