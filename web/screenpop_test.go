package web

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/ivr"
	"github.com/hotline-cc/hotline/record"
)

// The screen pop carries the caller's profile in brief, and leaves it out for an unknown caller.
func TestScreenPopCustomer(t *testing.T) {
	b := &record.CustomerBrief{ID: "c1", Name: "Li Lei", Contacts: 3, Days: 7, Text: "3 contacts in 7 days, last: refund, negative"}
	got, err := json.Marshal(newScreenPop(ivr.CallInfo{ID: "k", From: "+8613800138000", Customer: b}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), `"customer":{"id":"c1","name":"Li Lei"`) || !strings.Contains(string(got), "last: refund, negative") {
		t.Errorf("screen pop %s lacks the customer", got)
	}
	anon, _ := json.Marshal(newScreenPop(ivr.CallInfo{ID: "k", From: "anonymous"}))
	if strings.Contains(string(anon), "customer") {
		t.Errorf("screen pop of an unknown caller %s has a customer", anon)
	}
}
