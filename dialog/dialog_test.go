package dialog_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/bot/openaitest"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/kb"
	"github.com/hotline-cc/hotline/openaicompat"
)

// collect reads a stream to its end.
func collect(t *testing.T, s dialog.Stream) (text string, calls []*dialog.ToolCall, err error) {
	t.Helper()
	defer s.Close()
	for range 10000 {
		ev, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return text, calls, nil
		}
		if err != nil {
			return text, calls, err
		}
		text += ev.Text
		if ev.ToolCall != nil {
			calls = append(calls, ev.ToolCall)
		}
	}
	t.Fatal("stream did not end")
	return
}

func TestSplitSentences(t *testing.T) {
	cases := map[string][]string{
		"Standard delivery costs 4.95 euros. Express is 9.95! Want it?": {"Standard delivery costs 4.95 euros.", "Express is 9.95!", "Want it?"},
		"退货期限为30天。退款需要14天！还有问题吗？好的；谢谢":                                  {"退货期限为30天。", "退款需要14天！", "还有问题吗？", "好的；", "谢谢"},
		"Open until 8 p.m. on weekdays. Visit example.com today.":       {"Open until 8 p.m. on weekdays.", "Visit example.com today."},
		"He said \"Hello.\" Then left":                                  {"He said \"Hello.\"", "Then left"},
		"Version 3.5 is out":                                            {"Version 3.5 is out"},
	}
	for in, want := range cases {
		if got := dialog.SplitSentences(in); !slices.Equal(got, want) {
			t.Errorf("SplitSentences(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}

func TestSplitterStreaming(t *testing.T) {
	var sp dialog.Splitter
	var got []string
	for _, d := range []string{"It costs 3", ".", "5 euros", ". Del", "ivery is free", "! 好的。", "Bye"} {
		got = append(got, sp.Push(d)...)
	}
	// "3." must not cut before the 5 arrives; "free!" waits for the next rune.
	want := []string{"It costs 3.5 euros.", "Delivery is free!", "好的。"}
	if !slices.Equal(got, want) {
		t.Errorf("streamed sentences %q, want %q", got, want)
	}
	if r := sp.Flush(); r != "Bye" {
		t.Errorf("Flush = %q", r)
	}
}

func TestWantsHuman(t *testing.T) {
	yes := []string{"I want to talk to an agent", "Agent!", "get me a human please", "operator", "can I speak to a real person",
		"转人工", "我要人工服务", "let me talk to someone"}
	no := []string{"what are your opening hours", "my agent number is wrong", "the person who delivered it was rude", "人们都说好", ""}
	for _, s := range yes {
		if !dialog.WantsHuman(s) {
			t.Errorf("WantsHuman(%q) = false", s)
		}
	}
	// "my agent number" mentions an agent without asking: accept the false
	// positive for the bare word, but sentences about a person are not requests.
	for _, s := range no[2:] {
		if dialog.WantsHuman(s) {
			t.Errorf("WantsHuman(%q) = true", s)
		}
	}
	if dialog.WantsHuman(no[0]) {
		t.Errorf("WantsHuman(%q) = true", no[0])
	}
}

func TestSentiment(t *testing.T) {
	neg := []string{"This is ridiculous, the worst service ever!!", "I'm furious, the sofa arrived broken", "你们太差了，我要投诉", "气死我了，垃圾服务"}
	pos := []string{"thanks, that was very helpful", "太好了，谢谢"}
	neutral := []string{"where is my order", "退货要多久"}
	for _, s := range neg {
		if l := dialog.SentimentLabel(dialog.Sentiment(s)); l != "negative" {
			t.Errorf("%q: %s (%.2f)", s, l, dialog.Sentiment(s))
		}
	}
	for _, s := range pos {
		if l := dialog.SentimentLabel(dialog.Sentiment(s)); l != "positive" {
			t.Errorf("%q: %s (%.2f)", s, l, dialog.Sentiment(s))
		}
	}
	for _, s := range neutral {
		if l := dialog.SentimentLabel(dialog.Sentiment(s)); l != "neutral" {
			t.Errorf("%q: %s", s, l)
		}
	}
	if dialog.Sentiment("this is not good") >= 0 {
		t.Error("negation not handled")
	}
}

func demoIndex(t *testing.T) *kb.Index {
	ix, err := kb.Open(context.Background(), kb.Options{Dir: "../configs/kb"})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func ask(q string) dialog.Request {
	return dialog.Request{History: []dialog.Message{{Role: dialog.RoleCaller, Text: q}}}
}

func TestRetrievalAnswersFromKB(t *testing.T) {
	eng := dialog.NewRetrieval(demoIndex(t), 0)
	cases := map[string]string{
		"how much does express delivery cost": "9.95",
		"how long do refunds take":            "14 days",
		"退款需要多长时间":                            "14天",
		"运费多少钱":                               "4.95",
	}
	for q, want := range cases {
		text, calls, err := collect(t, must(eng.Respond(context.Background(), ask(q))))
		if err != nil || len(calls) != 0 {
			t.Fatalf("%q: err %v calls %v", q, err, calls)
		}
		if !strings.Contains(text, want) {
			t.Errorf("%q → %q, want it to contain %q", q, text, want)
		}
		if n := len(dialog.SplitSentences(text)); n > 2 {
			t.Errorf("%q → %d sentences, want at most 2: %q", q, n, text)
		}
	}
}

func TestRetrievalDoesNotInvent(t *testing.T) {
	eng := dialog.NewRetrieval(demoIndex(t), 0)
	for q, want := range map[string]string{
		"do you sell electric cars":       "don't have information",
		"what is the capital of mongolia": "don't have information",
		"你们卖不卖汽车":                         "没有这方面的信息",
	} {
		text, _, err := collect(t, must(eng.Respond(context.Background(), ask(q))))
		if err != nil || !strings.Contains(text, want) {
			t.Errorf("%q → %q (err %v), want %q", q, text, err, want)
		}
	}
}

func TestRetrievalEscalatesOnRequest(t *testing.T) {
	eng := dialog.NewRetrieval(demoIndex(t), 0)
	for _, q := range []string{"I want to talk to an agent", "转人工"} {
		_, calls, err := collect(t, must(eng.Respond(context.Background(), ask(q))))
		if err != nil || len(calls) != 1 || calls[0].Name != dialog.ToolTransfer {
			t.Errorf("%q: calls %+v err %v", q, calls, err)
		}
	}
}

func must(s dialog.Stream, err error) dialog.Stream {
	if err != nil {
		panic(err)
	}
	return s
}

func newLLM(t *testing.T, srv *openaitest.Server, timeout time.Duration) *dialog.OpenAI {
	eng, err := dialog.NewOpenAI(dialog.Config{Endpoint: openaicompat.Endpoint{BaseURL: srv.BaseURL(), Model: "test-model"}, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func TestOpenAIStreamsAndGrounds(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	srv.Script(openaitest.Reply{Deltas: []string{"Standard delivery ", "costs 4.95 euros", "."}})
	eng := newLLM(t, srv, time.Second)
	ix := demoIndex(t)
	req := ask("how much is shipping")
	req.Passages = ix.Search("how much is shipping", 2)
	req.Instructions = "You work for Northwind Home."
	text, calls, err := collect(t, must(eng.Respond(context.Background(), req)))
	if err != nil || len(calls) != 0 || text != "Standard delivery costs 4.95 euros." {
		t.Fatalf("text %q calls %v err %v", text, calls, err)
	}
	reqs := srv.ChatRequests()
	sys := reqs[0].Messages[0]
	if sys.Role != "system" || !strings.Contains(sys.Content, req.Passages[0].Text) ||
		!strings.Contains(sys.Content, "say you don't know") || !strings.Contains(sys.Content, "Northwind Home") {
		t.Errorf("system prompt lacks passages, grounding rule or instructions:\n%s", sys.Content)
	}
	if last := reqs[0].Messages[len(reqs[0].Messages)-1]; last.Role != "user" || last.Content != "how much is shipping" {
		t.Errorf("last message = %+v", last)
	}
	var names []string
	for _, tl := range reqs[0].Tools {
		names = append(names, tl.Function.Name)
	}
	if !slices.Contains(names, dialog.ToolTransfer) || !slices.Contains(names, dialog.ToolEndCall) {
		t.Errorf("tools offered: %v", names)
	}
}

func TestOpenAIToolCalls(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	eng := newLLM(t, srv, time.Second)

	srv.Script(openaitest.Reply{Deltas: []string{"Let me connect you."}, ToolCalls: []openaitest.ToolCall{{
		Name: dialog.ToolTransfer, Arguments: `{"reason":"caller asked","summary":"Caller wants a refund for order NW123.","intent":"refund"}`}}})
	text, calls, err := collect(t, must(eng.Respond(context.Background(), ask("agent please"))))
	if err != nil || text != "Let me connect you." || len(calls) != 1 {
		t.Fatalf("text %q calls %v err %v", text, calls, err)
	}
	if c := calls[0]; c.Name != dialog.ToolTransfer || c.Args["summary"] != "Caller wants a refund for order NW123." || c.Args["intent"] != "refund" {
		t.Errorf("call = %+v", c)
	}

	// Malformed arguments: a clean error, not a crash or a hang.
	srv.Script(openaitest.Reply{ToolCalls: []openaitest.ToolCall{{Name: dialog.ToolTransfer, Arguments: `{"reason": "caller asked", summ`}}})
	_, _, err = collect(t, must(eng.Respond(context.Background(), ask("agent"))))
	if !errors.Is(err, dialog.ErrMalformedToolCall) {
		t.Errorf("malformed args: err = %v", err)
	}
}

func TestOpenAIHTTPTool(t *testing.T) {
	crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if !strings.Contains(string(b), "NW123") || r.Header.Get("X-Key") != "k" {
			http.Error(w, "bad lookup "+string(b), http.StatusBadRequest)
			return
		}
		io.WriteString(w, `{"order":"NW123","status":"shipped","eta":"Friday"}`)
	}))
	defer crm.Close()
	srv := openaitest.New()
	defer srv.Close()
	srv.Script(
		openaitest.Reply{ToolCalls: []openaitest.ToolCall{{Name: "order_lookup", Arguments: `{"order_number":"NW123"}`}}},
		openaitest.Reply{Deltas: []string{"Your order shipped and arrives Friday."}},
	)
	eng := newLLM(t, srv, time.Second)
	req := ask("where is order NW123")
	req.Tools = []dialog.HTTPTool{{Name: "order_lookup", Description: "Look up an order", URL: crm.URL, Headers: map[string]string{"X-Key": "k"},
		Parameters: []byte(`{"type":"object","properties":{"order_number":{"type":"string"}},"required":["order_number"]}`)}}
	text, calls, err := collect(t, must(eng.Respond(context.Background(), req)))
	if err != nil || text != "Your order shipped and arrives Friday." {
		t.Fatalf("text %q err %v", text, err)
	}
	if len(calls) != 1 || calls[0].Args["order_number"] != "NW123" || !strings.Contains(calls[0].Result, "shipped") {
		t.Errorf("tool report = %+v", calls)
	}
	reqs := srv.ChatRequests()
	if len(reqs) != 2 {
		t.Fatalf("%d chat requests, want 2", len(reqs))
	}
	last := reqs[1].Messages[len(reqs[1].Messages)-1]
	if last.Role != "tool" || !strings.Contains(last.Content, "Friday") {
		t.Errorf("tool result not given to the model: %+v", last)
	}
}

func TestOpenAIErrorsAndTimeouts(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	defer srv.Release()
	eng := newLLM(t, srv, 200*time.Millisecond)

	srv.Script(openaitest.Reply{Status: http.StatusServiceUnavailable})
	if _, err := eng.Respond(context.Background(), ask("hi")); err == nil {
		t.Error("503 accepted")
	}

	// A server that never sends headers: Respond gives up after the timeout.
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // the server notices a closed connection only once the body is read
		<-r.Context().Done()
	}))
	defer hang.Close()
	slow, _ := dialog.NewOpenAI(dialog.Config{Endpoint: openaicompat.Endpoint{BaseURL: hang.URL, Model: "m"}, Timeout: 150 * time.Millisecond})
	start := time.Now()
	if _, err := slow.Respond(context.Background(), ask("hi")); err == nil {
		t.Error("hung server: no error")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("timeout took %v", d)
	}

	// Cancelling mid-stream (barge-in) ends Recv promptly.
	srv.Script(openaitest.Reply{Deltas: []string{"One. "}, Hold: true})
	ctx, cancel := context.WithCancel(context.Background())
	s, err := eng.Respond(ctx, ask("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if ev, err := s.Recv(); err != nil || ev.Text != "One. " {
		t.Fatalf("first event %+v %v", ev, err)
	}
	cancel()
	done := make(chan error, 1)
	go func() { _, err := s.Recv(); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("Recv after cancel: nil error")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Recv did not return after cancel")
	}
}

func TestOpenAIHTTPToolGET(t *testing.T) {
	var gotPath, gotQuery, gotMethod string
	crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotQuery, gotMethod = r.URL.Path, r.URL.RawQuery, r.Method
		io.WriteString(w, `{"status":"delivered"}`)
	}))
	defer crm.Close()
	srv := openaitest.New()
	defer srv.Close()
	srv.Script(
		openaitest.Reply{ToolCalls: []openaitest.ToolCall{{Name: "order_status", Arguments: `{"order":"NW 1/2","email":"a@b.example"}`}}},
		openaitest.Reply{Deltas: []string{"It was delivered."}},
	)
	eng := newLLM(t, srv, time.Second)
	req := ask("status of my order")
	req.Tools = []dialog.HTTPTool{{Name: "order_status", Method: "GET", URL: crm.URL + "/orders/${order}?src=bot"}}
	text, _, err := collect(t, must(eng.Respond(context.Background(), req)))
	if err != nil || text != "It was delivered." {
		t.Fatalf("text %q err %v", text, err)
	}
	if gotMethod != "GET" || gotPath != "/orders/NW 1/2" || !strings.Contains(gotQuery, "email=a%40b.example") || !strings.Contains(gotQuery, "src=bot") || strings.Contains(gotQuery, "order=") {
		t.Errorf("tool saw %s %q ? %q", gotMethod, gotPath, gotQuery)
	}
}
