package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/hotline-cc/hotline/record"
)

// Staff's side of chats: the live list for supervisors, a chat's pictures for the agent who has
// it (and supervisors), and the tasks left outside business hours for every agent.

// Tasks is what the desktop reads and closes of agents' tasks (the store implements it).
type Tasks interface {
	Tasks(open bool, limit int) ([]*record.Task, error)
	GetTask(id string) (*record.Task, error)
	PutTask(t *record.Task) error
}

func (a *API) chatStaffRoutes(mux *http.ServeMux) {
	if a.Chat != nil {
		mux.Handle("GET /api/chats", a.staff(a.liveChats, false))
		mux.HandleFunc("GET /api/chats/{id}/images/{seq}", a.chatImage)
	}
	if a.Tasks != nil {
		mux.HandleFunc("GET /api/tasks", a.listTasks)
		mux.HandleFunc("POST /api/tasks/{id}/done", a.taskDone)
	}
}

// liveChats lists the chats going on (GET /api/chats?live=1; only live chats are listed here,
// ended ones are records: /api/calls?channel=chat).
func (a *API) liveChats(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.Chat.Service.LiveChats())
}

// loggedIn is the desktop session of the request, answering 401 itself when there is none.
func (a *API) loggedIn(w http.ResponseWriter, r *http.Request) *session {
	var s *session
	if a.Desktop != nil {
		s = a.Desktop.session(r)
	}
	if s == nil {
		writeError(w, http.StatusUnauthorized, "log in on /agent first")
	}
	return s
}

func (a *API) chatImage(w http.ResponseWriter, r *http.Request) {
	s := a.loggedIn(w, r)
	if s == nil {
		return
	}
	id := r.PathValue("id")
	if !record.Supervises(s.role) {
		mine := false
		if st, ok := a.ACD.Agent(s.agent); ok {
			for _, c := range st.Chats {
				mine = mine || c == id
			}
		}
		if !mine {
			writeError(w, http.StatusForbidden, "this chat is not yours")
			return
		}
	}
	seq, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
	if err != nil {
		writeError(w, http.StatusNotFound, "no such image")
		return
	}
	img, kind, err := a.Chat.Service.StaffImage(id, seq)
	if err != nil {
		chatError(w, err)
		return
	}
	serveImage(w, img, kind)
}

func (a *API) listTasks(w http.ResponseWriter, r *http.Request) {
	if a.loggedIn(w, r) == nil {
		return
	}
	list, err := a.Tasks.Tasks(r.URL.Query().Get("all") == "", 200)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if list == nil {
		list = []*record.Task{}
	}
	writeJSON(w, http.StatusOK, list)
}

func (a *API) taskDone(w http.ResponseWriter, r *http.Request) {
	s := a.loggedIn(w, r)
	if s == nil {
		return
	}
	t, err := a.Tasks.GetTask(r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusNotFound, "no such task")
		return
	}
	if t.Done.IsZero() {
		t.Done, t.DoneBy = time.Now().UTC(), s.agent
		if err := a.Tasks.PutTask(t); err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
	}
	writeJSON(w, http.StatusOK, t)
}
