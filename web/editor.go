package web

import (
	"embed"
	"io/fs"
	"net/http"
)

// The dialplan editor: one static page that talks to the admin API with the
// admin token the operator types in (kept in the tab's sessionStorage only).
//
//go:embed editor
var editorFiles embed.FS

func (a *API) editorRoutes(mux *http.ServeMux) {
	sub, _ := fs.Sub(editorFiles, "editor")
	files := http.FileServer(http.FS(sub))
	mux.Handle("GET /admin/dialplan/", http.StripPrefix("/admin/dialplan/", securePage(files)))
	mux.Handle("GET /admin/dialplan", http.RedirectHandler("/admin/dialplan/", http.StatusMovedPermanently))
	mux.Handle("POST /api/dialplan/diff", a.admin(a.diffCandidate))
}

// securePage adds headers that keep the admin page from being framed or
// loading anything from elsewhere.
func securePage(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}
