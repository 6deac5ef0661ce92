package jobs

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/store"
	"github.com/hotline-cc/hotline/webhook"
)

// The analysis pipeline as the server wires it: EndCall stores the call with its job, the
// runner's handler stores the analysis with UpdateCall and publishes call.analyzed. The first
// run dies after publishing and before the job is marked done; after the restart the job runs
// again, and the receiver still gets the event once, and the analysis is searchable.
func TestPipelineSurvivesCrashWithoutDuplicateWebhook(t *testing.T) {
	var mu sync.Mutex
	got := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify("k", r.Header.Get(webhook.HeaderSignature), body, time.Now()); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		mu.Lock()
		got[r.Header.Get(webhook.HeaderEventID)]++
		mu.Unlock()
	}))
	defer srv.Close()
	cfg := webhook.Config{Endpoints: []webhook.Endpoint{{Name: "crm", URL: srv.URL, Secret: "k", Events: []string{record.EventCallAnalyzed}}}}

	s, path := openStore(t)
	start := time.Now().Add(-time.Minute)
	call := &record.Call{ID: "p1", Times: record.Times{Start: start, End: start.Add(30 * time.Second)},
		Transcript: []record.Turn{{Speaker: record.SpeakerCaller, Text: "我要取消合同"}}}
	if err := s.EndCall(call, record.Job{Kind: record.JobAnalyze}); err != nil {
		t.Fatal(err)
	}
	handler := func(s *store.Store, d *webhook.Dispatcher, crash chan struct{}) func(context.Context, record.Job) error {
		return func(ctx context.Context, j record.Job) error {
			var a *record.Analysis
			err := s.UpdateCall(j.CallID, func(c *record.Call) error {
				c.Analysis = &record.Analysis{Status: record.AnalysisDone, Summary: "caller wants to cancel",
					Categories: []record.Category{{Name: "cancellation threat"}}}
				a = c.Analysis
				return nil
			})
			if err != nil {
				return err
			}
			if _, _, err := d.Publish(record.EventCallAnalyzed, j.CallID, 1, a); err != nil {
				return err
			}
			if crash != nil {
				close(crash)
				select {} // dies here
			}
			return nil
		}
	}
	d1, err := webhook.NewDispatcher(cfg, s, quiet())
	if err != nil {
		t.Fatal(err)
	}
	crashed := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go (&Runner{Queue: s, Poll: 5 * time.Millisecond, Log: quiet(), Handler: handler(s, d1, crashed)}).Run(ctx)
	<-crashed
	s.Close() // the dispatcher never ran: the event waits in the outbox

	s2, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	d2, err := webhook.NewDispatcher(cfg, s2, quiet())
	if err != nil {
		t.Fatal(err)
	}
	d2.Poll = 5 * time.Millisecond
	go d2.Run(ctx)
	r := &Runner{Queue: s2, Poll: 5 * time.Millisecond, Log: quiet(), Handler: handler(s2, d2, nil)}
	go r.Run(ctx)
	waitState(t, s2, "analyze/p1", record.JobDone)
	deadline := time.Now().Add(10 * time.Second)
	for {
		ds, _ := s2.ListDeliveries(0)
		if len(ds) == 1 && ds[0].State == record.DeliveryDelivered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries %+v", ds)
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(30 * time.Millisecond)
	mu.Lock()
	if id := webhook.EventID(record.EventCallAnalyzed, "p1", 1); len(got) != 1 || got[id] != 1 {
		t.Fatalf("receiver got %v, want %s once", got, id)
	}
	mu.Unlock()
	page, total, err := s2.SearchCalls(record.CallFilter{Text: "取消 cancel", Category: "cancellation threat"})
	if err != nil || total != 1 || page[0].AnalysisStatus != record.AnalysisDone {
		t.Fatalf("search after analysis: %+v %d %v", page, total, err)
	}
}
