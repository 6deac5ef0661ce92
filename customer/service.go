package customer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/hotline-cc/hotline/record"
)

var (
	// ErrNoIdentifier is returned by Identify when none of the identifiers is usable.
	ErrNoIdentifier = record.ErrNoIdentifier
	// ErrUndone is returned by Unmerge for a merge already undone.
	ErrUndone = errors.New("customer: merge already undone")
	// ErrConflict is returned when an identifier already leads to another profile.
	ErrConflict = errors.New("customer: identifier belongs to another profile")
)

// BriefDays is the window of a brief's contact count.
const BriefDays = 7

// RecentContacts is how many summaries of earlier contacts a brief carries.
const RecentContacts = 3

// Store is where profiles, their identifier index, merges and interactions live (package
// store implements it).
type Store interface {
	PutCustomer(c *record.Customer) error
	GetCustomer(id string) (*record.Customer, error)
	CustomerByKey(key string) (*record.Customer, error)
	DeleteCustomer(id string) error
	PutMerge(m *record.Merge) error
	GetMerge(id string) (*record.Merge, error)
	ListMerges(into string) ([]*record.Merge, error) // "" lists all
	DeleteMerge(id string) error
	ListCalls(q record.CallQuery) ([]*record.Call, error)
	UpdateCall(id string, fn func(*record.Call) error) error
}

// Eraser deletes what a profile's erasure must take with it, for Erase.
type Eraser interface {
	// EraseInteraction deletes a call's or chat's record, its recordings, transcript and
	// messages.
	EraseInteraction(c *record.Call) error
	// EraseTasks deletes the tasks (offline messages) left with the profile's identifiers or
	// from chats, and returns how many went.
	EraseTasks(c *record.Customer, chats []string) (int, error)
}

// Service finds, merges and describes customer profiles. It is safe for concurrent use.
type Service struct {
	st      Store
	country string
	log     *slog.Logger
	// Eraser, when set, lets Erase delete the interactions too; without it Erase only unlinks
	// them from the profile.
	Eraser Eraser
	// Redact, when set, redacts the summaries a brief carries once more before they go into a
	// bot's context (they were written from redacted transcripts; this also covers summaries an
	// agent's wrap-up or an older analyser wrote).
	Redact func(string) string
	now    func() time.Time

	// mu serialises changes: Identify's look-up-then-create must not make two profiles for
	// one number calling twice at once.
	mu sync.Mutex
}

// New returns a Service over st; numbers without a country code get defaultCountry ("86").
func New(st Store, defaultCountry string, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{st: st, country: defaultCountry, log: log, now: func() time.Time { return time.Now().UTC() }}
}

func newID(prefix string) string { return prefix + strings.ReplaceAll(uuid.NewString(), "-", "")[:16] }

// NormalizeEmail lower-cases and trims an e-mail address, or fails on one without a local part
// and a domain.
func NormalizeEmail(s string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(s))
	at := strings.LastIndexByte(e, '@')
	if at <= 0 || at == len(e)-1 || strings.ContainsAny(e, " \t<>,;") {
		return "", fmt.Errorf("e-mail %q: not an address: %w", s, ErrNoIdentifier)
	}
	return e, nil
}

type lookup struct{ key, what string }

// keysOf turns identifiers into index keys in Identify's order of trust: a verified chat user,
// then the phone, then the e-mail. Unusable identifiers are dropped (and logged).
func (s *Service) keysOf(ids record.Identifiers) []lookup {
	var out []lookup
	if u := strings.TrimSpace(ids.ChatUser); u != "" {
		out = append(out, lookup{"chat:" + u, "chat user " + u})
	}
	if ids.Phone != "" {
		if p, err := Normalize(ids.Phone, s.country); err == nil {
			out = append(out, lookup{"phone:" + p, "phone " + p})
		} else {
			s.log.Debug("customer: phone not used", "err", err)
		}
	}
	if ids.Email != "" {
		if e, err := NormalizeEmail(ids.Email); err == nil {
			out = append(out, lookup{"email:" + e, "email " + e})
		} else {
			s.log.Debug("customer: e-mail not used", "err", err)
		}
	}
	return out
}

// addKey adds an index key's identifier to c; it reports whether c changed.
func addKey(c *record.Customer, key string) bool {
	kind, v, _ := strings.Cut(key, ":")
	var list *[]string
	switch kind {
	case "phone":
		list = &c.Phones
	case "email":
		list = &c.Emails
	case "chat":
		list = &c.ChatUsers
	default:
		return false
	}
	if slices.Contains(*list, v) {
		return false
	}
	*list = append(*list, v)
	return true
}

// Identify finds or creates the profile the identifiers lead to and attaches the interaction to
// it (when the interaction is already stored; a call at its start sets CustomerID itself). When
// the identifiers lead to two profiles, the later ones are merged into the first and the merge
// says which identifier matched. It implements chat.Customers.
func (s *Service) Identify(ctx context.Context, ids record.Identifiers, interaction string) (*record.CustomerBrief, error) {
	keys := s.keysOf(ids)
	if len(keys) == 0 {
		return nil, fmt.Errorf("customer: identify %s: %w", interaction, ErrNoIdentifier)
	}
	s.mu.Lock()
	var primary *record.Customer
	matched := ""
	for _, k := range keys {
		c, err := s.st.CustomerByKey(k.key)
		if errors.Is(err, record.ErrNotFound) {
			continue
		}
		if err != nil {
			s.mu.Unlock()
			return nil, fmt.Errorf("customer: identify %s: %w", interaction, err)
		}
		if primary == nil {
			primary, matched = c, k.what
			continue
		}
		if c.ID == primary.ID {
			continue
		}
		why := fmt.Sprintf("%s leads to %s, %s to %s", matched, primary.ID, k.what, c.ID)
		m, err := s.mergeLocked(primary.ID, c.ID, "auto", why)
		if err != nil {
			s.mu.Unlock()
			return nil, fmt.Errorf("customer: identify %s: %w", interaction, err)
		}
		s.log.Info("customer: merged", "call", interaction, "merge", m.ID, "into", m.Into, "from", m.From, "matched", why)
		if primary, err = s.st.GetCustomer(primary.ID); err != nil {
			s.mu.Unlock()
			return nil, fmt.Errorf("customer: identify %s: %w", interaction, err)
		}
	}
	now := s.now()
	changed := false
	if primary == nil {
		primary = &record.Customer{ID: newID("cu_"), Created: now}
		changed = true
	}
	for _, k := range keys {
		changed = addKey(primary, k.key) || changed
	}
	if primary.Name == "" && strings.TrimSpace(ids.Name) != "" {
		primary.Name, changed = strings.TrimSpace(ids.Name), true
	}
	if changed {
		primary.Updated = now
		if err := s.st.PutCustomer(primary); err != nil {
			s.mu.Unlock()
			return nil, fmt.Errorf("customer: identify %s: %w", interaction, err)
		}
	}
	s.mu.Unlock()
	if interaction != "" {
		err := s.st.UpdateCall(interaction, func(c *record.Call) error { c.CustomerID = primary.ID; return nil })
		if err != nil && !errors.Is(err, record.ErrNotFound) {
			return nil, fmt.Errorf("customer: identify %s: attach: %w", interaction, err)
		}
	}
	b, err := s.brief(primary)
	if err != nil {
		return nil, err
	}
	b.Matched = matched
	return b, nil
}

// Merge absorbs profile from into profile into: identifiers, tags and fields (into's win)
// join, from's interactions move, and from is deleted. The returned Merge can be undone.
func (s *Service) Merge(into, from, by string) (*record.Merge, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mergeLocked(into, from, by, "by hand")
}

func (s *Service) mergeLocked(into, from, by, why string) (*record.Merge, error) {
	if into == from {
		return nil, fmt.Errorf("customer: merge %s into itself: %w", from, ErrConflict)
	}
	a, err := s.st.GetCustomer(into)
	if err != nil {
		return nil, fmt.Errorf("customer: merge: %w", err)
	}
	b, err := s.st.GetCustomer(from)
	if err != nil {
		return nil, fmt.Errorf("customer: merge: %w", err)
	}
	m := &record.Merge{ID: newID("mg_"), Into: into, From: from, Matched: why, Before: *b, Into0: *a, At: s.now(), By: by}
	m.Before.MergedInto = into
	for _, k := range b.Keys() {
		addKey(a, k)
	}
	for _, t := range b.Tags {
		if !slices.Contains(a.Tags, t) {
			a.Tags = append(a.Tags, t)
		}
	}
	for k, v := range b.Fields {
		if _, ok := a.Fields[k]; !ok {
			if a.Fields == nil {
				a.Fields = map[string]string{}
			}
			a.Fields[k] = v
		}
	}
	if a.Name == "" {
		a.Name = b.Name
	}
	if a.Language == "" {
		a.Language = b.Language
	}
	if b.Created.Before(a.Created) && !b.Created.IsZero() {
		a.Created = b.Created
	}
	a.Updated = m.At
	calls, err := s.st.ListCalls(record.CallQuery{CustomerID: from})
	if err != nil {
		return nil, fmt.Errorf("customer: merge: %w", err)
	}
	for _, c := range calls {
		m.Interactions = append(m.Interactions, c.ID)
	}
	// The merge is written first, so a crash part way leaves a record of what was meant.
	if err := s.st.PutMerge(m); err != nil {
		return nil, fmt.Errorf("customer: merge: %w", err)
	}
	if err := s.st.DeleteCustomer(from); err != nil {
		return nil, fmt.Errorf("customer: merge: %w", err)
	}
	if err := s.st.PutCustomer(a); err != nil {
		return nil, fmt.Errorf("customer: merge: %w", err)
	}
	if err := s.moveCalls(m.Interactions, into); err != nil {
		return nil, fmt.Errorf("customer: merge %s: %w", m.ID, err)
	}
	return m, nil
}

func (s *Service) moveCalls(ids []string, to string) error {
	for _, id := range ids {
		err := s.st.UpdateCall(id, func(c *record.Call) error { c.CustomerID = to; return nil })
		if err != nil && !errors.Is(err, record.ErrNotFound) {
			return err
		}
	}
	return nil
}

// Merges lists the merges into profile id, newest first, undone ones included, so that staff
// can see why the profile holds what it holds and undo a merge.
func (s *Service) Merges(id string) ([]*record.Merge, error) {
	if _, err := s.st.GetCustomer(id); err != nil {
		return nil, fmt.Errorf("customer: merges: %w", err)
	}
	ms, err := s.st.ListMerges(id)
	if err != nil {
		return nil, fmt.Errorf("customer: merges of %s: %w", id, err)
	}
	slices.SortFunc(ms, func(a, b *record.Merge) int { return b.At.Compare(a.At) })
	return ms, nil
}

// Unmerge undoes a merge: the absorbed profile comes back as it was, with its identifiers and
// interactions, and the surviving profile loses what only the absorbed one had.
func (s *Service) Unmerge(mergeID, by string) (*record.Customer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.st.GetMerge(mergeID)
	if err != nil {
		return nil, fmt.Errorf("customer: unmerge: %w", err)
	}
	if m.Undone {
		return nil, fmt.Errorf("customer: unmerge %s: %w", mergeID, ErrUndone)
	}
	a, err := s.st.GetCustomer(m.Into)
	if err != nil {
		return nil, fmt.Errorf("customer: unmerge %s: %w", mergeID, err)
	}
	drop := func(cur, before, had []string) []string {
		return slices.DeleteFunc(cur, func(v string) bool { return slices.Contains(before, v) && !slices.Contains(had, v) })
	}
	a.Phones = drop(a.Phones, m.Before.Phones, m.Into0.Phones)
	a.Emails = drop(a.Emails, m.Before.Emails, m.Into0.Emails)
	a.ChatUsers = drop(a.ChatUsers, m.Before.ChatUsers, m.Into0.ChatUsers)
	a.Tags = drop(a.Tags, m.Before.Tags, m.Into0.Tags)
	for k := range m.Before.Fields {
		if _, had := m.Into0.Fields[k]; !had {
			delete(a.Fields, k)
		}
	}
	a.Updated = s.now()
	b := m.Before
	b.MergedInto = ""
	b.Updated = a.Updated
	if err := s.st.PutCustomer(a); err != nil {
		return nil, fmt.Errorf("customer: unmerge %s: %w", mergeID, err)
	}
	if err := s.st.PutCustomer(&b); err != nil {
		return nil, fmt.Errorf("customer: unmerge %s: %w", mergeID, err)
	}
	if err := s.moveCalls(m.Interactions, b.ID); err != nil {
		return nil, fmt.Errorf("customer: unmerge %s: %w", mergeID, err)
	}
	m.Undone = true
	if err := s.st.PutMerge(m); err != nil {
		return nil, fmt.Errorf("customer: unmerge %s: %w", mergeID, err)
	}
	s.log.Info("customer: merge undone", "merge", m.ID, "by", by, "restored", b.ID)
	return &b, nil
}
