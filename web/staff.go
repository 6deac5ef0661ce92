package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/hotline-cc/hotline/record"
)

// Pages and API calls that show customer data (calls, recordings, transcripts, insights) are for
// staff: the admin token, or a desktop login with the supervisor or admin role.

// viewer is who is looking, for the audit log and for what redaction kept aside.
type viewer struct {
	ID   string // the agent id, or "admin-token"
	Role string // record.RoleSupervisor or record.RoleAdmin
}

type viewerKey struct{}

func viewerOf(r *http.Request) viewer {
	v, _ := r.Context().Value(viewerKey{}).(viewer)
	return v
}

// staff lets through the admin token and supervisor or admin sessions; a page (html) without
// either is sent to the desktop's login, an API call gets 401 or 403.
func (a *API) staff(h http.HandlerFunc, html bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v viewer
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && a.AdminToken != "" &&
			subtle.ConstantTimeCompare([]byte(tok), []byte(a.AdminToken)) == 1 {
			v = viewer{ID: "admin-token", Role: record.RoleAdmin}
		} else if a.Desktop != nil {
			if s := a.Desktop.session(r); s != nil {
				if !record.Supervises(s.role) {
					writeError(w, http.StatusForbidden, "this needs the supervisor or admin role")
					return
				}
				v = viewer{ID: s.agent, Role: s.role}
			}
		}
		if v.ID == "" {
			if html {
				http.Redirect(w, r, "/agent?next="+r.URL.Path, http.StatusSeeOther)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="hotline"`)
			writeError(w, http.StatusUnauthorized, "log in as a supervisor on /agent, or send Authorization: Bearer <admin token>")
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), viewerKey{}, v)))
	})
}
