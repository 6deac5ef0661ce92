package web

import (
	_ "embed"
	"net/http"
)

// The shared language helper of every page (staff pages, agent desktop, supervisor, dialplan
// editor), served at one fixed path so the choice of language and the catalogues are shared.
//
//go:embed i18n/i18n.js
var i18nJS []byte

// I18nPath is where the shared language script is served.
const I18nPath = "/i18n/i18n.js"

// i18nRoutes mounts the shared language script.
func i18nRoutes(mux *http.ServeMux) {
	mux.Handle("GET "+I18nPath, pageHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(i18nJS)
	})))
}
