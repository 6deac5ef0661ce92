package web

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"net/http"
	"strings"

	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/replies"
)

// The reply-script library (话术库): /replies is the review page (generate candidates, approve,
// edit, reject in bulk); /api/replies is its API. Supervisors and admins (and the admin token)
// write and review; agents read approved scripts and their quick replies for a call.

//go:embed replies
var repliesFiles embed.FS

// Replies is the script library behind /api/replies (package replies implements it).
type Replies interface {
	List(f replies.Filter) ([]*record.Script, error)
	Get(id string) (*record.Script, error)
	Create(d replies.Draft, author string) (*record.Script, error)
	Edit(id string, e replies.Edit, author string) (*record.Script, error)
	Review(ids []string, action, note, by string) ([]*record.Script, error)
	Generate(ctx context.Context, req replies.Request) (*replies.Result, error)
	Quick(intent, lang string, limit int) ([]*record.Script, error)
	Use(id string) (*record.Script, error)
	Engine() string
}

// maxQuickReplies bounds the quick replies of one answer.
const maxQuickReplies = 20

func (a *API) repliesRoutes(mux *http.ServeMux) {
	files, _ := fs.Sub(repliesFiles, "replies")
	mux.Handle("GET /replies", pageHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, files, "replies.html")
	})))
	mux.Handle("GET /replies/", http.StripPrefix("/replies/", pageHeaders(http.FileServerFS(files))))

	mux.Handle("GET /api/replies", a.desk(a.listReplies, false))
	mux.Handle("POST /api/replies", a.staff(a.createReply, false))
	mux.Handle("GET /api/replies/engine", a.desk(a.replyEngine, false))
	mux.Handle("GET /api/replies/quick", a.desk(a.quickReplies, false))
	mux.Handle("POST /api/replies/generate", a.staff(a.generateReplies, false))
	mux.Handle("POST /api/replies/review", a.staff(a.reviewReplies, false))
	mux.Handle("GET /api/replies/{id}", a.desk(a.getReply, false))
	mux.Handle("PATCH /api/replies/{id}", a.staff(a.editReply, false))
	mux.Handle("POST /api/replies/{id}/use", a.desk(a.useReply, false))
}

// replyError answers a library error with its status: 404 unknown, 400 invalid.
func (a *API) replyError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, record.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, replies.ErrInvalid):
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		a.Log.Error("replies API", "error", err)
		writeError(w, http.StatusInternalServerError, "internal error")
	}
}

// listReplies: ?intent=&status=&lang=. Agents see approved scripts only.
func (a *API) listReplies(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := replies.Filter{Intent: q.Get("intent"), Status: q.Get("status"), Lang: q.Get("lang")}
	if !record.Supervises(viewerOf(r).Role) {
		if f.Status != "" && f.Status != record.ScriptApproved {
			writeError(w, http.StatusForbidden, "agents see approved scripts only")
			return
		}
		f.Status = record.ScriptApproved
	}
	list, err := a.Replies.List(f)
	if err != nil {
		a.replyError(w, err)
		return
	}
	if list == nil {
		list = []*record.Script{}
	}
	writeJSON(w, http.StatusOK, list)
}

func (a *API) getReply(w http.ResponseWriter, r *http.Request) {
	sc, err := a.Replies.Get(r.PathValue("id"))
	if err == nil && sc.Status != record.ScriptApproved && !record.Supervises(viewerOf(r).Role) {
		err = record.ErrNotFound
	}
	if err != nil {
		a.replyError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, sc)
}

func (a *API) createReply(w http.ResponseWriter, r *http.Request) {
	var d replies.Draft
	if !decodeBody(w, r, &d) {
		return
	}
	sc, err := a.Replies.Create(d, viewerOf(r).ID)
	if err != nil {
		a.replyError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, sc)
}

func (a *API) editReply(w http.ResponseWriter, r *http.Request) {
	var e replies.Edit
	if !decodeBody(w, r, &e) {
		return
	}
	sc, err := a.Replies.Edit(r.PathValue("id"), e, viewerOf(r).ID)
	if err != nil {
		a.replyError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, sc)
}

// reviewReplies: {"ids": [...], "action": "approve"|"retire"|"reject", "note": "..."}.
func (a *API) reviewReplies(w http.ResponseWriter, r *http.Request) {
	var body struct {
		IDs    []string `json:"ids"`
		Action string   `json:"action"`
		Note   string   `json:"note"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	changed, err := a.Replies.Review(body.IDs, body.Action, body.Note, viewerOf(r).ID)
	if err != nil {
		a.replyError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, changed)
}

// generateReplies: {"intents": [...], "tone": "formal"|"warm"|"brief", "count": n, "lang": "en-US"|"zh-CN"}.
func (a *API) generateReplies(w http.ResponseWriter, r *http.Request) {
	var req replies.Request
	if !decodeBody(w, r, &req) {
		return
	}
	req.Author = viewerOf(r).ID
	res, err := a.Replies.Generate(r.Context(), req)
	if err != nil {
		a.replyError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (a *API) replyEngine(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"engine": a.Replies.Engine()})
}

func (a *API) useReply(w http.ResponseWriter, r *http.Request) {
	sc, err := a.Replies.Get(r.PathValue("id"))
	if err == nil && sc.Status != record.ScriptApproved {
		err = record.ErrNotFound // only approved scripts are used on calls
	}
	if err == nil {
		sc, err = a.Replies.Use(sc.ID)
	}
	if err != nil {
		a.replyError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": sc.ID, "uses": sc.Uses})
}

// quickReply is an approved script as the desktop inserts it: its text with the call's
// variables filled, and the variables still to be said by hand.
type quickReply struct {
	*record.Script
	Filled  string   `json:"filled"`
	Missing []string `json:"missing"`
}

// quickReplies: ?intent=X&lang=Y&call=ID (or &customer=ID for a chat in progress). The call (optional) gives the customer whose details
// fill the variables, and its analysed intent when none is given; lang defaults to the
// customer's language.
func (a *API) quickReplies(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	intent, lang := q.Get("intent"), q.Get("lang")
	vars := map[string]string{}
	if id := q.Get("call"); id != "" && a.Records != nil {
		c, err := a.Records.GetCall(id)
		if err != nil {
			a.replyError(w, err)
			return
		}
		if intent == "" && c.Analysis != nil {
			intent = c.Analysis.Intent
		}
		if c.CustomerID != "" && a.Customers != nil {
			if cu, err := a.Customers.Get(c.CustomerID); err == nil {
				customerVars(vars, cu)
				if lang == "" {
					lang = cu.Language
				}
			}
		}
	}
	// A chat in progress has no record yet: its customer is named directly.
	if id := q.Get("customer"); id != "" && q.Get("call") == "" && a.Customers != nil {
		if cu, err := a.Customers.Get(id); err == nil {
			customerVars(vars, cu)
			if lang == "" {
				lang = cu.Language
			}
		}
	}
	if intent == "" {
		writeError(w, http.StatusBadRequest, "give intent=, or call= of an analysed call")
		return
	}
	if lang == "" {
		lang = record.LangEnglish
	}
	list, err := a.Replies.Quick(intent, lang, maxQuickReplies)
	if err != nil {
		a.replyError(w, err)
		return
	}
	out := make([]quickReply, 0, len(list))
	for _, sc := range list {
		filled := replies.Fill(sc.Text, vars)
		out = append(out, quickReply{Script: sc, Filled: filled, Missing: nonNil(replies.Variables(filled))})
	}
	writeJSON(w, http.StatusOK, out)
}

// customerVars are the variables a customer's profile fills: customer.name, customer.phone,
// customer.email, and each free field both as customer.<key> and as <key> (${order}).
func customerVars(vars map[string]string, cu *record.Customer) {
	vars["customer.name"] = cu.Name
	if len(cu.Phones) > 0 {
		vars["customer.phone"] = cu.Phones[0]
	}
	if len(cu.Emails) > 0 {
		vars["customer.email"] = cu.Emails[0]
	}
	for k, v := range cu.Fields {
		k = strings.TrimSpace(k)
		vars["customer."+k] = v
		if _, taken := vars[k]; !taken {
			vars[k] = v
		}
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
