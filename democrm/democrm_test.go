package democrm

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestCustomer(t *testing.T) {
	h := Handler()
	tests := []struct {
		method, url string
		status      int
		name        string
	}{
		{"GET", "/demo/crm/customer?phone=13800000000", 200, "Li Wei"},
		{"GET", "/demo/crm/customer?phone=%2B8613800000000", 200, "Li Wei"},
		{"GET", "/demo/crm/customer?phone=123", 404, ""},
		{"GET", "/demo/crm/customer", 404, ""},
		{"GET", "/demo/crm/orders", 404, ""},
		{"POST", "/demo/crm/customer?phone=13800000000", 405, ""},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.url, nil))
		if rec.Code != tt.status {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.url, rec.Code, tt.status)
			continue
		}
		if tt.status != http.StatusOK {
			continue
		}
		var c Customer
		if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil {
			t.Fatalf("%s: %v", tt.url, err)
		}
		if c.Name != tt.name || c.Tier != "gold" || len(c.OpenOrders) != 1 || c.OpenOrders[0].ID != "A1001" {
			t.Errorf("%s = %+v", tt.url, c)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
	}
}
