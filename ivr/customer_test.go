package ivr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/record"
)

type fakeCustomers struct {
	got  []record.Identifiers
	err  error
	kept map[string]string
}

func (f *fakeCustomers) KeepFields(id string, fields map[string]string) error {
	f.kept = fields
	return f.err
}

func (f *fakeCustomers) Identify(_ context.Context, ids record.Identifiers, interaction string) (*record.CustomerBrief, error) {
	f.got = append(f.got, ids)
	if f.err != nil {
		return nil, f.err
	}
	return &record.CustomerBrief{ID: "cu_1", Matched: "phone +8613800138000", Text: "1 contact in 7 days"}, nil
}

func TestIdentifyCaller(t *testing.T) {
	f := &fakeCustomers{}
	e := &Engine{Customers: f}
	rec := &record.Call{ID: "c1", Parties: record.Parties{From: "13800138000"}}
	b := e.identify(context.Background(), slog.Default(), rec)
	if b == nil || rec.CustomerID != "cu_1" || len(f.got) != 1 || f.got[0].Phone != "13800138000" {
		t.Fatalf("brief %+v, record customer %q, asked %+v", b, rec.CustomerID, f.got)
	}
	c := &call{rec: rec, customer: b, vars: map[string]string{}}
	if info := c.offerInfo("sales", rec.Start); info.Customer != b {
		t.Fatalf("screen pop customer %+v", info.Customer)
	}

	// An anonymous caller, or a failing store: the call goes on without a customer.
	for _, err := range []error{fmt.Errorf("x: %w", record.ErrNoIdentifier), errors.New("disk gone")} {
		f.err = err
		rec := &record.Call{ID: "c2", Parties: record.Parties{From: "anonymous"}}
		if b := e.identify(context.Background(), slog.Default(), rec); b != nil || rec.CustomerID != "" {
			t.Fatalf("%v: brief %+v, customer %q", err, b, rec.CustomerID)
		}
	}
	if b := (&Engine{}).identify(context.Background(), slog.Default(), rec); b != nil {
		t.Fatal("identified without Customers")
	}
}

func TestCustomerVarsAndKeptFields(t *testing.T) {
	b := &record.CustomerBrief{ID: "cu_1", Name: "Li Wei", Tags: []string{"vip", "new"}, Contacts: 2, Text: "2 contacts in 7 days",
		Fields: map[string]string{"tier": "gold", "name": "not this"},
		Recent: []record.RecentContact{{At: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC), Channel: "chat", Summary: "Refund for order A123."}}}
	vars := map[string]string{}
	setCustomerVars(vars, b)
	c := &call{vars: vars}
	got := dialplan.Expand(c, nil, "${customer.name}|${customer.tags}|${customer.contacts}|${customer.tier}|${customer.last_summary}|${customer.brief}")
	if got != "Li Wei|vip,new|2|gold|Refund for order A123.|2 contacts in 7 days" {
		t.Fatalf("expanded %q", got)
	}
	setCustomerVars(vars, nil) // an unidentified caller sets nothing

	// An http node's keep: the fields go to the profile and read back as ${customer.*}.
	f := &fakeCustomers{}
	c = &call{engine: &Engine{Customers: f}, log: slog.Default(), rec: &record.Call{CustomerID: "cu_1"}, vars: map[string]string{}}
	c.KeepCustomerFields(map[string]string{"tier": "platinum"})
	if f.kept["tier"] != "platinum" || c.vars["customer.tier"] != "platinum" {
		t.Fatalf("kept %v, vars %v", f.kept, c.vars)
	}
	f.kept = nil
	c.rec.CustomerID = "" // no profile: nothing to keep on
	c.KeepCustomerFields(map[string]string{"tier": "x"})
	if f.kept != nil {
		t.Fatal("kept fields without a profile")
	}
}

func TestBotContextIsRedactedSummaries(t *testing.T) {
	b := &record.CustomerBrief{ID: "cu_1", Name: "Li Wei", Contacts: 1, Text: "1 contact in 7 days, last: refund",
		Recent: []record.RecentContact{{At: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC), Channel: "voice", Summary: "Asked for a refund for order A123."}}}
	ctx := b.BotContext()
	for _, want := range []string{"1 contact in 7 days, last: refund", "2026-12-07, voice: Asked for a refund for order A123.", "ask whether"} {
		if !strings.Contains(ctx, want) {
			t.Errorf("context lacks %q:\n%s", want, ctx)
		}
	}
	if strings.Contains(ctx, "Li Wei") || strings.Contains(ctx, "cu_1") {
		t.Errorf("context names the customer:\n%s", ctx)
	}
	if (&record.CustomerBrief{ID: "cu_2"}).BotContext() != "" || (*record.CustomerBrief)(nil).BotContext() != "" {
		t.Error("a new customer has a context")
	}
}

func TestVIPCallerQueuesFirst(t *testing.T) {
	h := newHarness(map[string]string{"alice": "answer"}, "alice")
	h.engine.VIP = VIP{Tag: "vip", Priority: 50}
	got := servedOrder(h, []queuedCaller{
		{id: "plain", prio: 5, customer: &record.CustomerBrief{ID: "cu_plain"}},
		{id: "vip", prio: 0, customer: &record.CustomerBrief{ID: "cu_vip", Tags: []string{"vip"}}},
	})
	if len(got) != 2 || got[0] != "vip" {
		t.Fatalf("served %v, want the VIP first", got)
	}
	if p := (VIP{}).priority(&record.CustomerBrief{Tags: []string{"vip"}}, 3); p != 3 {
		t.Fatalf("no VIP tag configured: priority %d", p)
	}
}
