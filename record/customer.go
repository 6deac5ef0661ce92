package record

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNoIdentifier is returned (wrapped) when none of an interaction's identifiers is usable (a
// caller number "anonymous", an e-mail without a domain).
var ErrNoIdentifier = errors.New("no usable identifier")

// Channels of an interaction, as recorded in Call.Channel. A chat is stored as an interaction
// like a call: its messages are the transcript's turns.
const (
	ChannelVoice = "" // a call (the empty value, so existing records need no change)
	ChannelChat  = "chat"
)

// Identifiers are what a channel knows of whom it is talking to. Any of them may be empty.
type Identifiers struct {
	Phone string `json:"phone,omitempty"` // as given; the customer package normalises it to E.164
	Email string `json:"email,omitempty"`
	// ChatUser is a site's user id whose HMAC signature the chat channel has verified
	// ("site:user"); never an unverified claim.
	ChatUser string `json:"chat_user,omitempty"`
	Name     string `json:"name,omitempty"`
}

// CustomerBrief is the short picture of a customer an agent's screen pop, the bot's context and
// the dialplan's ${customer.*} read.
type CustomerBrief struct {
	ID       string   `json:"id"`
	Name     string   `json:"name,omitempty"`
	Tags     []string `json:"tags,omitempty"`
	Language string   `json:"language,omitempty"`
	// Matched says which identifier found the profile ("phone +8613800138000"); empty for a new one.
	Matched string `json:"matched,omitempty"`
	// Contacts is how many interactions the profile had in the last Days days.
	Contacts int `json:"contacts"`
	Days     int `json:"days"`
	// Text is the timeline in one line: "3 contacts in 7 days, last: refund, negative".
	Text string `json:"text,omitempty"`
	// Fields are the profile's kept fields (a CRM's tier, account id), for ${customer.*}.
	Fields map[string]string `json:"fields,omitempty"`
	// Recent are the newest interactions with a summary, newest first (at most three), redacted.
	Recent []RecentContact `json:"recent,omitempty"`
}

// RecentContact is one earlier interaction as the bot's context tells it.
type RecentContact struct {
	At      time.Time `json:"at"`
	Channel string    `json:"channel"` // "voice" or "chat"
	Summary string    `json:"summary"`
}

// BotContext is what a bot is told of the customer: the one-line timeline and the recent
// contacts' summaries. It holds no name or identifier: the summaries were written from redacted
// transcripts, and nothing else of the profile reaches a model. "" when there is nothing to tell.
func (b *CustomerBrief) BotContext() string {
	if b == nil || (b.Contacts == 0 && len(b.Recent) == 0) {
		return ""
	}
	var s strings.Builder
	s.WriteString("What we know of this customer's recent contacts: ")
	s.WriteString(b.Text)
	s.WriteString(".")
	for _, r := range b.Recent {
		fmt.Fprintf(&s, "\n- %s, %s: %s", r.At.UTC().Format(time.DateOnly), r.Channel, r.Summary)
	}
	if len(b.Recent) > 0 {
		s.WriteString("\nIf the customer seems to be contacting us about one of these, ask whether that is why, in one short question.")
	}
	return s.String()
}

// Consent is what the customer agreed to.
type Consent struct {
	Recording bool `json:"recording"`
	Marketing bool `json:"marketing"`
}

// Customer is one person's profile across channels: the identifiers that lead to it and what
// staff know of them.
type Customer struct {
	ID        string   `json:"id"`
	Name      string   `json:"name,omitempty"`
	Phones    []string `json:"phones,omitempty"` // E.164
	Emails    []string `json:"emails,omitempty"` // lower case
	ChatUsers []string `json:"chat_users,omitempty"`
	Tags      []string `json:"tags,omitempty"`
	Consent   Consent  `json:"consent"`
	Language  string   `json:"language,omitempty"` // BCP 47
	// Fields are free key/values, e.g. a CRM's account id for lookups.
	Fields  map[string]string `json:"fields,omitempty"`
	Created time.Time         `json:"created"`
	Updated time.Time         `json:"updated"`
	// MergedInto is the profile this one was merged into; set only on a merge's snapshot.
	MergedInto string `json:"merged_into,omitempty"`
}

// Merge records that profile From was absorbed into Into, so that it can be explained and undone.
type Merge struct {
	ID      string    `json:"id"`
	Into    string    `json:"into"`
	From    string    `json:"from"`
	Matched string    `json:"matched,omitempty"` // which identifier led to both ("email a@b.c")
	Before  Customer  `json:"before"`            // the absorbed profile as it was
	Into0   Customer  `json:"into_before"`       // the surviving profile as it was
	At      time.Time `json:"at"`
	By      string    `json:"by"` // staff user, or "auto" for Identify
	// Interactions are the absorbed profile's interactions, moved to Into; an undo moves them back.
	Interactions []string `json:"interactions,omitempty"`
	Undone       bool     `json:"undone,omitempty"`
}

// Keys are the profile's identifiers as index keys ("phone:+86…", "email:…", "chat:site:user").
func (c *Customer) Keys() []string {
	var keys []string
	for _, p := range c.Phones {
		keys = append(keys, "phone:"+p)
	}
	for _, e := range c.Emails {
		keys = append(keys, "email:"+e)
	}
	for _, u := range c.ChatUsers {
		keys = append(keys, "chat:"+u)
	}
	return keys
}
