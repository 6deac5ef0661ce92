// Package democrm is a tiny stand-in for a company's CRM, so the demo dialplan's http node has
// something to look callers up in: GET /demo/crm/customer?phone=NUMBER answers a few demo numbers with
// JSON and 404 for the rest. The server mounts it at /demo/crm/ on its HTTP port; it holds no state.
package democrm

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Customer is what the demo CRM knows about a caller.
type Customer struct {
	Phone      string  `json:"phone"`
	Name       string  `json:"name"`
	Tier       string  `json:"tier"` // standard, gold
	Language   string  `json:"language"`
	OpenOrders []Order `json:"open_orders"`
}

// Order is an order a customer is waiting for.
type Order struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// customers are the demo numbers: the sipp and softphone callers of the demo setup.
var customers = map[string]Customer{
	"13800000000": {Phone: "13800000000", Name: "Li Wei", Tier: "gold", Language: "zh-CN",
		OpenOrders: []Order{{ID: "A1001", Status: "shipped"}}},
	"13900000000": {Phone: "13900000000", Name: "Anna Schmidt", Tier: "standard", Language: "en-US",
		OpenOrders: []Order{}},
	"alice": {Phone: "alice", Name: "Alice Example", Tier: "standard", Language: "en-US",
		OpenOrders: []Order{{ID: "A2002", Status: "processing"}, {ID: "A2003", Status: "shipped"}}},
}

// Handler serves the demo CRM under any prefix ending in /customer.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/customer") {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		phone := strings.TrimPrefix(r.URL.Query().Get("phone"), "+86")
		c, ok := customers[phone]
		if !ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"no such customer"}` + "\n"))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(c)
	})
}
