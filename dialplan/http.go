package dialplan

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// HTTPNode calls a web service (a CRM lookup, a ticket) and maps fields of its JSON answer into
// variables. A 2xx answer follows success; an error, a timeout, another status or an unreadable body
// follows failure, so a service that is down never breaks the call.
//
//	nodes:
//	  - id: lookup
//	    type: http
//	    method: GET                # GET (default) or POST
//	    url: "http://127.0.0.1:8080/demo/crm/customer?phone=${caller}"
//	    body: '{"phone": "${caller}"}'   # POST only; sent as JSON
//	    timeout: 2s                # optional; default settings.http_timeout
//	    map:                       # variable: dotted path into the JSON answer
//	      customer_name: name
//	      customer_tier: tier
//	      first_order: open_orders.0.id
//	    keep: true                 # optional: store the mapped variables on the caller's customer
//	                               # profile, read next time as ${customer.customer_tier}
//	    success: greet-known
//	    failure: greet
//
// Every call also sets http_status ("0" when no answer came).
type HTTPNode struct {
	nodeBase
	Method  string
	URL     string
	Body    string
	Timeout time.Duration
	Map     []Assignment // variable name → JSON path, in file order
	// Keep stores the mapped variables on the caller's profile (a Call that is a
	// CustomerFieldKeeper); the call's own variables are set either way.
	Keep    bool
	Success Edge
	Failure Edge

	loc *time.Location
}

// Edges of an http node.
const (
	EdgeSuccess = "success"
	EdgeFailure = "failure"
)

// CustomerFieldKeeper is a Call that can store fields on the caller's customer profile.
type CustomerFieldKeeper interface {
	KeepCustomerFields(fields map[string]string)
}

// maxHTTPBody bounds the answer an http node reads.
const maxHTTPBody = 1 << 20

var _ Node = (*HTTPNode)(nil)

func newHTTP(id string, f *fields) Node {
	n := &HTTPNode{nodeBase: nodeBase{id}, loc: f.p.plan.Settings.Location}
	n.Method = strings.ToUpper(f.str("method", false))
	switch n.Method {
	case "":
		n.Method = "GET"
	case "GET", "POST":
	default:
		f.errorf(f.pos("method"), "one of: GET, POST", "method: unknown value %q", n.Method)
	}
	n.URL = f.str("url", true)
	checkURL(f, "url", n.URL)
	f.useTemplates("url", n.URL)
	n.Body = f.str("body", false)
	if n.Body != "" && n.Method != "POST" {
		f.errorf(f.pos("body"), "set method: POST", "body is only sent with POST")
	}
	f.useTemplates("body", n.Body)
	n.Timeout = f.duration("timeout", f.p.plan.Settings.HTTPTimeout)
	if v := f.value("map", false); v != nil {
		if v.Kind != yaml.MappingNode {
			f.errorf(f.pos("map"), "write map: {customer_name: name}", "map must be a mapping of variable to JSON path, not %s", kindName(v))
		} else {
			for _, e := range f.p.entries(v, f.node, f.where+"map: ") {
				if !f.varName(e.keyNode, e.key) {
					continue
				}
				if e.value.Kind != yaml.ScalarNode || e.value.Value == "" || !jsonPathOK(e.value.Value) {
					f.errorf(e.valueRaw, "write a dotted path such as customer.name or orders.0.id", "map %s: invalid JSON path %s", e.key, kindName(e.value))
					continue
				}
				n.Map = append(n.Map, Assignment{Name: e.key, Value: e.value.Value})
				f.setsVar(e.key)
			}
		}
	}
	n.Keep = f.boolean("keep", false)
	if n.Keep && len(n.Map) == 0 {
		f.errorf(f.pos("keep"), "add a map: of the fields to keep", "keep: true keeps mapped variables, and this node maps none")
	}
	f.setsVar("http_status")
	n.Success = f.edge("success", EdgeSuccess)
	n.Failure = f.edge("failure", EdgeFailure)
	return n
}

func jsonPathOK(p string) bool {
	for _, part := range strings.Split(p, ".") {
		if part == "" {
			return false
		}
	}
	return true
}

func (*HTTPNode) Type() string { return "http" }

func (n *HTTPNode) Edges() []Edge { return appendEdges(nil, n.Success, n.Failure) }

// Run sends the request through the call and maps the answer.
func (n *HTTPNode) Run(ctx context.Context, c Call) (string, error) {
	req := HTTPRequest{Method: n.Method, URL: Expand(c, n.loc, n.URL), Timeout: n.Timeout}
	if n.Method == "POST" {
		req.Body = Expand(c, n.loc, n.Body)
		req.Headers = map[string]string{"Content-Type": "application/json"}
	}
	vars := c.Vars()
	vars["http_status"] = "0"
	res, err := c.HTTP(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		c.Logger().Warn("http node failed", "node", n.id, "url", req.URL, "error", err)
		return EdgeFailure, nil
	}
	vars["http_status"] = strconv.Itoa(res.Status)
	if res.Status < 200 || res.Status > 299 {
		c.Logger().Info("http node: non-2xx answer", "node", n.id, "url", req.URL, "status", res.Status)
		return EdgeFailure, nil
	}
	if len(n.Map) == 0 {
		return EdgeSuccess, nil
	}
	var doc any
	if err := json.Unmarshal(res.Body, &doc); err != nil {
		c.Logger().Warn("http node: answer is not JSON", "node", n.id, "url", req.URL, "error", err)
		return EdgeFailure, nil
	}
	kept := map[string]string{}
	for _, m := range n.Map {
		vars[m.Name] = jsonPath(doc, m.Value)
		kept[m.Name] = vars[m.Name]
	}
	if k, ok := c.(CustomerFieldKeeper); ok && n.Keep {
		k.KeepCustomerFields(kept)
	}
	return EdgeSuccess, nil
}

// jsonPath reads a dotted path (object keys and list indexes) from a decoded JSON value; "" when it
// leads nowhere. Objects and lists at the end are rendered as JSON.
func jsonPath(doc any, path string) string {
	cur := doc
	for _, part := range strings.Split(path, ".") {
		switch v := cur.(type) {
		case map[string]any:
			cur = v[part]
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(v) {
				return ""
			}
			cur = v[i]
		default:
			return ""
		}
	}
	switch v := cur.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	b, _ := json.Marshal(cur)
	return string(b)
}

// DoHTTP sends an http node's request over the network, bounded by its timeout and maxHTTPBody.
func DoHTTP(ctx context.Context, req HTTPRequest) (HTTPResponse, error) {
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = DefaultHTTPTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader
	if req.Body != "" {
		body = strings.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, req.URL, body)
	if err != nil {
		return HTTPResponse{}, fmt.Errorf("http %s %s: %w", req.Method, req.URL, err)
	}
	for k, v := range req.Headers {
		hr.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		return HTTPResponse{}, fmt.Errorf("http %s %s: %w", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxHTTPBody))
	if err != nil {
		return HTTPResponse{Status: resp.StatusCode}, fmt.Errorf("http %s %s: reading answer: %w", req.Method, req.URL, err)
	}
	return HTTPResponse{Status: resp.StatusCode, Body: data}, nil
}
