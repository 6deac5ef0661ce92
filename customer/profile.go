package customer

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/record"
)

// Get returns the profile id, or an error wrapping record.ErrNotFound.
func (s *Service) Get(id string) (*record.Customer, error) { return s.st.GetCustomer(id) }

// Lookup returns the profile a phone number or e-mail address leads to; exactly one of the two
// is given. An unusable identifier is an error, an unknown one wraps record.ErrNotFound.
func (s *Service) Lookup(phone, email string) (*record.Customer, error) {
	switch {
	case phone != "" && email == "":
		p, err := Normalize(phone, s.country)
		if err != nil {
			return nil, err
		}
		return s.st.CustomerByKey("phone:" + p)
	case email != "" && phone == "":
		e, err := NormalizeEmail(email)
		if err != nil {
			return nil, err
		}
		return s.st.CustomerByKey("email:" + e)
	}
	return nil, fmt.Errorf("customer: look up by one of phone or e-mail: %w", ErrNoIdentifier)
}

// Patch is a change to a profile; nil fields stay as they are. A Fields entry with an empty
// value deletes the field.
type Patch struct {
	Name      *string           `json:"name"`
	Phones    *[]string         `json:"phones"`
	Emails    *[]string         `json:"emails"`
	ChatUsers *[]string         `json:"chat_users"`
	Tags      *[]string         `json:"tags"`
	Consent   *record.Consent   `json:"consent"`
	Language  *string           `json:"language"`
	Fields    map[string]string `json:"fields"`
}

// Create makes a new profile from p. Its identifiers must not lead to another profile.
func (s *Service) Create(p Patch) (*record.Customer, error) {
	now := s.now()
	c := &record.Customer{ID: newID("cu_"), Created: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.apply(c, p); err != nil {
		return nil, err
	}
	c.Updated = now
	if err := s.st.PutCustomer(c); err != nil {
		return nil, fmt.Errorf("customer: create: %w", err)
	}
	return c, nil
}

// Update applies p to profile id.
func (s *Service) Update(id string, p Patch) (*record.Customer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.st.GetCustomer(id)
	if err != nil {
		return nil, fmt.Errorf("customer: update: %w", err)
	}
	if err := s.apply(c, p); err != nil {
		return nil, err
	}
	c.Updated = s.now()
	if err := s.st.PutCustomer(c); err != nil {
		return nil, fmt.Errorf("customer: update: %w", err)
	}
	return c, nil
}

// apply validates and applies p to c; identifiers are normalised and must not belong to
// another profile (merge those instead).
func (s *Service) apply(c *record.Customer, p Patch) error {
	if p.Name != nil {
		c.Name = strings.TrimSpace(*p.Name)
	}
	if p.Phones != nil {
		var out []string
		for _, ph := range *p.Phones {
			n, err := Normalize(ph, s.country)
			if err != nil {
				return err
			}
			out = append(out, n)
		}
		c.Phones = out
	}
	if p.Emails != nil {
		var out []string
		for _, e := range *p.Emails {
			n, err := NormalizeEmail(e)
			if err != nil {
				return err
			}
			out = append(out, n)
		}
		c.Emails = out
	}
	if p.ChatUsers != nil {
		c.ChatUsers = append([]string(nil), *p.ChatUsers...)
	}
	for _, k := range c.Keys() {
		other, err := s.st.CustomerByKey(k)
		if err == nil && other.ID != c.ID {
			return fmt.Errorf("customer: %s leads to %s: %w", k, other.ID, ErrConflict)
		}
		if err != nil && !errors.Is(err, record.ErrNotFound) {
			return fmt.Errorf("customer: %s: %w", k, err)
		}
	}
	if p.Tags != nil {
		c.Tags = append([]string(nil), *p.Tags...)
	}
	if p.Consent != nil {
		c.Consent = *p.Consent
	}
	if p.Language != nil {
		c.Language = strings.TrimSpace(*p.Language)
	}
	for k, v := range p.Fields {
		if v == "" {
			delete(c.Fields, k)
			continue
		}
		if c.Fields == nil {
			c.Fields = map[string]string{}
		}
		c.Fields[k] = v
	}
	return nil
}

// Entry is one interaction on a profile's timeline.
type Entry struct {
	ID          string    `json:"id"`
	Channel     string    `json:"channel"` // "voice" or "chat"
	At          time.Time `json:"at"`
	Disposition string    `json:"disposition,omitempty"`
	Queue       string    `json:"queue,omitempty"`
	Agent       string    `json:"agent,omitempty"`
	Summary     string    `json:"summary,omitempty"`
	Sentiment   string    `json:"sentiment,omitempty"`
	Categories  []string  `json:"categories,omitempty"`
}

func entryOf(c *record.Call) Entry {
	e := Entry{ID: c.ID, Channel: "voice", At: c.Start, Disposition: c.Disposition, Queue: c.Queue, Agent: c.Agent}
	if c.Channel != record.ChannelVoice {
		e.Channel = c.Channel
	}
	if a := c.Analysis; a != nil {
		e.Summary, e.Sentiment = a.Summary, a.Sentiment.Label
		for _, cat := range a.Categories {
			e.Categories = append(e.Categories, cat.Name)
		}
	}
	return e
}

// Timeline is profile id's interactions, newest first.
func (s *Service) Timeline(id string) ([]Entry, error) {
	if _, err := s.st.GetCustomer(id); err != nil {
		return nil, fmt.Errorf("customer: timeline: %w", err)
	}
	calls, err := s.st.ListCalls(record.CallQuery{CustomerID: id, Newest: true})
	if err != nil {
		return nil, fmt.Errorf("customer: timeline %s: %w", id, err)
	}
	out := make([]Entry, 0, len(calls))
	for _, c := range calls {
		out = append(out, entryOf(c))
	}
	return out, nil
}

// Brief is the short picture of profile id for a screen pop.
func (s *Service) Brief(id string) (*record.CustomerBrief, error) {
	c, err := s.st.GetCustomer(id)
	if err != nil {
		return nil, fmt.Errorf("customer: brief: %w", err)
	}
	return s.brief(c)
}

func (s *Service) brief(c *record.Customer) (*record.CustomerBrief, error) {
	since := s.now().Add(-BriefDays * 24 * time.Hour)
	calls, err := s.st.ListCalls(record.CallQuery{CustomerID: c.ID, Since: since, Newest: true})
	if err != nil {
		return nil, fmt.Errorf("customer: brief %s: %w", c.ID, err)
	}
	b := &record.CustomerBrief{ID: c.ID, Name: c.Name, Tags: c.Tags, Language: c.Language, Contacts: len(calls), Days: BriefDays,
		Fields: c.Fields}
	for _, cl := range calls {
		if len(b.Recent) == RecentContacts {
			break
		}
		if e := entryOf(cl); e.Summary != "" {
			sum := e.Summary
			if s.Redact != nil {
				sum = s.Redact(sum)
			}
			b.Recent = append(b.Recent, record.RecentContact{At: e.At, Channel: e.Channel, Summary: sum})
		}
	}
	noun := "contacts"
	if len(calls) == 1 {
		noun = "contact"
	}
	b.Text = fmt.Sprintf("%d %s in %d days", len(calls), noun, BriefDays)
	if len(calls) > 0 {
		var last []string
		e := entryOf(calls[0])
		switch {
		case len(e.Categories) > 0:
			last = append(last, e.Categories[0])
		case calls[0].Analysis != nil && calls[0].Analysis.Intent != "":
			last = append(last, calls[0].Analysis.Intent)
		case e.Disposition != "":
			last = append(last, e.Disposition)
		}
		if e.Sentiment != "" {
			last = append(last, e.Sentiment)
		}
		if len(last) > 0 {
			b.Text += ", last: " + strings.Join(last, ", ")
		}
	}
	return b, nil
}

// Export is a profile with its timeline and interactions, as JSON, for a data-access request.
func (s *Service) Export(id string) ([]byte, error) {
	c, err := s.st.GetCustomer(id)
	if err != nil {
		return nil, fmt.Errorf("customer: export: %w", err)
	}
	calls, err := s.st.ListCalls(record.CallQuery{CustomerID: id})
	if err != nil {
		return nil, fmt.Errorf("customer: export %s: %w", id, err)
	}
	tl := make([]Entry, 0, len(calls))
	for _, cl := range calls {
		tl = append(tl, entryOf(cl))
	}
	out, err := json.MarshalIndent(struct {
		Customer     *record.Customer `json:"customer"`
		Timeline     []Entry          `json:"timeline"`
		Interactions []*record.Call   `json:"interactions"`
	}{c, tl, calls}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("customer: export %s: %w", id, err)
	}
	return out, nil
}

// Erase deletes profile id and its identifiers; with an Eraser it deletes its interactions'
// records and recordings too, without one it only unlinks them.
func (s *Service) Erase(id, by string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cust, err := s.st.GetCustomer(id)
	if err != nil {
		return fmt.Errorf("customer: erase: %w", err)
	}
	calls, err := s.st.ListCalls(record.CallQuery{CustomerID: id})
	if err != nil {
		return fmt.Errorf("customer: erase %s: %w", id, err)
	}
	var chats []string
	for _, c := range calls {
		if c.Channel == record.ChannelChat {
			chats = append(chats, c.ID)
		}
		if s.Eraser != nil {
			err = s.Eraser.EraseInteraction(c)
		} else {
			err = s.st.UpdateCall(c.ID, func(c *record.Call) error { c.CustomerID = ""; return nil })
		}
		if err != nil && !errors.Is(err, record.ErrNotFound) {
			return fmt.Errorf("customer: erase %s: interaction %s: %w", id, c.ID, err)
		}
	}
	tasks := 0
	if s.Eraser != nil {
		if tasks, err = s.Eraser.EraseTasks(cust, chats); err != nil {
			return fmt.Errorf("customer: erase %s: tasks: %w", id, err)
		}
	}
	// Merge records hold snapshots of the profiles they joined: they go too.
	merges, err := s.st.ListMerges("")
	if err != nil {
		return fmt.Errorf("customer: erase %s: %w", id, err)
	}
	for _, m := range merges {
		if m.Into == id || m.From == id {
			if err := s.st.DeleteMerge(m.ID); err != nil {
				return fmt.Errorf("customer: erase %s: %w", id, err)
			}
		}
	}
	if err := s.st.DeleteCustomer(id); err != nil {
		return fmt.Errorf("customer: erase: %w", err)
	}
	s.log.Info("customer: erased", "customer", id, "by", by, "interactions", len(calls), "tasks", tasks, "deleted", s.Eraser != nil)
	return nil
}

// KeepFields stores fields on profile id (what a CRM lookup answered, for the next contact);
// an empty value deletes the field.
func (s *Service) KeepFields(id string, fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	_, err := s.Update(id, Patch{Fields: fields})
	return err
}
