package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/customer"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/store"
)

func customersServer(t *testing.T) *httptest.Server {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a := &API{Records: st, AdminToken: "tok", Log: slog.Default(), Customers: customer.New(st, "86", nil)}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func call(t *testing.T, srv *httptest.Server, method, path, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestCustomersAPI(t *testing.T) {
	srv := customersServer(t)
	code, body := call(t, srv, "POST", "/api/customers", "tok", `{"name":"Li","phones":["138 0013 8000"]}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	var a record.Customer
	if err := json.Unmarshal([]byte(body), &a); err != nil || a.Phones[0] != "+8613800138000" {
		t.Fatalf("created %s: %v", body, err)
	}
	if code, body = call(t, srv, "GET", "/api/customers?phone=%2B8613800138000", "tok", ""); code != 200 || !strings.Contains(body, a.ID) {
		t.Fatalf("lookup: %d %s", code, body)
	}
	if code, body = call(t, srv, "PATCH", "/api/customers/"+a.ID, "tok", `{"tags":["vip"],"consent":{"recording":true}}`); code != 200 || !strings.Contains(body, "vip") {
		t.Fatalf("patch: %d %s", code, body)
	}
	code, body = call(t, srv, "POST", "/api/customers", "tok", `{"emails":["li@example.com"]}`)
	var b record.Customer
	_ = json.Unmarshal([]byte(body), &b)
	code, body = call(t, srv, "POST", "/api/customers/"+a.ID+"/merge", "tok", `{"from":"`+b.ID+`"}`)
	var m record.Merge
	if err := json.Unmarshal([]byte(body), &m); code != 200 || err != nil || m.From != b.ID || m.By != "admin-token" {
		t.Fatalf("merge: %d %s", code, body)
	}
	if code, body = call(t, srv, "GET", "/api/customers?email=LI@example.com", "tok", ""); code != 200 || !strings.Contains(body, a.ID) {
		t.Fatalf("lookup by e-mail after merge: %d %s", code, body)
	}
	if code, body = call(t, srv, "POST", "/api/customer-merges/"+m.ID+"/undo", "tok", ""); code != 200 || !strings.Contains(body, b.ID) {
		t.Fatalf("undo: %d %s", code, body)
	}
	if code, body = call(t, srv, "POST", "/api/customer-merges/"+m.ID+"/undo", "tok", ""); code != http.StatusConflict {
		t.Fatalf("second undo: %d %s", code, body)
	}
	if code, body = call(t, srv, "GET", "/api/customers/"+a.ID+"/timeline", "tok", ""); code != 200 || strings.TrimSpace(body) != "[]" {
		t.Fatalf("timeline: %d %s", code, body)
	}
	if code, body = call(t, srv, "GET", "/api/customers/"+a.ID+"/export", "tok", ""); code != 200 || !strings.Contains(body, `"timeline"`) {
		t.Fatalf("export: %d %s", code, body)
	}
	if code, _ = call(t, srv, "DELETE", "/api/customers/"+a.ID, "tok", ""); code != http.StatusNoContent {
		t.Fatalf("erase: %d", code)
	}
	if code, _ = call(t, srv, "GET", "/api/customers/"+a.ID, "tok", ""); code != http.StatusNotFound {
		t.Fatalf("after erase: %d", code)
	}
}

func TestCustomersAPIBadInput(t *testing.T) {
	srv := customersServer(t)
	for _, c := range []struct {
		method, path, token, body string
		code                      int
		want                      string
	}{
		{"GET", "/api/customers?phone=1", "", "", 401, "log in"},
		{"GET", "/api/customers?phone=1", "wrong", "", 401, "log in"},
		{"POST", "/api/customers", "tok", `{"name":`, 400, "bad JSON body"},
		{"POST", "/api/customers", "tok", `{"nmae":"x"}`, 400, "unknown field"},
		{"POST", "/api/customers", "tok", `{"phones":["call me"]}`, 400, "not a phone number"},
		{"POST", "/api/customers", "tok", `{"emails":["nobody"]}`, 400, "not an address"},
		{"POST", "/api/customers", "tok", `{"name":"` + strings.Repeat("x", maxCustomerBody) + `"}`, 400, "too large"},
		{"GET", "/api/customers", "tok", "", 400, "one of"},
		{"GET", "/api/customers?phone=1&email=a@b.c", "tok", "", 400, "one of"},
		{"GET", "/api/customers?phone=%2B8613900139000", "tok", "", 404, "not found"},
		{"GET", "/api/customers/nope/timeline", "tok", "", 404, "not found"},
		{"PATCH", "/api/customers/nope", "tok", `{}`, 404, "not found"},
		{"POST", "/api/customers/nope/merge", "tok", `{}`, 400, "from"},
		{"POST", "/api/customers/nope/merge", "tok", `{"from":"nope"}`, 409, "itself"},
		{"POST", "/api/customer-merges/nope/undo", "tok", "", 404, "not found"},
		{"DELETE", "/api/customers/nope", "tok", "", 404, "not found"},
	} {
		code, body := call(t, srv, c.method, c.path, c.token, c.body)
		if code != c.code || !strings.Contains(body, c.want) {
			t.Errorf("%s %s %.40s: %d %s, want %d %q", c.method, c.path, c.body, code, body, c.code, c.want)
		}
	}
}
