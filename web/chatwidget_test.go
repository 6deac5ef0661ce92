package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"
)

// fakeChat is an in-memory implementation of the chat API contract with a
// canned bot, so the widget can be driven end to end without the server.
type fakeChat struct {
	mu      sync.Mutex
	open    bool
	msgs    []map[string]any
	token   string
	socks   []*websocket.Conn
	offline []map[string]any
}

func (f *fakeChat) addLocked(from, text string) map[string]any {
	m := map[string]any{"seq": len(f.msgs) + 1, "from": from, "text": text, "at": time.Now().Format(time.RFC3339)}
	if from == "agent" {
		m["name"] = "Alice"
	}
	f.msgs = append(f.msgs, m)
	return m
}

func (f *fakeChat) broadcast(ev any) {
	b, _ := json.Marshal(ev)
	f.mu.Lock()
	socks := append([]*websocket.Conn(nil), f.socks...)
	f.mu.Unlock()
	for _, c := range socks {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = c.Write(ctx, websocket.MessageText, b)
		cancel()
	}
}

func (f *fakeChat) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/chat/", ChatWidget())
	js := func(w http.ResponseWriter, code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(v)
	}
	auth := func(w http.ResponseWriter, r *http.Request) bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		if r.PathValue("id") != "s1" || f.token == "" {
			js(w, 404, map[string]string{"error": "unknown session"})
			return false
		}
		if r.Header.Get("Authorization") != "Bearer "+f.token {
			js(w, 401, map[string]string{"error": "bad token"})
			return false
		}
		return true
	}
	mux.HandleFunc("GET /chat/api/status", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		js(w, 200, map[string]any{"open": f.open, "hours": "Mon-Fri 09:00-18:00"})
	})
	mux.HandleFunc("POST /chat/api/sessions", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.token = "tok1"
		f.msgs = nil
		g := f.addLocked("bot", fmt.Sprintf("Hello %v, how can I help?", body["name"]))
		js(w, 201, map[string]any{"id": "s1", "token": f.token, "state": "bot", "messages": []any{g}})
	})
	mux.HandleFunc("POST /chat/api/sessions/{id}/messages", func(w http.ResponseWriter, r *http.Request) {
		if !auth(w, r) {
			return
		}
		var body struct{ Text string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		v := f.addLocked("visitor", body.Text)
		reply := f.addLocked("bot", "Bot got: "+body.Text)
		f.mu.Unlock()
		f.broadcast(map[string]any{"type": "message", "message": v})
		js(w, 200, map[string]any{"messages": []any{reply}})
	})
	mux.HandleFunc("GET /chat/api/sessions/{id}/messages", func(w http.ResponseWriter, r *http.Request) {
		if !auth(w, r) {
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		js(w, 200, map[string]any{"state": "bot", "messages": f.msgs})
	})
	mux.HandleFunc("POST /chat/api/sessions/{id}/typing", func(w http.ResponseWriter, r *http.Request) {
		if auth(w, r) {
			w.WriteHeader(204)
		}
	})
	mux.HandleFunc("POST /chat/api/sessions/{id}/end", func(w http.ResponseWriter, r *http.Request) {
		if auth(w, r) {
			w.WriteHeader(204)
		}
	})
	mux.HandleFunc("POST /chat/api/offline", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		f.offline = append(f.offline, body)
		f.mu.Unlock()
		js(w, 201, map[string]any{"id": "task1"})
	})
	mux.HandleFunc("GET /chat/api/sessions/{id}/events", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		ctx := r.Context()
		_, first, err := c.Read(ctx)
		var hello struct{ Token string }
		f.mu.Lock()
		ok := err == nil && json.Unmarshal(first, &hello) == nil && hello.Token == f.token
		if ok {
			f.socks = append(f.socks, c)
		}
		f.mu.Unlock()
		if !ok {
			c.Close(websocket.StatusPolicyViolation, "bad token")
			return
		}
		for {
			if _, _, err := c.Read(ctx); err != nil {
				break
			}
		}
		f.mu.Lock()
		for i, s := range f.socks {
			if s == c {
				f.socks = append(f.socks[:i], f.socks[i+1:]...)
				break
			}
		}
		f.mu.Unlock()
	})
	return mux
}

func widgetBrowser(t *testing.T, opts ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skipf("chromium not found (%v): install the Debian package 'chromium'", err)
	}
	all := append([]chromedp.ExecAllocatorOption{chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(420, 760)}, opts...)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), all...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel)
	return tctx
}

// sh reaches into the widget's shadow root.
const sh = `document.querySelector('#hotline-chat').shadowRoot`

func waitFor(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool]("(function(){try{return !!("+expr+")}catch(e){return false}})()", chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		shot(t, ctx, "failed")
		log, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(function(){try{return `+sh+`.querySelector('.panel').innerText}catch(e){return String(e)}})()`))
		t.Fatalf("waiting for %s (%s): %v; panel: %q", what, expr, err, log)
	}
}

func run(t *testing.T, ctx context.Context, acts ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, acts...); err != nil {
		t.Fatal(err)
	}
}

func jsDo(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr)); err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
}

func shot(t *testing.T, ctx context.Context, name string) {
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		_ = os.WriteFile("/tmp/widget-"+name+".png", png, 0o644)
	}
}

func typeInto(t *testing.T, ctx context.Context, selector, text string) {
	t.Helper()
	// CDP's Enter key also sends a "\r" char event after the keydown the widget
	// handled, leaving a newline behind; a real keyboard does not.
	jsDo(t, ctx, `(function(e){e.value=e.value.trim();e.focus()})(`+sh+`.querySelector('`+selector+`'))`)
	run(t, ctx, chromedp.KeyEvent(text))
}

func TestWidgetChatFlow(t *testing.T) {
	f := &fakeChat{open: true}
	srv := httptest.NewServer(f.handler())
	defer srv.Close()
	ctx := widgetBrowser(t)
	run(t, ctx, chromedp.Navigate(srv.URL+"/chat/demo"))
	waitFor(t, ctx, "launcher", `!!document.querySelector('#hotline-chat')`)
	jsDo(t, ctx, sh+`.querySelector('.launcher').click()`)
	waitFor(t, ctx, "pre-chat form", sh+`.querySelector('form.prechat input[name=name]') != null`)
	typeInto(t, ctx, "input[name=name]", "Bob")
	typeInto(t, ctx, "input[name=email]", "bob@example.com")
	shot(t, ctx, "prechat")
	jsDo(t, ctx, sh+`.querySelector('form.prechat button').click()`)
	waitFor(t, ctx, "greeting", sh+`.querySelector('.log').textContent.includes('Hello Bob')`)

	typeInto(t, ctx, "textarea", "Where is my kettle?\r")
	waitFor(t, ctx, "bot reply", sh+`.querySelector('.log').textContent.includes('Bot got: Where is my kettle?')`)
	waitFor(t, ctx, "visitor echo de-duplicated", sh+`.querySelectorAll('.msg.from-visitor').length === 1 && `+sh+`.querySelector('.msg.from-visitor[data-seq]') != null`)

	f.broadcast(map[string]any{"type": "state", "state": "agent", "agent": "Alice"})
	f.broadcast(map[string]any{"type": "typing", "from": "agent", "typing": true})
	waitFor(t, ctx, "typing indicator", sh+`.querySelector('.typing').textContent.includes('Alice is typing') && !`+sh+`.querySelector('.typing').hidden`)
	waitFor(t, ctx, "agent state", sh+`.querySelector('.state').textContent === 'You are talking to Alice'`)
	shot(t, ctx, "typing")
	f.mu.Lock()
	am := f.addLocked("agent", "Hi Bob, Alice here.")
	f.mu.Unlock()
	f.broadcast(map[string]any{"type": "message", "message": am})
	waitFor(t, ctx, "agent message", sh+`.querySelector('.log').textContent.includes('Hi Bob, Alice here.')`)

	xss := `<img src=x onerror=window.__xss=1>`
	typeInto(t, ctx, "textarea", xss+"\r")
	waitFor(t, ctx, "xss reply", sh+`.querySelector('.log').textContent.includes('Bot got: <img')`)
	xssSet, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__xss !== undefined || `+sh+`.querySelector('.log img') != null`))
	if err != nil {
		t.Fatal(err)
	}
	if xssSet {
		t.Fatal("the XSS payload was rendered as markup")
	}
	shot(t, ctx, "chat")

	run(t, ctx, chromedp.Reload())
	waitFor(t, ctx, "history restored", `!!document.querySelector('#hotline-chat') && `+sh+`.querySelector('.log').textContent.includes('Hi Bob, Alice here.')`)
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](sh+`.querySelectorAll('.msg').length`))
	if err != nil {
		t.Fatal(err)
	}
	if want := len(f.msgs); n != want {
		t.Errorf("restored %d messages, want %d", n, want)
	}
	jsDo(t, ctx, `HotlineChat.open()`)
	shot(t, ctx, "restored")

	// On a phone-width page the panel takes the whole screen.
	run(t, ctx, chromedp.EmulateViewport(360, 640))
	waitFor(t, ctx, "full-width panel on a phone", sh+`.querySelector('.panel').getBoundingClientRect().width === 360`)
	shot(t, ctx, "phone")

	// An unknown session on restore starts over cleanly.
	f.mu.Lock()
	f.token = ""
	f.mu.Unlock()
	run(t, ctx, chromedp.Reload())
	waitFor(t, ctx, "mounted", `!!document.querySelector('#hotline-chat')`)
	jsDo(t, ctx, `HotlineChat.open()`)
	waitFor(t, ctx, "fresh pre-chat after 404", sh+`.querySelector('form.prechat') != null && localStorage.length === 0`)
}

func TestWidgetChineseOffline(t *testing.T) {
	f := &fakeChat{open: false}
	srv := httptest.NewServer(f.handler())
	defer srv.Close()
	ctx := widgetBrowser(t, chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN"))
	run(t, ctx, chromedp.Navigate(srv.URL+"/chat/demo"))
	lang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.language`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(lang, "zh") {
		t.Skipf("chromium ignored --lang (navigator.language %q)", lang)
	}
	waitFor(t, ctx, "launcher", `!!document.querySelector('#hotline-chat')`)
	jsDo(t, ctx, sh+`.querySelector('.launcher').click()`)
	waitFor(t, ctx, "offline form in Chinese", sh+`.querySelector('form.offline') != null && `+sh+`.querySelector('form.offline').textContent.includes('我们现在不在线')`)
	typeInto(t, ctx, "input[name=name]", "Bob")
	typeInto(t, ctx, "input[name=contact]", "bob@example.com")
	typeInto(t, ctx, "textarea[name=text]", "Call me back")
	jsDo(t, ctx, sh+`.querySelector('form.offline button').click()`)
	waitFor(t, ctx, "thank-you", sh+`.querySelector('.thanks') != null && `+sh+`.querySelector('.thanks').textContent.includes('谢谢')`)
	shot(t, ctx, "offline-zh")
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.offline) != 1 || f.offline[0]["email"] != "bob@example.com" || f.offline[0]["language"] != "zh-CN" {
		t.Errorf("offline messages %v", f.offline)
	}
}

// The widget's own catalogue covers every string it passes to t().
func TestWidgetStringsHaveChinese(t *testing.T) {
	js, err := os.ReadFile("chatwidget/widget.js")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile(`(?s)var ZH = \{(.*?)\n  \};`).FindSubmatch(js)
	if block == nil {
		t.Fatal("no ZH catalogue in widget.js")
	}
	zh := map[string]bool{}
	for _, k := range zhKey.FindAllStringSubmatch(string(block[1]), -1) {
		zh[unquoteJS(k[1])] = true
	}
	used := tCall.FindAllStringSubmatch(string(js), -1)
	if len(used) < 20 || len(zh) < 20 {
		t.Fatalf("found %d texts and %d translations; the parsing is broken", len(used), len(zh))
	}
	for _, u := range used {
		if !zh[unquoteJS(u[1])] {
			t.Errorf("widget.js: no Chinese for %q", u[1])
		}
	}
}

func TestChatWidgetServed(t *testing.T) {
	for path, ct := range map[string]string{"/chat/widget.js": "text/javascript", "/chat/widget.css": "text/css", "/chat/demo": "text/html"} {
		rec := httptest.NewRecorder()
		ChatWidget().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), ct) || rec.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s: %d %q %q", path, rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"))
		}
	}
	rec := httptest.NewRecorder()
	ChatWidget().ServeHTTP(rec, httptest.NewRequest("GET", "/chat/nope", nil))
	if rec.Code != 404 {
		t.Errorf("unknown path: %d", rec.Code)
	}
}
