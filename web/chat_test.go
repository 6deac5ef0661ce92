package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/chat"
	"github.com/hotline-cc/hotline/record"
)

// fakeChats answers the chat API's calls as package chat would, without a bot.
type fakeChats struct{}

func (fakeChats) Open() (bool, string) { return true, "" }
func (fakeChats) Create(_ context.Context, in chat.Start) (*chat.Opened, error) {
	if in.UserID != "" {
		return nil, chat.ErrIdentity
	}
	return &chat.Opened{ID: "c1", Token: "tok", State: record.ChatBot, Messages: []record.ChatMessage{}}, nil
}
func (fakeChats) Post(_ context.Context, id, token, text string) ([]record.ChatMessage, error) {
	switch {
	case id != "c1":
		return nil, chat.ErrNotFound
	case token != "tok":
		return nil, chat.ErrUnauthorized
	case len(text) > 4096:
		return nil, chat.ErrTooLong
	case strings.TrimSpace(text) == "":
		return nil, chat.ErrEmpty
	}
	return []record.ChatMessage{{Seq: 2, From: record.FromBot, Text: "ok"}}, nil
}
func (fakeChats) Attach(context.Context, string, string, []byte) (record.ChatMessage, error) {
	return record.ChatMessage{}, chat.ErrNotImage
}
func (fakeChats) Image(string, string, int64) ([]byte, string, error) {
	return nil, "", chat.ErrNotFound
}
func (fakeChats) Messages(id, token string, _ int64) (chat.Thread, error) {
	if token != "tok" {
		return chat.Thread{}, chat.ErrUnauthorized
	}
	return chat.Thread{State: record.ChatBot}, nil
}
func (fakeChats) Typing(string, string, bool) error         { return nil }
func (fakeChats) End(context.Context, string, string) error { return nil }
func (fakeChats) Subscribe(string, string) (<-chan chat.Update, func(), error) {
	return nil, nil, chat.ErrUnauthorized
}
func (fakeChats) Offline(chat.Start, string) (*record.Task, error) {
	return &record.Task{ID: "t1"}, nil
}
func (fakeChats) LiveChats() []chat.Live                           { return nil }
func (fakeChats) StaffImage(string, int64) ([]byte, string, error) { return nil, "", chat.ErrNotFound }

func chatMux() http.Handler {
	mux := http.NewServeMux()
	(&Chat{Service: fakeChats{}, Origins: []string{"https://shop.example"}}).routes(mux)
	return mux
}

func TestChatAPIStatuses(t *testing.T) {
	h := chatMux()
	do := func(method, path, origin, token, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	cases := []struct {
		name, method, path, origin, token, body string
		want                                    int
	}{
		{"create", "POST", "/chat/api/sessions", "", "", `{"name":"Li"}`, 201},
		{"create from an allowed origin", "POST", "/chat/api/sessions", "https://shop.example", "", `{}`, 201},
		{"create from another origin", "POST", "/chat/api/sessions", "https://evil.example", "", `{}`, 403},
		{"bad JSON", "POST", "/chat/api/sessions", "", "", `{"name":`, 400},
		{"forged identity", "POST", "/chat/api/sessions", "", "", `{"identity":{"user_id":"u","signature":"00"}}`, 401},
		{"message", "POST", "/chat/api/sessions/c1/messages", "", "tok", `{"text":"hi"}`, 200},
		{"no token", "POST", "/chat/api/sessions/c1/messages", "", "", `{"text":"hi"}`, 401},
		{"wrong token", "POST", "/chat/api/sessions/c1/messages", "", "nope", `{"text":"hi"}`, 401},
		{"unknown chat", "POST", "/chat/api/sessions/c9/messages", "", "tok", `{"text":"hi"}`, 404},
		{"too long", "POST", "/chat/api/sessions/c1/messages", "", "tok", `{"text":"` + strings.Repeat("x", 5000) + `"}`, 413},
		{"body over 16 KB", "POST", "/chat/api/sessions/c1/messages", "", "tok", `{"text":"` + strings.Repeat("x", 20000) + `"}`, 413},
		{"empty", "POST", "/chat/api/sessions/c1/messages", "", "tok", `{"text":"  "}`, 400},
		{"history without token", "GET", "/chat/api/sessions/c1/messages", "", "", ``, 401},
		{"not an image", "POST", "/chat/api/sessions/c1/attachments", "", "tok", `<svg onload=alert(1)>`, 415},
		{"preflight", "OPTIONS", "/chat/api/sessions", "https://shop.example", "", ``, 204},
	}
	for _, c := range cases {
		w := do(c.method, c.path, c.origin, c.token, c.body)
		if w.Code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, w.Code, w.Body, c.want)
		}
		if c.origin == "https://shop.example" && w.Header().Get("Access-Control-Allow-Origin") != c.origin {
			t.Errorf("%s: no CORS header for an allowed origin", c.name)
		}
	}
}

// FuzzChatAPI: any body to any visitor endpoint gets a 2xx or 4xx answer, never a crash or a 500.
func FuzzChatAPI(f *testing.F) {
	h := chatMux()
	f.Add("/chat/api/sessions", `{"name":"Li","phone":"13800138000"}`)
	f.Add("/chat/api/sessions/c1/messages", `{"text":"hi"}`)
	f.Add("/chat/api/offline", `{"text":"call me","phone":"1"}`)
	f.Add("/chat/api/sessions/c1/typing", `{"typing":true}`)
	f.Fuzz(func(t *testing.T, path, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " %#?") {
			return
		}
		if _, err := url.ParseRequestURI("/chat/api" + path); err != nil {
			return
		}
		req := httptest.NewRequest("POST", "/chat/api"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer tok")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("POST %s %q: %d %s", path, body, w.Code, w.Body)
		}
	})
}
