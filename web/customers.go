package web

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hotline-cc/hotline/customer"
	"github.com/hotline-cc/hotline/record"
)

// Customers is the profile service behind /api/customers (package customer implements it).
type Customers interface {
	Lookup(phone, email string) (*record.Customer, error)
	Create(p customer.Patch) (*record.Customer, error)
	Get(id string) (*record.Customer, error)
	Update(id string, p customer.Patch) (*record.Customer, error)
	Timeline(id string) ([]customer.Entry, error)
	Merge(into, from, by string) (*record.Merge, error)
	Unmerge(mergeID, by string) (*record.Customer, error)
	Merges(id string) ([]*record.Merge, error)
	Export(id string) ([]byte, error)
	Erase(id, by string) error
}

// maxCustomerBody bounds a profile's JSON body.
const maxCustomerBody = 64 << 10

func (a *API) customerRoutes(mux *http.ServeMux) {
	// The profile page (web/calls/customer.html): static; it reads the API below with the
	// viewer's desktop session, so agents open it from the screen pop.
	mux.Handle("GET /customers/{id}", pageHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, staffFiles, "calls/customer.html")
	})))
	mux.Handle("GET /api/customers", a.desk(a.lookupCustomer, false))
	mux.Handle("POST /api/customers", a.desk(a.createCustomer, false))
	mux.Handle("GET /api/customers/{id}", a.desk(a.getCustomer, false))
	mux.Handle("PATCH /api/customers/{id}", a.desk(a.updateCustomer, false))
	mux.Handle("GET /api/customers/{id}/timeline", a.desk(a.customerTimeline, false))
	mux.Handle("POST /api/customers/{id}/merge", a.desk(a.mergeCustomer, false))
	mux.Handle("GET /api/customers/{id}/merges", a.desk(a.customerMerges, false))
	mux.Handle("POST /api/customer-merges/{id}/undo", a.desk(a.undoMerge, false))
	mux.Handle("GET /api/customers/{id}/export", a.desk(a.exportCustomer, false))
	mux.Handle("DELETE /api/customers/{id}", a.desk(a.eraseCustomer, true))
}

// desk lets through the admin token and any desktop session (agents see the profile of whom
// they talk to); adminOnly lets through only the admin token and admin sessions.
func (a *API) desk(h http.HandlerFunc, adminOnly bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v viewer
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && a.AdminToken != "" &&
			subtle.ConstantTimeCompare([]byte(tok), []byte(a.AdminToken)) == 1 {
			v = viewer{ID: "admin-token", Role: record.RoleAdmin}
		} else if a.Desktop != nil {
			if s := a.Desktop.session(r); s != nil {
				v = viewer{ID: s.agent, Role: s.role}
			}
		}
		if v.ID == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="hotline"`)
			writeError(w, http.StatusUnauthorized, "log in on /agent, or send Authorization: Bearer <admin token>")
			return
		}
		if adminOnly && v.Role != record.RoleAdmin {
			writeError(w, http.StatusForbidden, "this needs the admin role")
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), viewerKey{}, v)))
	})
}

// customerError answers a service error with its status: 404 unknown, 409 conflicting, 400 an
// unusable phone number or e-mail address.
func (a *API) customerError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, record.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, customer.ErrConflict), errors.Is(err, customer.ErrUndone):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, customer.ErrNotPhone), errors.Is(err, record.ErrNoIdentifier):
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		a.Log.Error("customers API", "error", err)
		writeError(w, http.StatusInternalServerError, "internal error")
	}
}

// decodeBody reads a JSON object into v, refusing unknown fields and bodies past the bound.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxCustomerBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("bad JSON body: %v", err))
		return false
	}
	return true
}

func (a *API) lookupCustomer(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	phone, email := strings.TrimSpace(q.Get("phone")), strings.TrimSpace(q.Get("email"))
	if (phone == "") == (email == "") {
		writeError(w, http.StatusBadRequest, "give one of ?phone= or ?email=")
		return
	}
	c, err := a.Customers.Lookup(phone, email)
	if err != nil {
		a.customerError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (a *API) createCustomer(w http.ResponseWriter, r *http.Request) {
	var p customer.Patch
	if !decodeBody(w, r, &p) {
		return
	}
	c, err := a.Customers.Create(p)
	if err != nil {
		a.customerError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (a *API) getCustomer(w http.ResponseWriter, r *http.Request) {
	c, err := a.Customers.Get(r.PathValue("id"))
	if err != nil {
		a.customerError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (a *API) updateCustomer(w http.ResponseWriter, r *http.Request) {
	var p customer.Patch
	if !decodeBody(w, r, &p) {
		return
	}
	c, err := a.Customers.Update(r.PathValue("id"), p)
	if err != nil {
		a.customerError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (a *API) customerTimeline(w http.ResponseWriter, r *http.Request) {
	tl, err := a.Customers.Timeline(r.PathValue("id"))
	if err != nil {
		a.customerError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, tl)
}

func (a *API) mergeCustomer(w http.ResponseWriter, r *http.Request) {
	var body struct {
		From string `json:"from"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if body.From == "" {
		writeError(w, http.StatusBadRequest, `give the profile to merge in as {"from": "<id>"}`)
		return
	}
	m, err := a.Customers.Merge(r.PathValue("id"), body.From, viewerOf(r).ID)
	if err != nil {
		a.customerError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (a *API) customerMerges(w http.ResponseWriter, r *http.Request) {
	ms, err := a.Customers.Merges(r.PathValue("id"))
	if err != nil {
		a.customerError(w, err)
		return
	}
	if ms == nil {
		ms = []*record.Merge{}
	}
	writeJSON(w, http.StatusOK, ms)
}

func (a *API) undoMerge(w http.ResponseWriter, r *http.Request) {
	c, err := a.Customers.Unmerge(r.PathValue("id"), viewerOf(r).ID)
	if err != nil {
		a.customerError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (a *API) exportCustomer(w http.ResponseWriter, r *http.Request) {
	out, err := a.Customers.Export(r.PathValue("id"))
	if err != nil {
		a.customerError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="customer.json"`)
	_, _ = w.Write(out)
}

func (a *API) eraseCustomer(w http.ResponseWriter, r *http.Request) {
	if err := a.Customers.Erase(r.PathValue("id"), viewerOf(r).ID); err != nil {
		a.customerError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
