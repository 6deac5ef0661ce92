package dialplan_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
	. "github.com/hotline-cc/hotline/dialplan/dialplantest"
)

const httpNodes = `      - id: a
        type: http
        method: POST
        url: "http://crm.local/customer?phone=${caller}"
        body: '{"phone": "${caller}"}'
        timeout: 1s
        map: {name: customer.name, first: orders.0.id, missing: customer.nope, orders: orders}
        success: ok
        failure: down
      - {id: ok, type: say, text: "Hello ${name}, order ${first}."}
      - {id: down, type: say, text: "Hello."}
`

func TestHTTP(t *testing.T) {
	f := mustFlow(t, httpNodes)
	var got dialplan.HTTPRequest
	c := NewCaller()
	c.Variables["caller"] = "42"
	c.HTTPFunc = func(req dialplan.HTTPRequest) (dialplan.HTTPResponse, error) {
		got = req
		return dialplan.HTTPResponse{Status: 200, Body: []byte(`{"customer": {"name": "Ann"}, "orders": [{"id": 7}]}`)}, nil
	}
	if _, err := runFlow(t, f, c); err != nil {
		t.Fatal(err)
	}
	if got.Method != "POST" || got.URL != "http://crm.local/customer?phone=42" || got.Body != `{"phone": "42"}` || got.Timeout != time.Second {
		t.Errorf("request = %+v", got)
	}
	v := c.Variables
	if v["name"] != "Ann" || v["first"] != "7" || v["missing"] != "" || v["orders"] != `[{"id":7}]` || v["http_status"] != "200" {
		t.Errorf("vars = %v", v)
	}
	wantLines(t, "events", c.Events()[1:], []string{`say en-US "Hello Ann, order 7."`, "hangup normal"})

	for _, fail := range []func(dialplan.HTTPRequest) (dialplan.HTTPResponse, error){
		nil, // offline
		func(dialplan.HTTPRequest) (dialplan.HTTPResponse, error) {
			return dialplan.HTTPResponse{Status: 404}, nil
		},
		func(dialplan.HTTPRequest) (dialplan.HTTPResponse, error) {
			return dialplan.HTTPResponse{Status: 200, Body: []byte("<html>")}, nil
		},
	} {
		c := NewCaller()
		c.HTTPFunc = fail
		path, err := runFlow(t, f, c)
		if err != nil || path[0] != "a(http) -failure-> down" {
			t.Errorf("path = %q, %v", path, err)
		}
	}
}

func TestHTTPInvalid(t *testing.T) {
	wantLines(t, "errors", parseErrors(t, `      - id: a
        type: http
        method: PUT
        url: "crm.local/x"
        body: "x"
        map: {called: a, y: "a..b"}
`), []string{
		`test.yaml:14:17: node "a": method: unknown value "PUT" (one of: GET, POST)`,
		`test.yaml:15:14: node "a": url: "crm.local/x" is not an http or https URL (write a full URL, such as http://crm.local/customer?phone=${caller})`,
		`test.yaml:16:15: node "a": body is only sent with POST (set method: POST)`,
		`test.yaml:17:15: node "a": "called" is a built-in variable and cannot be set (choose another name)`,
		`test.yaml:17:29: node "a": map y: invalid JSON path "a..b" (write a dotted path such as customer.name or orders.0.id)`,
	})
}

func TestDoHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("slow") != "" {
			time.Sleep(200 * time.Millisecond)
		}
		w.Header().Set("X-Method", r.Method)
		_, _ = w.Write([]byte(`{"ok": true}`))
	}))
	defer srv.Close()
	res, err := dialplan.DoHTTP(context.Background(), dialplan.HTTPRequest{Method: "GET", URL: srv.URL, Timeout: time.Second})
	if err != nil || res.Status != 200 || string(res.Body) != `{"ok": true}` {
		t.Errorf("DoHTTP = %+v, %v", res, err)
	}
	_, err = dialplan.DoHTTP(context.Background(), dialplan.HTTPRequest{Method: "GET", URL: srv.URL + "?slow=1", Timeout: 20 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow server: err = %v, want a deadline error", err)
	}
}

func TestHTTPKeepsFieldsOnTheProfile(t *testing.T) {
	f := mustFlow(t, `      - id: a
        type: http
        url: "http://crm.local/customer?phone=${caller}"
        map: {tier: tier}
        keep: true
        success: ok
        failure: ok
      - {id: ok, type: say, text: "tier ${customer.tier}"}
`)
	c := NewCaller()
	c.HTTPFunc = func(dialplan.HTTPRequest) (dialplan.HTTPResponse, error) {
		return dialplan.HTTPResponse{Status: 200, Body: []byte(`{"tier": "gold"}`)}, nil
	}
	if _, err := runFlow(t, f, c); err != nil {
		t.Fatal(err)
	}
	wantLines(t, "events", c.Events(), []string{"http GET http://crm.local/customer?phone= → 200", "keep customer fields tier", `say en-US "tier gold"`, "hangup normal"})

	// keep without a map has nothing to keep.
	wantLines(t, "errors", parseErrors(t, `      - {id: a, type: http, url: "http://crm.local/", keep: true, success: a, failure: a}
`), []string{`test.yaml:12:61: node "a": keep: true keeps mapped variables, and this node maps none (add a map: of the fields to keep)`})
}
