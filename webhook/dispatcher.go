package webhook

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotline-cc/hotline/record"
)

// Outbox is what a Dispatcher needs of the store; *store.Store has these methods.
type Outbox interface {
	Publish(ev record.WebhookEvent, endpoints []string) (bool, error)
	Due(now time.Time, limit int) ([]record.WebhookDelivery, error)
	WebhookEvent(id string) (record.WebhookEvent, error)
	MarkDelivered(eventID, endpoint string, status int, at time.Time) error
	MarkRetry(eventID, endpoint string, status int, reason string, next time.Time) error
	MarkFailed(eventID, endpoint string, status int, reason string) error
}

// Retry timing: the wait after the n-th failed try is FirstRetry·2^(n-1), at most MaxRetry.
const (
	FirstRetry = time.Second
	MaxRetry   = 10 * time.Minute
)

// RetryDelay is the wait after a delivery's attempt-th failed try.
func RetryDelay(attempt int) time.Duration {
	d := FirstRetry
	for i := 1; i < attempt && d < MaxRetry; i++ {
		d *= 2
	}
	return min(d, MaxRetry)
}

// Dispatcher publishes events to the outbox and delivers them. Make one with NewDispatcher.
type Dispatcher struct {
	cfg    Config
	outbox Outbox
	client *http.Client
	log    *slog.Logger

	// Now is the clock (time.Now when nil); Poll how often Run looks for due deliveries
	// without a Notify (default 1 s); Parallel how many deliveries are sent at once (default 4).
	Now      func() time.Time
	Poll     time.Duration
	Parallel int

	wake      chan struct{}
	delivered atomic.Uint64
	retried   atomic.Uint64
	failed    atomic.Uint64
}

// Stats are a dispatcher's counts since it started, for metrics.
type Stats struct {
	Delivered uint64 // accepted with a 2xx
	Retried   uint64 // failed tries that will be tried again
	Failed    uint64 // deliveries given up
}

// NewDispatcher checks cfg and returns a dispatcher over outbox. log may be nil.
func NewDispatcher(cfg Config, outbox Outbox, log *slog.Logger) (*Dispatcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if log == nil {
		log = slog.Default()
	}
	return &Dispatcher{
		cfg: cfg, outbox: outbox, log: log, wake: make(chan struct{}, 1),
		client: &http.Client{
			Timeout: cfg.Timeout,
			// A receiver's redirect is not followed: the configured URL is the only one called.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
}

// Stats returns the dispatcher's counts.
func (d *Dispatcher) Stats() Stats {
	return Stats{Delivered: d.delivered.Load(), Retried: d.retried.Load(), Failed: d.failed.Load()}
}

// Notify wakes Run to send what is due now. It never blocks.
func (d *Dispatcher) Notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// EventID is the idempotency key of the event of type typ about call callID; version tells
// apart the analyses of one call (0 for events that happen once per call).
func EventID(typ, callID string, version int) string {
	h := sha256.Sum256([]byte(typ + "\x00" + callID + "\x00" + strconv.Itoa(version)))
	return "evt_" + hex.EncodeToString(h[:12])
}

// envelope is the JSON body of every event.
type envelope struct {
	ID      string    `json:"id"`
	Type    string    `json:"type"`
	Created time.Time `json:"created"`
	CallID  string    `json:"call_id"`
	Data    any       `json:"data"`
}

// Publish puts the event of type typ about call callID (data being its payload) in the outbox
// for every endpoint subscribed to typ, and wakes Run. Publishing the same (typ, callID,
// version) again does nothing: added is false. With no endpoint subscribed nothing is stored.
func (d *Dispatcher) Publish(typ, callID string, version int, data any) (ev record.WebhookEvent, added bool, err error) {
	var names []string
	for _, ep := range d.cfg.Endpoints {
		if ep.wants(typ) {
			names = append(names, ep.Name)
		}
	}
	ev = record.WebhookEvent{ID: EventID(typ, callID, version), Type: typ, CallID: callID, Created: d.now().UTC()}
	if len(names) == 0 {
		return ev, false, nil
	}
	body, err := json.Marshal(envelope{ID: ev.ID, Type: typ, Created: ev.Created, CallID: callID, Data: data})
	if err != nil {
		return ev, false, fmt.Errorf("webhook: %s event of call %s: %w", typ, callID, err)
	}
	ev.Body = body
	if added, err = d.outbox.Publish(ev, names); err != nil {
		return ev, false, fmt.Errorf("webhook: %w", err)
	}
	if added {
		d.Notify()
	}
	return ev, added, nil
}

// Run sends due deliveries until ctx ends, and returns ctx's error. State is the outbox's, so
// a restarted Run carries on where the last stopped.
func (d *Dispatcher) Run(ctx context.Context) error {
	poll := d.Poll
	if poll <= 0 {
		poll = time.Second
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		d.sendDue(ctx)
		timer.Reset(poll)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-d.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// sendDue sends every delivery due now, a few at a time, and returns when all have an outcome,
// so one delivery is never in flight twice.
func (d *Dispatcher) sendDue(ctx context.Context) {
	parallel := d.Parallel
	if parallel <= 0 {
		parallel = 4
	}
	for ctx.Err() == nil {
		due, err := d.outbox.Due(d.now(), 100)
		if err != nil {
			d.log.Error("webhook: due deliveries", "err", err)
			return
		}
		if len(due) == 0 {
			return
		}
		sem := make(chan struct{}, parallel)
		var wg sync.WaitGroup
		for _, del := range due {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				d.deliver(ctx, del)
			}()
		}
		wg.Wait()
		if len(due) < 100 {
			return // the rest are not due yet; a full batch may have more behind it
		}
	}
}

// deliver makes one try of del and records its outcome.
func (d *Dispatcher) deliver(ctx context.Context, del record.WebhookDelivery) {
	log := d.log.With("event", del.EventID, "endpoint", del.Endpoint, "attempt", del.Attempts+1)
	ep, ok := d.cfg.endpoint(del.Endpoint)
	if !ok {
		d.failed.Add(1)
		d.record(log, d.outbox.MarkFailed(del.EventID, del.Endpoint, 0, "endpoint no longer configured"))
		return
	}
	ev, err := d.outbox.WebhookEvent(del.EventID)
	if err != nil {
		log.Error("webhook: event", "err", err)
		return
	}
	status, err := d.post(ctx, ep, ev)
	if ctx.Err() != nil {
		return // shutting down: the delivery stays pending, and is sent after restart
	}
	now := d.now()
	if err == nil {
		d.delivered.Add(1)
		d.record(log, d.outbox.MarkDelivered(del.EventID, del.Endpoint, status, now.UTC()))
		return
	}
	next := now.Add(RetryDelay(del.Attempts + 1))
	if next.Sub(ev.Created) > d.cfg.MaxAge {
		log.Warn("webhook: giving up", "err", err, "status", status)
		d.failed.Add(1)
		d.record(log, d.outbox.MarkFailed(del.EventID, del.Endpoint, status, err.Error()))
		return
	}
	log.Info("webhook: will retry", "err", err, "status", status, "at", next)
	d.retried.Add(1)
	d.record(log, d.outbox.MarkRetry(del.EventID, del.Endpoint, status, err.Error(), next))
}

func (d *Dispatcher) record(log *slog.Logger, err error) {
	if err != nil {
		log.Error("webhook: record delivery outcome", "err", err)
	}
}

var errStatus = errors.New("not a 2xx answer")

// post sends ev to ep; a nil error means a 2xx answer.
func (d *Dispatcher) post(ctx context.Context, ep Endpoint, ev record.WebhookEvent) (status int, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(ev.Body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "hotline-webhook/1")
	req.Header.Set(HeaderEventID, ev.ID)
	req.Header.Set(HeaderEventType, ev.Type)
	req.Header.Set(HeaderSignature, Sign(ep.Secret, d.now(), ev.Body))
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("%w: %s", errStatus, resp.Status)
	}
	return resp.StatusCode, nil
}
