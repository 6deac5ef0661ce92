package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/store"
)

const secret = "s3cret"

// receiver is a webhook endpoint that checks signatures like a real one and answers with the
// statuses it is given, in order (then 200).
type receiver struct {
	t        *testing.T
	mu       sync.Mutex
	statuses []int
	got      []received
	srv      *httptest.Server
	now      func() time.Time
}

type received struct {
	id, typ string
	body    []byte
	sigErr  error
}

func newReceiver(t *testing.T, now func() time.Time, statuses ...int) *receiver {
	r := &receiver{t: t, statuses: statuses, now: now}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.got = append(r.got, received{
			id: req.Header.Get(HeaderEventID), typ: req.Header.Get(HeaderEventType), body: body,
			sigErr: Verify(secret, req.Header.Get(HeaderSignature), body, r.now()),
		})
		status := http.StatusOK
		if len(r.statuses) > 0 {
			status, r.statuses = r.statuses[0], r.statuses[1:]
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// clock is a settable test clock.
type clock struct{ ns atomic.Int64 }

func newClock() *clock               { c := &clock{}; c.ns.Store(time.Now().UnixNano()); return c }
func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }
func quiet() *slog.Logger            { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
func openStore(t *testing.T, path string) *store.Store {
	t.Helper()
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newDispatcher(t *testing.T, s *store.Store, url string, clk *clock) *Dispatcher {
	t.Helper()
	d, err := NewDispatcher(Config{Endpoints: []Endpoint{{Name: "crm", URL: url, Secret: secret}}}, s, quiet())
	if err != nil {
		t.Fatal(err)
	}
	d.Now, d.Poll = clk.Now, 5*time.Millisecond
	return d
}

func run(t *testing.T, d *Dispatcher) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}

func waitDelivery(t *testing.T, s *store.Store, state string) record.WebhookDelivery {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ds, err := s.ListDeliveries(0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) == 1 && ds[0].State == state {
			return ds[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries %+v, want one %s", ds, state)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestDeliversSignedEvent(t *testing.T) {
	clk := newClock()
	rcv := newReceiver(t, clk.Now)
	s := openStore(t, filepath.Join(t.TempDir(), "h.db"))
	defer s.Close()
	d := newDispatcher(t, s, rcv.srv.URL, clk)
	stop := run(t, d)
	defer stop()
	ev, added, err := d.Publish(record.EventCallEnded, "call-1", 0, map[string]string{"disposition": "answered"})
	if err != nil || !added {
		t.Fatalf("publish: %v %v", added, err)
	}
	del := waitDelivery(t, s, record.DeliveryDelivered)
	if del.Attempts != 1 || del.LastStatus != 200 {
		t.Fatalf("delivery %+v", del)
	}
	got := rcv.requests()
	if len(got) != 1 {
		t.Fatalf("%d requests, want 1", len(got))
	}
	if got[0].sigErr != nil {
		t.Fatalf("receiver rejected the signature: %v", got[0].sigErr)
	}
	if got[0].id != ev.ID || got[0].typ != record.EventCallEnded {
		t.Fatalf("headers id=%q type=%q, want %q call.ended", got[0].id, got[0].typ, ev.ID)
	}
	var body struct {
		ID     string            `json:"id"`
		CallID string            `json:"call_id"`
		Data   map[string]string `json:"data"`
	}
	if err := json.Unmarshal(got[0].body, &body); err != nil || body.CallID != "call-1" || body.ID != ev.ID || body.Data["disposition"] != "answered" {
		t.Fatalf("body %s (%v)", got[0].body, err)
	}
	// Tampering with one byte breaks the signature.
	bad := append([]byte(nil), got[0].body...)
	bad[len(bad)-2] ^= 1
	if err := Verify(secret, Sign(secret, clk.Now(), got[0].body), bad, clk.Now()); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("Verify of a changed body: %v", err)
	}
	if c, _ := s.DeliveryCounts(); c[record.DeliveryDelivered] != 1 || c[record.DeliveryPending] != 0 {
		t.Fatalf("counts %v", c)
	}
}

func TestServerErrorRetriedThenDelivered(t *testing.T) {
	clk := newClock()
	rcv := newReceiver(t, clk.Now, 500, 503)
	s := openStore(t, filepath.Join(t.TempDir(), "h.db"))
	defer s.Close()
	d := newDispatcher(t, s, rcv.srv.URL, clk)
	stop := run(t, d)
	defer stop()
	ev, _, err := d.Publish(record.EventCallAnalyzed, "call-2", 1, map[string]string{"summary": "refund"})
	if err != nil {
		t.Fatal(err)
	}
	// First try: 500, retried after 1 s (of the test clock); then 503, after 2 s more.
	waitAttempts(t, s, 1)
	if del, _ := s.ListDeliveries(0); del[0].State != record.DeliveryPending || del[0].LastStatus != 500 ||
		del[0].NextAt.Sub(clk.Now()) > time.Second {
		t.Fatalf("after a 500: %+v", del[0])
	}
	time.Sleep(30 * time.Millisecond)
	if n := len(rcv.requests()); n != 1 {
		t.Fatalf("%d requests before the retry was due, want 1", n)
	}
	clk.Add(time.Second)
	waitAttempts(t, s, 2)
	clk.Add(2 * time.Second)
	del := waitDelivery(t, s, record.DeliveryDelivered)
	if del.Attempts != 3 {
		t.Fatalf("delivered after %d attempts, want 3", del.Attempts)
	}
	for i, r := range rcv.requests() {
		if r.id != ev.ID || r.sigErr != nil {
			t.Fatalf("request %d: id %q sig %v", i, r.id, r.sigErr)
		}
	}
	if st := d.Stats(); st.Retried != 2 || st.Delivered != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func waitAttempts(t *testing.T, s *store.Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ds, _ := s.ListDeliveries(0)
		if len(ds) == 1 && ds[0].Attempts >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries %+v, want %d attempts", ds, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestGivesUpAfterMaxAge(t *testing.T) {
	clk := newClock()
	rcv := newReceiver(t, clk.Now, 500, 500, 500, 500, 500, 500, 500, 500)
	s := openStore(t, filepath.Join(t.TempDir(), "h.db"))
	defer s.Close()
	d, err := NewDispatcher(Config{MaxAge: 5 * time.Second, Endpoints: []Endpoint{{Name: "crm", URL: rcv.srv.URL, Secret: secret}}}, s, quiet())
	if err != nil {
		t.Fatal(err)
	}
	d.Now, d.Poll = clk.Now, 5*time.Millisecond
	stop := run(t, d)
	defer stop()
	d.Publish(record.EventCallEnded, "call-3", 0, nil)
	waitAttempts(t, s, 1) // next at +1 s
	clk.Add(time.Second)
	waitAttempts(t, s, 2) // next at +3 s
	clk.Add(2 * time.Second)
	waitAttempts(t, s, 3) // next would be +7 s, past the 5 s max age
	del := waitDelivery(t, s, record.DeliveryFailed)
	if del.LastStatus != 500 || !strings.Contains(del.LastError, "500") {
		t.Fatalf("failed delivery %+v", del)
	}
}

func TestOutboxSurvivesRestartAndNoDuplicate(t *testing.T) {
	clk := newClock()
	path := filepath.Join(t.TempDir(), "h.db")
	rcv := newReceiver(t, clk.Now)
	s := openStore(t, path)
	d := newDispatcher(t, s, rcv.srv.URL, clk)
	// Published while no dispatcher runs (the server stops before sending).
	if _, added, err := d.Publish(record.EventCallEnded, "call-4", 0, nil); err != nil || !added {
		t.Fatalf("publish: %v %v", added, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, path)
	defer s.Close()
	d = newDispatcher(t, s, rcv.srv.URL, clk)
	stop := run(t, d)
	waitDelivery(t, s, record.DeliveryDelivered)
	// The same event again (an IVR retry, a second Publish after restart) is not sent again.
	if _, added, err := d.Publish(record.EventCallEnded, "call-4", 0, nil); err != nil || added {
		t.Fatalf("second publish: added=%v err=%v", added, err)
	}
	d.Notify()
	time.Sleep(50 * time.Millisecond)
	stop()
	// Nor does a late retry mark of an already delivered delivery bring it back.
	ds, _ := s.ListDeliveries(0)
	if err := s.MarkRetry(ds[0].EventID, "crm", 500, "late", clk.Now()); err != nil {
		t.Fatal(err)
	}
	stop = run(t, newDispatcher(t, s, rcv.srv.URL, clk))
	time.Sleep(50 * time.Millisecond)
	stop()
	if got := rcv.requests(); len(got) != 1 {
		t.Fatalf("receiver got %d requests, want exactly 1", len(got))
	}
	if ds, _ := s.ListDeliveries(0); ds[0].State != record.DeliveryDelivered || ds[0].Attempts != 1 {
		t.Fatalf("delivery %+v", ds[0])
	}
}

func TestVerifyRejectsReplay(t *testing.T) {
	body := []byte(`{"id":"evt_1"}`)
	signed := time.Unix(1_765_000_000, 0)
	h := Sign(secret, signed, body)
	if err := Verify(secret, h, body, signed.Add(4*time.Minute)); err != nil {
		t.Fatalf("within tolerance: %v", err)
	}
	if err := Verify(secret, h, body, signed.Add(6*time.Minute)); !errors.Is(err, ErrStale) {
		t.Fatalf("6 min later: %v, want ErrStale", err)
	}
	if err := Verify(secret, h, body, signed.Add(-6*time.Minute)); !errors.Is(err, ErrStale) {
		t.Fatalf("6 min early: %v, want ErrStale", err)
	}
	// A replay with a fresh timestamp but the old signature does not verify.
	forged := strings.Replace(h, "t=1765000000", "t=1765000360", 1)
	if err := Verify(secret, forged, body, signed.Add(6*time.Minute)); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("re-stamped: %v, want ErrBadSignature", err)
	}
	if err := Verify("other", h, body, signed); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("wrong secret: %v", err)
	}
	if !strings.HasPrefix(h, "t=1765000000,v1=") || len(h) != len("t=1765000000,v1=")+64 {
		t.Fatalf("header %q", h)
	}
}

func TestEventIDStable(t *testing.T) {
	a, b := EventID(record.EventCallAnalyzed, "c", 1), EventID(record.EventCallAnalyzed, "c", 1)
	if a != b {
		t.Fatal("same event, different ids")
	}
	for _, other := range []string{EventID(record.EventCallAnalyzed, "c", 2), EventID(record.EventCallEnded, "c", 1), EventID(record.EventCallAnalyzed, "d", 1)} {
		if other == a {
			t.Fatalf("different events share id %s", a)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	good := Endpoint{Name: "crm", URL: "https://crm.example/hook", Secret: "x"}
	if err := (Config{Endpoints: []Endpoint{good}}).Validate(); err != nil {
		t.Fatal(err)
	}
	for name, ep := range map[string]Endpoint{
		"scheme":    {Name: "a", URL: "file:///etc/passwd", Secret: "x"},
		"gopher":    {Name: "a", URL: "gopher://h/", Secret: "x"},
		"no host":   {Name: "a", URL: "http:///x", Secret: "x"},
		"no secret": {Name: "a", URL: "http://h/"},
		"no name":   {URL: "http://h/", Secret: "x"},
		"event":     {Name: "a", URL: "http://h/", Secret: "x", Events: []string{"call.started"}},
	} {
		if err := (Config{Endpoints: []Endpoint{ep}}).Validate(); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", name, err)
		}
	}
	if err := (Config{Endpoints: []Endpoint{good, good}}).Validate(); err == nil || !strings.Contains(err.Error(), "endpoint 1") {
		t.Errorf("duplicate name: %v", err)
	}
}

func TestSubscriptionByEvent(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "h.db"))
	defer s.Close()
	d, err := NewDispatcher(Config{Endpoints: []Endpoint{
		{Name: "ended", URL: "http://127.0.0.1:1/", Secret: "x", Events: []string{record.EventCallEnded}},
		{Name: "all", URL: "http://127.0.0.1:1/", Secret: "x"},
	}}, s, quiet())
	if err != nil {
		t.Fatal(err)
	}
	d.Publish(record.EventCallAnalyzed, "c", 1, nil)
	ds, _ := s.ListDeliveries(0)
	if len(ds) != 1 || ds[0].Endpoint != "all" {
		t.Fatalf("deliveries of call.analyzed: %+v, want only to \"all\"", ds)
	}
}

func FuzzParseSignature(f *testing.F) {
	f.Add(Sign(secret, time.Unix(1_765_000_000, 0), []byte("{}")))
	f.Add("t=1,v1=00")
	f.Add("v1=,t=")
	f.Add("t=1,t=2,v1=" + strings.Repeat("ab", 32))
	f.Fuzz(func(t *testing.T, h string) {
		ts, sigs, err := ParseSignature(h)
		if err != nil {
			if !errors.Is(err, ErrBadSignature) {
				t.Fatalf("error %v does not wrap ErrBadSignature", err)
			}
			return
		}
		if ts < 0 || len(sigs) == 0 {
			t.Fatalf("accepted %q as t=%d with %d signatures", h, ts, len(sigs))
		}
		for _, s := range sigs {
			if len(s) != 32 {
				t.Fatalf("signature of %d bytes", len(s))
			}
		}
	})
}
