package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hotline-cc/hotline/chat"
	"github.com/hotline-cc/hotline/e2e/peers"
	"github.com/hotline-cc/hotline/record"
)

const chatConfig = `chat:
  bot: assistant
  queue: support
  offer_timeout: 20s
`

// chatDialplan is the test dialplan with the demo's bot answering from the demo knowledge base.
func chatDialplan(t *testing.T) string {
	kb, err := filepath.Abs("../configs/kb")
	if err != nil {
		t.Fatal(err)
	}
	return testDialplan + fmt.Sprintf(`
bots:
  assistant:
    greeting:
      en-US: "Hi, I am the virtual assistant. How can I help you?"
      zh-CN: "您好，我是智能助手，请问有什么可以帮您？"
    knowledge_base: %s
    escalate_queue: support
    escalate_on: [request, failed_turns]
`, kb)
}

// widget is the demo page's chat widget, inside its shadow root.
const widget = `document.querySelector('#hotline-chat').shadowRoot`

// TestWebChat: a visitor on the demo page chats with the bot and gets an answer from the
// knowledge base, asks for a person; the agent accepts the chat on the desktop and replies; the
// visitor sees it, also after a reload; an XSS payload stays text on both sides; the agent ends
// the chat and wraps it up. Then the same person calls: the screen pop knows them from the chat.
func TestWebChat(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: chatDialplan(t), Extra: desktopConfig + chatConfig})
	actx, _ := browserAgent(t, srv, "alice", "alice-demo", 440)
	goAvailable(t, actx)

	vctx := newBrowser(t)
	if err := chromedp.Do(vctx, chromedp.Navigate("http://"+srv.HTTPAddr+"/chat/demo")); err != nil {
		t.Fatal(err)
	}
	jsWait(t, vctx, `!!document.querySelector('#hotline-chat') && !!`+widget+`.querySelector('.launcher')`, 15*time.Second)
	jsString(t, vctx, `(() => { `+widget+`.querySelector('.launcher').click(); return "ok" })()`)
	jsWait(t, vctx, widget+`.querySelector('form.prechat input[name=phone]') != null`, 10*time.Second)
	jsString(t, vctx, `(() => { const f = `+widget+`.querySelector('form.prechat');
		for (const [k, v] of [["name", "Li Wei"], ["phone", "13800138000"]]) { const i = f.querySelector('input[name=' + k + ']'); i.value = v; i.dispatchEvent(new Event('input')); }
		f.querySelector('button').click(); return "ok" })()`)
	jsWait(t, vctx, widget+`.querySelector('.log').textContent.includes('virtual assistant')`, 15*time.Second)
	say := func(text string) {
		t.Helper()
		b, _ := json.Marshal(text)
		jsString(t, vctx, `(() => { const ta = `+widget+`.querySelector('textarea'); ta.value = `+string(b)+`; ta.dispatchEvent(new Event('input'));
			ta.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true})); return "ok" })()`)
	}
	say("What are your opening hours?")
	jsWait(t, vctx, widget+`.querySelector('.log').textContent.includes('Monday to Friday')`, 15*time.Second)
	say("I want to talk to an agent")

	// The agent gets the offer with the bot's handoff and accepts it.
	jsWait(t, actx, `!!document.querySelector('#chat-offers .chat-accept')`, 20*time.Second)
	if s := jsString(t, actx, `document.getElementById('chat-offers').textContent`); !strings.Contains(s, "Li Wei") || !strings.Contains(s, "opening hours") {
		t.Fatalf("offer card %q: want the visitor and the bot's summary", s)
	}
	screenshot(t, actx, "chat-offer.png")
	// An approved reply script for the chat's intent (the bot's handoff) becomes a quick reply.
	intent := jsString(t, actx, `(window.hotline.chats.find((c) => !c.accepted) || {}).intent || ""`)
	if intent == "" {
		t.Fatal("the offer has no intent from the bot's handoff")
	}
	draft, _ := json.Marshal(map[string]string{"intent": intent, "lang": "en-US", "title": "Hours", "text": "Hello ${customer.name}, we are open Monday to Friday."})
	code, body := apiDo(t, srv, "POST", "/api/replies", string(draft))
	var script struct{ ID string }
	if err := json.Unmarshal([]byte(body), &script); code != http.StatusCreated || err != nil {
		t.Fatalf("create script: %d %s", code, body)
	}
	if code, body := apiDo(t, srv, "POST", "/api/replies/review", `{"ids": ["`+script.ID+`"], "action": "approve"}`); code != 200 {
		t.Fatalf("approve script: %d %s", code, body)
	}
	jsString(t, actx, `(() => { document.querySelector('#chat-offers .chat-accept').click(); return "ok" })()`)
	jsWait(t, vctx, widget+`.querySelector('.state').textContent.includes('Alice')`, 15*time.Second)
	jsWait(t, actx, `!!document.querySelector('#chat-quick button.quick')`, 10*time.Second)
	jsString(t, actx, `(() => { document.querySelector('#chat-quick button.quick').click(); return "ok" })()`)
	if s := jsString(t, actx, `document.getElementById('chat-input').value`); s != "Hello Li Wei, we are open Monday to Friday." {
		t.Fatalf("quick reply put %q in the reply box: want the script with the customer's name", s)
	}
	jsString(t, actx, `(() => { document.getElementById('chat-input').value = ""; return "ok" })()`)

	// Supervisors see the chat live, with its agent.
	live := getJSON(t, "http://"+srv.HTTPAddr+"/api/chats?live=1")
	if !strings.Contains(live, `"agent":"alice"`) || !strings.Contains(live, `"state":"agent"`) {
		t.Fatalf("live chats %s", live)
	}

	xss := `<img src=x onerror="window.__xss=1">`
	say(xss)
	jsWait(t, actx, `document.getElementById('chat-thread').textContent.includes('<img src=x onerror')`, 10*time.Second)
	// The agent types a reply and sends it.
	jsString(t, actx, `(() => { const i = document.getElementById('chat-input'); i.value = "Hello Li, Alice here. <b>bold?</b>"; i.dispatchEvent(new Event('input'));
		document.getElementById('chat-send').click(); return "ok" })()`)
	jsWait(t, vctx, widget+`.querySelector('.log').textContent.includes('Hello Li, Alice here. <b>bold?</b>')`, 10*time.Second)
	if ran := jsString(t, actx, `String(window.__xss) + document.querySelectorAll('#chat-thread li img').length`); ran != "undefined0" {
		t.Fatalf("agent desktop: the visitor's markup ran or rendered: %s", ran)
	}
	if ran := jsString(t, vctx, `String(window.__xss) + `+widget+`.querySelectorAll('.log img, .log b').length`); ran != "undefined0" {
		t.Fatalf("widget: markup ran or rendered: %s", ran)
	}
	screenshot(t, actx, "chat-agent.png")
	screenshot(t, vctx, "chat-visitor.png")

	// The thread survives a reload.
	if err := chromedp.Do(vctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	jsWait(t, vctx, `!!document.querySelector('#hotline-chat') && `+widget+`.querySelector('.log') && `+widget+`.querySelector('.log').textContent.includes('Alice here')`, 15*time.Second)

	// The agent ends the chat and wraps it up.
	jsString(t, actx, `(() => { document.getElementById('chat-end').click(); return "ok" })()`)
	jsWait(t, actx, `!document.getElementById('wrapup').classList.contains('hidden')`, 10*time.Second)
	jsWait(t, vctx, widget+`.querySelector('.state').textContent.toLowerCase().includes('ended')`, 10*time.Second)
	jsString(t, actx, `(() => { document.getElementById('wrapup-notes').value = "asked about hours"; document.getElementById('wrapup-save').click(); return "ok" })()`)
	jsWait(t, actx, `document.getElementById('wrapup').classList.contains('hidden')`, 10*time.Second)

	// The chat is an interaction record, with the whole thread and the wrap-up.
	var chat map[string]any
	for range 50 {
		for _, c := range srv.Calls(t) {
			if c.Channel == "chat" && len(c.WrapUps) > 0 {
				b, _ := json.Marshal(c)
				_ = json.Unmarshal(b, &chat)
			}
		}
		if chat != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if chat == nil {
		t.Fatalf("no chat record with a wrap-up\n%s", srv.Log())
	}
	if chat["agent"] != "alice" || chat["customer_id"] == "" || !strings.Contains(fmt.Sprint(chat["transcript"]), "Alice here") {
		t.Fatalf("chat record %v", chat)
	}

	// The same person calls: the screen pop knows them from the chat.
	caller := peers.StartPhone(t, peers.PhoneConfig{User: "13800138000", PlayWAV: toneWAV(t, t.TempDir(), callerTone), MaxCallSeconds: 30})
	if err := caller.Dial("sip:2000@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	jsWait(t, actx, `document.getElementById("pop-customer").textContent.includes("Li Wei")`, 20*time.Second)
	if s := jsString(t, actx, `document.getElementById("pop-customer").textContent`); !strings.Contains(s, "contact") {
		t.Fatalf("screen pop customer %q: want the timeline in brief", s)
	}
	screenshot(t, actx, "chat-then-call-pop.png")

	// The timeline lists the chat.
	req, _ := http.NewRequest("GET", "http://"+srv.HTTPAddr+"/api/customers/"+fmt.Sprint(chat["customer_id"])+"/timeline", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tl any
	_ = json.NewDecoder(resp.Body).Decode(&tl)
	if resp.StatusCode != 200 || !strings.Contains(fmt.Sprint(tl), "chat") {
		t.Fatalf("timeline %d %v", resp.StatusCode, tl)
	}
	custA := fmt.Sprint(chat["customer_id"])
	if err := caller.Hangup(); err != nil {
		t.Fatal(err)
	}
	firstCall := waitCustomerCall(t, srv, "13800138000")

	// The same person calls from another number: a second profile, which the agent merges
	// into the first on the profile page, and then undoes.
	other := peers.StartPhone(t, peers.PhoneConfig{User: "13900139000", PlayWAV: toneWAV(t, t.TempDir(), callerTone), MaxCallSeconds: 30})
	if err := other.Dial("sip:2000@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	jsWait(t, actx, `document.getElementById("pop-from").textContent.includes("13900139000")`, 20*time.Second)
	if err := other.Hangup(); err != nil {
		t.Fatal(err)
	}
	second := waitCustomerCall(t, srv, "13900139000")
	custB := second.CustomerID
	if custB == custA {
		t.Fatalf("the second number found the first profile %s", custA)
	}

	// The profile page, opened from the screen pop's link in a tab beside the desktop.
	href := jsString(t, actx, `document.getElementById("pop-profile").getAttribute("href") || ""`)
	if href != "/customers/"+custA && href != "/customers/"+custB {
		t.Fatalf("screen pop profile link %q", href)
	}
	pctx, closeTab := chromedp.NewContext(actx)
	defer closeTab()
	if err := chromedp.Do(pctx, chromedp.Navigate("http://"+srv.HTTPAddr+"/customers/"+custA)); err != nil {
		t.Fatal(err)
	}
	jsWait(t, pctx, `document.getElementById("name").textContent === "Li Wei" && document.querySelectorAll("#timeline tr").length === 2`, 15*time.Second)
	if s := jsString(t, pctx, `document.getElementById("timeline").textContent`); !strings.Contains(s, "chat") || !strings.Contains(s, "voice") {
		t.Fatalf("profile timeline %q: want the chat and the call", s)
	}
	jsString(t, pctx, `(() => { document.getElementById("mergefrom").value = `+strconvQuote(custB)+`; document.querySelector("#mergeform button").click(); return "ok" })()`)
	jsWait(t, pctx, `!!document.querySelector("#timeline tr[data-id='`+second.ID+`']") && !!document.querySelector("#merges button.undo")`, 15*time.Second)
	if s := jsString(t, pctx, `document.getElementById("merges").textContent`); !strings.Contains(s, "alice") || !strings.Contains(s, "13900139000") {
		t.Fatalf("merge explanation %q: want who merged and the number", s)
	}
	screenshot(t, pctx, "customer-profile-merged.png")
	jsString(t, pctx, `(() => { document.querySelector("#merges button.undo").click(); return "ok" })()`)
	jsWait(t, pctx, `!document.querySelector("#timeline tr[data-id='`+second.ID+`']") && document.getElementById("merges").textContent.length > 0 && !document.querySelector("#merges button.undo")`, 15*time.Second)
	if b := getJSON(t, "http://"+srv.HTTPAddr+"/api/customers/"+custB+"/timeline"); !strings.Contains(b, second.ID) {
		t.Fatalf("after the undo, profile B's timeline %s lacks its call", b)
	}
	// A Chinese browser gets the page in Chinese.
	if err := chromedp.Do(pctx, chromedp.Navigate("http://"+srv.HTTPAddr+"/customers/"+custA+"?lang=zh")); err != nil {
		t.Fatal(err)
	}
	jsWait(t, pctx, `document.querySelector("h2[data-t=Timeline]").textContent === "接触记录" && document.querySelectorAll("#timeline tr").length === 2`, 15*time.Second)
	screenshot(t, pctx, "customer-profile-zh.png")
	jsString(t, pctx, `(() => { localStorage.removeItem("hotline.lang"); return "ok" })()`)

	// The right to erasure: the profile, the chat with its thread and the call go.
	chatID := fmt.Sprint(chat["id"])
	if code := httpStatus(t, "GET", "http://"+srv.HTTPAddr+"/api/calls/"+chatID, adminToken); code != 200 {
		t.Fatalf("chat record before erasure: %d", code)
	}
	if code := httpStatus(t, "DELETE", "http://"+srv.HTTPAddr+"/api/customers/"+custA, adminToken); code != http.StatusNoContent {
		t.Fatalf("erase: %d", code)
	}
	for _, u := range []struct{ url, token string }{
		{"/api/customers/" + custA, adminToken},
		{"/api/calls/" + chatID, adminToken},
		{"/api/calls/" + firstCall.ID, adminToken},
		{"/api/customers/" + custA + "/timeline", adminToken},
	} {
		if code := httpStatus(t, "GET", "http://"+srv.HTTPAddr+u.url, u.token); code != http.StatusNotFound && code != http.StatusUnauthorized {
			t.Errorf("GET %s after erasure: %d, want 404 or 401", u.url, code)
		}
	}
	if b := getJSON(t, "http://"+srv.HTTPAddr+"/api/calls/search?number=13800138000"); strings.Contains(b, firstCall.ID) {
		t.Errorf("the erased call is still found: %s", b)
	}
}

// waitCustomerCall waits for the record of the call from number, linked to a profile.
func waitCustomerCall(t *testing.T, srv *Server, number string) record.Call {
	t.Helper()
	for range 100 {
		for _, c := range srv.Calls(t) {
			if c.From == number && c.CustomerID != "" && c.Disposition != record.DispositionInProgress {
				return c
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no ended call from %s with a customer\n%s", number, srv.Log())
	return record.Call{}
}

// httpStatus sends a request with a bearer token and returns the status.
func httpStatus(t *testing.T, method, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// getJSON reads an admin API as text.
func getJSON(t *testing.T, url string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// TestChatChannelAdapter: a fake messaging platform sends a user's message to the generic
// webhook, signed; the bot's reply comes back in the answer and, signed with the same secret,
// on the platform's callback; a bad signature and a replayed old request are refused.
func TestChatChannelAdapter(t *testing.T) {
	secret := []byte("platform-secret")
	got := make(chan map[string]any, 16)
	platform := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := chat.Verify(secret, r.Header.Get("X-Hotline-Timestamp"), r.Header.Get("X-Hotline-Signature"), body, time.Now()); err != nil {
			t.Errorf("callback signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		got <- m
	}))
	defer platform.Close()
	srv := StartServer(t, ServerOptions{Dialplan: chatDialplan(t), Extra: chatConfig + `  channels:
    - name: fakechat
      secret: platform-secret
      callback: ` + platform.URL + "\n"})
	hook := "http://" + srv.HTTPAddr + "/chat/channels/fakechat/webhook"
	send := func(body string, ts int64, key []byte) (int, string) {
		req, _ := http.NewRequest("POST", hook, strings.NewReader(body))
		req.Header.Set("X-Hotline-Timestamp", fmt.Sprint(ts))
		req.Header.Set("X-Hotline-Signature", chat.Sign(key, ts, []byte(body)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	msg := `{"user": "wx-openid-123", "name": "Zhang", "text": "How long does shipping take?"}`
	if code, _ := send(msg, time.Now().Unix(), []byte("wrong-secret")); code != http.StatusUnauthorized {
		t.Fatalf("bad signature: %d, want 401", code)
	}
	if code, _ := send(msg, time.Now().Add(-time.Hour).Unix(), secret); code != http.StatusUnauthorized {
		t.Fatalf("hour-old timestamp: %d, want 401", code)
	}
	code, body := send(msg, time.Now().Unix(), secret)
	if code != 200 || !strings.Contains(body, `"from": "bot"`) || !strings.Contains(strings.ToLower(body), "days") {
		t.Fatalf("webhook answer %d %s", code, body)
	}
	// The callback gets the greeting, then the reply, both signed, for the platform's user.
	var texts []string
	deadline := time.After(10 * time.Second)
	for len(texts) < 2 {
		select {
		case m := <-got:
			if m["user"] != "wx-openid-123" {
				t.Fatalf("callback for %v", m["user"])
			}
			texts = append(texts, fmt.Sprint(m["message"].(map[string]any)["text"]))
		case <-deadline:
			t.Fatalf("callback got %q, want the greeting and the reply", texts)
		}
	}
	if !strings.Contains(texts[0], "virtual assistant") || !strings.Contains(strings.ToLower(texts[1]), "days") {
		t.Fatalf("callback texts %q", texts)
	}
	// The same user's next message continues the same chat.
	_, body2 := send(`{"user": "wx-openid-123", "text": "thanks"}`, time.Now().Unix(), secret)
	var a, b struct {
		ChatID string `json:"chat_id"`
	}
	_ = json.Unmarshal([]byte(body), &a)
	_ = json.Unmarshal([]byte(body2), &b)
	if a.ChatID == "" || a.ChatID != b.ChatID {
		t.Fatalf("second message went to chat %q, first to %q", b.ChatID, a.ChatID)
	}
}

// TestChatWidgetChinese: a zh-CN browser gets the widget in Chinese, the bot greets in
// Chinese, an image it attaches shows in the thread and on the agent's desktop; a file that
// only claims to be an image is refused with a Chinese message.
func TestChatWidgetChinese(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: chatDialplan(t), Extra: desktopConfig + chatConfig})
	actx, _ := browserAgent(t, srv, "alice", "alice-demo", 440)
	goAvailable(t, actx)
	vctx := newBrowser(t, chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN"))
	if err := chromedp.Do(vctx, chromedp.Navigate("http://"+srv.HTTPAddr+"/chat/demo")); err != nil {
		t.Fatal(err)
	}
	jsWait(t, vctx, `!!document.querySelector('#hotline-chat') && !!`+widget+`.querySelector('.launcher')`, 15*time.Second)
	if s := jsString(t, vctx, widget+`.querySelector('.launcher').getAttribute('aria-label') || ''`); s != "打开聊天" {
		t.Fatalf("launcher label %q: want Chinese", s)
	}
	jsString(t, vctx, `(() => { `+widget+`.querySelector('.launcher').click(); return "ok" })()`)
	jsWait(t, vctx, widget+`.querySelector('form.prechat') != null && `+widget+`.querySelector('form.prechat').textContent.includes('请先简单介绍一下您自己')`, 10*time.Second)
	jsString(t, vctx, `(() => { const f = `+widget+`.querySelector('form.prechat'); const i = f.querySelector('input[name=name]');
		i.value = "王芳"; i.dispatchEvent(new Event('input')); f.querySelector('button').click(); return "ok" })()`)
	jsWait(t, vctx, widget+`.querySelector('.log') && `+widget+`.querySelector('.log').textContent.includes('您好，我是智能助手')`, 15*time.Second)

	// A real PNG drawn on a canvas goes through the widget's file input.
	attach := func(js string) {
		t.Helper()
		jsString(t, vctx, `(() => { (async () => { const blob = await (`+js+`); const dt = new DataTransfer();
			dt.items.add(new File([blob], "photo.png", {type: "image/png"})); const f = `+widget+`.querySelector('input.file');
			f.files = dt.files; f.dispatchEvent(new Event('change')); })(); return "ok" })()`)
	}
	attach(`new Promise((ok) => { const c = document.createElement('canvas'); c.width = 40; c.height = 30;
		const g = c.getContext('2d'); g.fillStyle = '#c00'; g.fillRect(0, 0, 40, 30); c.toBlob(ok, 'image/png'); })`)
	jsWait(t, vctx, `[...`+widget+`.querySelectorAll('.log img.img')].some((i) => i.complete && i.naturalWidth === 40)`, 15*time.Second)
	// Text that claims to be a PNG is refused from its bytes.
	attach(`Promise.resolve(new Blob(["<script>alert(1)</script>"]))`)
	jsWait(t, vctx, widget+`.textContent.includes('只能发送图片')`, 10*time.Second)
	screenshot(t, vctx, "chat-widget-zh.png")

	// The agent takes the chat and sees the picture.
	jsString(t, vctx, `(() => { const ta = `+widget+`.querySelector('textarea'); ta.value = "我要人工客服"; ta.dispatchEvent(new Event('input'));
		ta.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true})); return "ok" })()`)
	jsWait(t, actx, `!!document.querySelector('#chat-offers .chat-accept')`, 20*time.Second)
	jsString(t, actx, `(() => { document.querySelector('#chat-offers .chat-accept').click(); return "ok" })()`)
	jsWait(t, actx, `[...document.querySelectorAll('#chat-thread li img')].some((i) => i.complete && i.naturalWidth === 40)`, 15*time.Second)
	if n := jsString(t, actx, `String(document.querySelectorAll('#chat-thread li img').length)`); n != "1" {
		t.Fatalf("desktop shows %s pictures, want the one real image", n)
	}
}

// TestChatSurvivesCrash: a visitor waits in the queue for an agent when the server is killed
// (SIGKILL); after the restart the widget reconnects by itself (no reload), the chat is still
// queued with its thread, an agent who logs in then gets it, and the reply reaches the widget
// over the new socket.
func TestChatSurvivesCrash(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: chatDialplan(t), Extra: desktopConfig + chatConfig})
	// The agent is logged in but not ready: the chat waits in the queue.
	actx, _ := browserAgent(t, srv, "alice", "alice-demo", 440)
	jsWait(t, actx, `window.hotline.state === "break"`, 10*time.Second)
	vctx := newBrowser(t)
	if err := chromedp.Do(vctx, chromedp.Navigate("http://"+srv.HTTPAddr+"/chat/demo")); err != nil {
		t.Fatal(err)
	}
	jsWait(t, vctx, `!!document.querySelector('#hotline-chat') && !!`+widget+`.querySelector('.launcher')`, 15*time.Second)
	jsString(t, vctx, `(() => { `+widget+`.querySelector('.launcher').click(); return "ok" })()`)
	jsWait(t, vctx, widget+`.querySelector('form.prechat') != null`, 10*time.Second)
	jsString(t, vctx, `(() => { const f = `+widget+`.querySelector('form.prechat'); const i = f.querySelector('input[name=name]');
		i.value = "Zhang San"; i.dispatchEvent(new Event('input')); f.querySelector('button').click(); return "ok" })()`)
	jsWait(t, vctx, widget+`.querySelector('.log').textContent.includes('virtual assistant')`, 15*time.Second)
	jsString(t, vctx, `(() => { const ta = `+widget+`.querySelector('textarea'); ta.value = "I want to talk to an agent about order A123"; ta.dispatchEvent(new Event('input'));
		ta.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true})); return "ok" })()`)
	live := ""
	for range 50 {
		if live = getJSON(t, "http://"+srv.HTTPAddr+"/api/chats?live=1"); strings.Contains(live, `"state":"queued"`) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(live, `"state":"queued"`) {
		t.Fatalf("the chat is not queued: %s", live)
	}

	srv.Kill()
	jsWait(t, vctx, widget+`.querySelector('.state').textContent.includes('Reconnecting')`, 10*time.Second)
	srv.Start()

	// Desktop sessions do not outlive the process: the agent signs in again.
	actx, _ = browserAgent(t, srv, "alice", "alice-demo", 440)
	goAvailable(t, actx)
	jsWait(t, actx, `!!document.querySelector('#chat-offers .chat-accept')`, 30*time.Second)
	if s := jsString(t, actx, `document.getElementById('chat-offers').textContent`); !strings.Contains(s, "Zhang San") {
		t.Fatalf("offer after the restart %q: want the visitor", s)
	}
	jsString(t, actx, `(() => { document.querySelector('#chat-offers .chat-accept').click(); return "ok" })()`)
	jsWait(t, actx, `document.getElementById('chat-thread').textContent.includes('order A123')`, 15*time.Second)
	jsString(t, actx, `(() => { const i = document.getElementById('chat-input'); i.value = "Alice here, looking at A123 now."; i.dispatchEvent(new Event('input'));
		document.getElementById('chat-send').click(); return "ok" })()`)
	// The widget was never reloaded: the reply comes over the socket it opened again.
	jsWait(t, vctx, widget+`.querySelector('.log').textContent.includes('looking at A123 now') && `+widget+`.querySelector('.log').textContent.includes('virtual assistant')`, 20*time.Second)
	if n := jsString(t, vctx, `String(performance.getEntriesByType('navigation').length)`); n != "1" {
		t.Fatalf("the page navigated %s times", n)
	}
}
