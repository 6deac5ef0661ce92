// Package accounts keeps agents' accounts: it seeds the agents hotline.yaml lists into the store
// (a bcrypt hash for the desktop login, the SIP digest HA1 for phones; never a plain password),
// and loads every stored account into a Directory that the registrar (SIP credentials), the desk
// (which device rings) and the dialplan (which agents queues may name) read.
package accounts

import (
	"errors"
	"fmt"
	"sort"

	"github.com/hotline-cc/hotline/config"
	"github.com/hotline-cc/hotline/record"
	hsip "github.com/hotline-cc/hotline/sip"
	"golang.org/x/crypto/bcrypt"
)

// Store keeps accounts (the store implements it).
type Store interface {
	GetAgent(id string) (*record.Agent, error)
	PutAgent(a *record.Agent) error
	ListAgents() ([]*record.Agent, error)
}

// MinPassword is the shortest password SetPassword takes.
const MinPassword = 8

// SetPassword gives a its desktop login (bcrypt) and SIP secret (HA1 in realm) for password.
func SetPassword(a *record.Agent, realm, password string) error {
	if len(password) < MinPassword {
		return fmt.Errorf("a password needs at least %d characters", MinPassword)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	a.PasswordHash, a.HA1 = string(h), hsip.HA1(a.ID, realm, password)
	return nil
}

// Seed writes the configured agents into the store: name, role, skills and ring preference as
// configured; the SIP secret from ha1 or the plain password; the desktop login from
// password_hash, or the plain password hashed (again only when it changed, bcrypt being slow).
// Accounts the store has and the configuration does not stay as they are.
func Seed(st Store, agents []config.Agent, realm string) error {
	for _, a := range agents {
		acc, err := st.GetAgent(a.ID)
		if err != nil && !errors.Is(err, record.ErrNotFound) {
			return err
		}
		if acc == nil {
			acc = &record.Agent{ID: a.ID}
		}
		ring, ok := record.ParseRing(a.Ring)
		if !ok {
			return fmt.Errorf("agent %s: ring %q must be browser, sip or both", a.ID, a.Ring)
		}
		acc.Name, acc.Role, acc.Skills, acc.Ring = a.Name, a.Role, a.Skills, ring
		if acc.Name == "" {
			acc.Name = a.ID
		}
		switch {
		case a.HA1 != "":
			acc.HA1 = a.HA1
		case a.Password != "":
			acc.HA1 = hsip.HA1(a.ID, realm, a.Password)
		}
		switch {
		case a.PasswordHash != "":
			acc.PasswordHash = a.PasswordHash
		case a.Password != "" && (acc.PasswordHash == "" || bcrypt.CompareHashAndPassword([]byte(acc.PasswordHash), []byte(a.Password)) != nil):
			h, err := bcrypt.GenerateFromPassword([]byte(a.Password), bcrypt.DefaultCost)
			if err != nil {
				return fmt.Errorf("agent %s: %w", a.ID, err)
			}
			acc.PasswordHash = string(h)
		}
		if err := st.PutAgent(acc); err != nil {
			return err
		}
	}
	return nil
}

// Directory is the accounts as they were loaded at start.
type Directory struct {
	byID map[string]*record.Agent
}

// Load reads every stored account.
func Load(st Store) (*Directory, error) {
	list, err := st.ListAgents()
	if err != nil {
		return nil, err
	}
	d := &Directory{byID: make(map[string]*record.Agent, len(list))}
	for _, a := range list {
		d.byID[a.ID] = a
	}
	return d, nil
}

// All lists the accounts by id.
func (d *Directory) All() []*record.Agent {
	out := make([]*record.Agent, 0, len(d.byID))
	for _, a := range d.byID {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// HA1 is a user's SIP digest secret (the registrar's credentials).
func (d *Directory) HA1(user string) (string, bool) {
	a := d.byID[user]
	if a == nil || a.HA1 == "" {
		return "", false
	}
	return a.HA1, true
}

// Ring is the agent's device preference (record.Ring*; "" is the default).
func (d *Directory) Ring(agent string) string {
	if a := d.byID[agent]; a != nil {
		r, _ := record.ParseRing(a.Ring)
		return r
	}
	return ""
}

// Known is the set of agent ids queues may name.
func (d *Directory) Known() map[string]bool {
	m := make(map[string]bool, len(d.byID))
	for id := range d.byID {
		m[id] = true
	}
	return m
}

var _ hsip.Credentials = (*Directory)(nil)
