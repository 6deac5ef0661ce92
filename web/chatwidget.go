package web

import (
	"embed"
	"net/http"
)

//go:embed chatwidget
var chatWidgetFiles embed.FS

// ChatWidget serves the embeddable web chat widget (GET /chat/widget.js,
// /chat/widget.css) and its demo page (GET /chat/demo). The chat API itself
// (/chat/api/...) is served elsewhere; the caller mounts this on its mux.
func ChatWidget() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /chat/widget.js", widgetFile("widget.js", "text/javascript; charset=utf-8", false))
	mux.Handle("GET /chat/widget.css", widgetFile("widget.css", "text/css; charset=utf-8", false))
	mux.Handle("GET /chat/demo", widgetFile("demo.html", "text/html; charset=utf-8", true))
	return mux
}

// widgetFile serves one embedded file. The script and stylesheet are loaded by
// other sites, so they carry no frame or CSP restrictions of their own; the
// demo page gets a strict CSP, which also proves the widget needs no inline
// script or style.
func widgetFile(name, contentType string, page bool) http.Handler {
	body, err := chatWidgetFiles.ReadFile("chatwidget/" + name)
	if err != nil {
		panic("web: embedded chat widget file missing: " + name) // a build error, not input
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", contentType)
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		if page {
			h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'")
			h.Set("Referrer-Policy", "no-referrer")
		} else {
			h.Set("Access-Control-Allow-Origin", "*") // public static files, no credentials
		}
		_, _ = w.Write(body)
	})
}
