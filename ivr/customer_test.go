package ivr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/hotline-cc/hotline/record"
)

type fakeCustomers struct {
	got []record.Identifiers
	err error
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
