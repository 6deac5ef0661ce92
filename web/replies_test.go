package web

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/customer"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/replies"
	"github.com/hotline-cc/hotline/store"
)

func repliesServer(t *testing.T) (*httptest.Server, *store.Store, *replies.Service) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	lib, err := replies.New(replies.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	d, _, _ := testDesktop(t)
	a := &API{Records: st, AdminToken: "tok", Log: slog.Default(), Desktop: d, Customers: customer.New(st, "86", nil), Replies: lib}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return srv, st, lib
}

func do(t *testing.T, c *http.Client, method, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestRepliesAPI(t *testing.T) {
	srv, st, _ := repliesServer(t)
	// Nobody signed in: 401 on the API, the page sends the browser to sign in from its script.
	if code, _ := call(t, srv, "GET", "/api/replies", "", ""); code != http.StatusUnauthorized {
		t.Fatalf("anonymous list: %d", code)
	}
	if code, body := call(t, srv, "GET", "/replies", "", ""); code != 200 || !strings.Contains(body, "/replies/replies.js") {
		t.Fatalf("page: %d", code)
	}
	if code, _ := call(t, srv, "GET", "/replies/replies.js", "", ""); code != 200 {
		t.Fatalf("script: %d", code)
	}
	code, body := call(t, srv, "POST", "/api/replies", "tok", `{"intent":"refund","lang":"en-US","title":"Refund","text":"Dear ${customer.name}, order ${order} is refunded in ${days} days."}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	var sc record.Script
	_ = json.Unmarshal([]byte(body), &sc)
	if code, body = call(t, srv, "POST", "/api/replies", "tok", `{"intent":"refund","lang":"fr","text":"x"}`); code != http.StatusBadRequest {
		t.Fatalf("French: %d %s", code, body)
	}
	if code, body = call(t, srv, "POST", "/api/replies", "tok", `{"intent":"refund","lang":"en","text":"x","colour":"red"}`); code != http.StatusBadRequest {
		t.Fatalf("unknown field: %d %s", code, body)
	}
	if code, body = call(t, srv, "PATCH", "/api/replies/"+sc.ID, "tok", `{"text":"Dear ${customer.name}, order ${order} is refunded within ${days} days."}`); code != 200 || !strings.Contains(compact(body), `"version":2`) {
		t.Fatalf("edit: %d %s", code, body)
	}
	if code, body = call(t, srv, "PATCH", "/api/replies/rs-none", "tok", `{"text":"x"}`); code != http.StatusNotFound {
		t.Fatalf("edit unknown: %d %s", code, body)
	}
	if code, body = call(t, srv, "POST", "/api/replies/generate", "tok", `{"intents":["refund"],"lang":"en"}`); code != http.StatusBadRequest || !strings.Contains(body, "knowledge base") {
		t.Fatalf("generate without a knowledge base: %d %s", code, body)
	}
	if code, body = call(t, srv, "GET", "/api/replies/engine", "tok", ""); code != 200 || !strings.Contains(compact(body), `"engine":"embedded"`) {
		t.Fatalf("engine: %d %s", code, body)
	}

	// An agent: no writes, no drafts.
	agent, code := login(t, srv, "alice", "secret-pw")
	if code != 200 {
		t.Fatalf("agent login: %d", code)
	}
	if code, body = do(t, agent, "POST", srv.URL+"/api/replies", `{"intent":"refund","lang":"en","text":"x"}`); code != http.StatusForbidden {
		t.Fatalf("agent create: %d %s", code, body)
	}
	if code, body = do(t, agent, "POST", srv.URL+"/api/replies/review", `{"ids":["`+sc.ID+`"],"action":"approve"}`); code != http.StatusForbidden {
		t.Fatalf("agent review: %d %s", code, body)
	}
	if code, body = do(t, agent, "GET", srv.URL+"/api/replies/"+sc.ID, ""); code != http.StatusNotFound {
		t.Fatalf("agent reads a draft: %d %s", code, body)
	}
	if code, body = do(t, agent, "GET", srv.URL+"/api/replies?status=draft", ""); code != http.StatusForbidden {
		t.Fatalf("agent lists drafts: %d %s", code, body)
	}
	if code, body = do(t, agent, "GET", srv.URL+"/api/replies/quick?intent=refund", ""); code != 200 || strings.TrimSpace(body) != "[]" {
		t.Fatalf("quick before approval: %d %s", code, body)
	}

	// A supervisor approves it; the agent sees it, filled for the call's customer.
	sup, code := login(t, srv, "bob", "secret-pw")
	if code != 200 {
		t.Fatalf("supervisor login: %d", code)
	}
	if code, body = do(t, sup, "POST", srv.URL+"/api/replies/review", `{"ids":["`+sc.ID+`"],"action":"approve"}`); code != 200 || !strings.Contains(body, `"approved"`) {
		t.Fatalf("approve: %d %s", code, body)
	}
	if code, body = do(t, sup, "POST", srv.URL+"/api/replies/review", `{"ids":["`+sc.ID+`"],"action":"publish"}`); code != http.StatusBadRequest {
		t.Fatalf("unknown action: %d %s", code, body)
	}
	cu, err := customer.New(st, "86", nil).Create(customer.Patch{Name: ptr("Wang Fang"), Fields: map[string]string{"order": "NW-1001"}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := st.PutCall(&record.Call{ID: "call-1", CustomerID: cu.ID, Times: record.Times{Start: now}}); err != nil {
		t.Fatal(err)
	}
	code, body = do(t, agent, "GET", srv.URL+"/api/replies/quick?intent=refund&lang=en-US&call=call-1", "")
	var quick []quickReply
	if err := json.Unmarshal([]byte(body), &quick); code != 200 || err != nil || len(quick) != 1 {
		t.Fatalf("quick: %d %s", code, body)
	}
	if q := quick[0]; q.Filled != "Dear Wang Fang, order NW-1001 is refunded within ${days} days." || len(q.Missing) != 1 || q.Missing[0] != "days" {
		t.Fatalf("quick reply %+v", q)
	}
	// Without intent=, the call's analysed intent; without lang=, the customer's language (none: en-US).
	if err := st.PutCall(&record.Call{ID: "call-2", CustomerID: cu.ID, Times: record.Times{Start: now}, Analysis: &record.Analysis{Intent: "refund"}}); err != nil {
		t.Fatal(err)
	}
	if code, body = do(t, agent, "GET", srv.URL+"/api/replies/quick?call=call-2", ""); code != 200 || !strings.Contains(body, "Dear Wang Fang, order NW-1001") {
		t.Fatalf("quick for an analysed call: %d %s", code, body)
	}
	if code, body = do(t, agent, "GET", srv.URL+"/api/replies/quick?intent=refund&call=nope", ""); code != http.StatusNotFound {
		t.Fatalf("quick for an unknown call: %d %s", code, body)
	}
	if code, body = do(t, agent, "GET", srv.URL+"/api/replies/quick", ""); code != http.StatusBadRequest {
		t.Fatalf("quick without intent: %d %s", code, body)
	}
	if code, body = do(t, agent, "POST", srv.URL+"/api/replies/"+sc.ID+"/use", ""); code != 200 || !strings.Contains(compact(body), `"uses":1`) {
		t.Fatalf("use: %d %s", code, body)
	}
	if code, body = do(t, agent, "GET", srv.URL+"/api/replies", ""); code != 200 || !strings.Contains(body, sc.ID) {
		t.Fatalf("agent list: %d %s", code, body)
	}
}

func ptr[T any](v T) *T { return &v }

func compact(s string) string {
	var b bytes.Buffer
	if json.Compact(&b, []byte(s)) != nil {
		return s
	}
	return b.String()
}
