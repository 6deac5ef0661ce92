package store

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
)

func TestEnqueueIdempotentAndClaimOrder(t *testing.T) {
	s, _ := openTemp(t)
	now := time.Now()
	for _, id := range []string{"c2", "c1"} {
		at := now.Add(-time.Minute)
		if id == "c1" {
			at = now.Add(-2 * time.Minute) // due longer
		}
		if added, err := s.EnqueueJob(record.Job{Kind: record.JobAnalyze, CallID: id, NextAt: at}); err != nil || !added {
			t.Fatalf("enqueue %s: added=%v err=%v", id, added, err)
		}
	}
	if added, err := s.EnqueueJob(record.Job{Kind: record.JobAnalyze, CallID: "c1"}); err != nil || added {
		t.Fatalf("second enqueue of c1: added=%v err=%v, want false, nil", added, err)
	}
	if _, err := s.EnqueueJob(record.Job{Kind: record.JobAnalyze, CallID: "later", NextAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		j, ok, err := s.ClaimJob(now)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		if j.State != record.JobRunning || j.Attempts != 1 {
			t.Fatalf("claimed %+v, want running with 1 attempt", j)
		}
		got = append(got, j.CallID)
	}
	if len(got) != 2 || got[0] != "c1" || got[1] != "c2" {
		t.Fatalf("claimed %v, want [c1 c2] (the job not yet due stays)", got)
	}
	counts, err := s.JobCounts()
	if err != nil {
		t.Fatal(err)
	}
	if counts[record.JobRunning] != 2 || counts[record.JobQueued] != 1 {
		t.Fatalf("counts %v", counts)
	}
	at, ok, err := s.NextJobAt()
	if err != nil || !ok || at.Sub(now.Add(time.Hour)).Abs() > time.Microsecond {
		t.Fatalf("NextJobAt = %v %v %v", at, ok, err)
	}
}

func TestFailRetryFinishRequeue(t *testing.T) {
	s, _ := openTemp(t)
	if _, err := s.EnqueueJob(record.Job{Kind: record.JobAnalyze, CallID: "c"}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	j, ok, _ := s.ClaimJob(now)
	if !ok {
		t.Fatal("nothing claimed")
	}
	if err := s.FailJob(j.ID, "engine down", now.Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.ClaimJob(now); ok {
		t.Fatal("claimed a job before its retry time")
	}
	j, ok, _ = s.ClaimJob(now.Add(11 * time.Second))
	if !ok || j.Attempts != 2 || j.Error != "engine down" {
		t.Fatalf("retry claim: ok=%v %+v", ok, j)
	}
	if err := s.RequeueJob(record.JobAnalyze, "c"); !errors.Is(err, ErrJobRunning) {
		t.Fatalf("requeue of a running job: %v, want ErrJobRunning", err)
	}
	if err := s.FinishJob(j.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetJob(j.ID); got.State != record.JobDone || got.Error != "" {
		t.Fatalf("after finish: %+v", got)
	}
	if added, _ := s.EnqueueJob(record.Job{Kind: record.JobAnalyze, CallID: "c"}); added {
		t.Fatal("enqueue re-ran a done job; that is RequeueJob's")
	}
	if err := s.RequeueJob(record.JobAnalyze, "c"); err != nil {
		t.Fatal(err)
	}
	j, ok, _ = s.ClaimJob(time.Now())
	if !ok || j.Attempts != 1 {
		t.Fatalf("requeued job: ok=%v %+v", ok, j)
	}
	if err := s.FailJob(j.ID, "bad audio", time.Time{}); err != nil {
		t.Fatal(err)
	}
	failed, err := s.ListJobs(record.JobFailed, 0)
	if err != nil || len(failed) != 1 || failed[0].Error != "bad audio" {
		t.Fatalf("failed jobs %+v %v", failed, err)
	}
	if err := s.FinishJob("analyze/none"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("finish of a missing job: %v", err)
	}
}

func TestRunningJobsRequeuedOnOpen(t *testing.T) {
	s, path := openTemp(t)
	if _, err := s.EnqueueJob(record.Job{Kind: record.JobAnalyze, CallID: "c"}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.ClaimJob(time.Now()); !ok {
		t.Fatal("nothing claimed")
	}
	s.Close() // as if the process died while the job ran
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	j, ok, err := s2.ClaimJob(time.Now())
	if err != nil || !ok || j.CallID != "c" || j.Attempts != 2 {
		t.Fatalf("after reopen: ok=%v %+v %v", ok, j, err)
	}
}

func TestEndCallWritesCallAndJob(t *testing.T) {
	s, _ := openTemp(t)
	c := &record.Call{ID: "end1", Times: record.Times{Start: time.Now().Add(-time.Minute), End: time.Now()}}
	if err := s.EndCall(c, record.Job{Kind: record.JobAnalyze}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetCall("end1"); err != nil {
		t.Fatal(err)
	}
	j, err := s.GetJob(record.JobID(record.JobAnalyze, "end1"))
	if err != nil || j.State != record.JobQueued {
		t.Fatalf("job %+v %v", j, err)
	}
	// A job without a kind is refused and the call is not written either.
	bad := &record.Call{ID: "end2", Times: record.Times{Start: time.Now()}}
	if err := s.EndCall(bad, record.Job{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("EndCall with a bad job: %v", err)
	}
	if _, err := s.GetCall("end2"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("call of a refused EndCall: %v", err)
	}
}

func TestListJobsNewestFirstByState(t *testing.T) {
	s, _ := openTemp(t)
	for _, id := range []string{"a", "b", "c", "d"} {
		if _, err := s.EnqueueJob(record.Job{Kind: record.JobAnalyze, CallID: id}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond) // distinct Updated times
	}
	j, _, _ := s.ClaimJob(time.Now()) // a, due longest
	if err := s.FinishJob(j.ID); err != nil {
		t.Fatal(err)
	}
	j, _, _ = s.ClaimJob(time.Now()) // b stays running
	var got []string
	all, err := s.ListJobs("", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range all {
		got = append(got, j.CallID+":"+j.State)
	}
	want := "[d:queued c:queued b:running a:done]"
	if fmt.Sprint(got) != want {
		t.Fatalf("ListJobs = %v, want %s", got, want)
	}
	if q, _ := s.ListJobs(record.JobQueued, 1); len(q) != 1 || q[0].CallID != "d" {
		t.Fatalf("ListJobs(queued, 1) = %+v", q)
	}
	counts, _ := s.JobCounts()
	if counts[record.JobQueued] != 2 || counts[record.JobRunning] != 1 || counts[record.JobDone] != 1 || counts[record.JobFailed] != 0 {
		t.Fatalf("counts %v", counts)
	}
}
