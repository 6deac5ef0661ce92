package record

import "time"

// Chat states.
const (
	ChatBot    = "bot"    // the bot answers
	ChatQueued = "queued" // waiting for an agent
	ChatAgent  = "agent"  // an agent has it
	ChatEnded  = "ended"
)

// Chat authors (ChatMessage.From), as the visitor and the API see them.
const (
	FromVisitor = "visitor"
	FromBot     = "bot"
	FromAgent   = "agent"
	FromSystem  = "system" // the chat's own notices: waiting, ended
)

// Chat is one web chat or messaging-platform conversation while it lives: what the chat
// channel needs to go on after a restart. Its messages are kept apart (ChatMessage); when the
// chat ends, its interaction record is a Call with Channel ChannelChat.
type Chat struct {
	ID string `json:"id"`
	// TokenHash is the SHA-256 of the visitor's session token (the token itself is not kept).
	TokenHash []byte `json:"token_hash"`
	// Source is "web" (the widget and the text API) or the name of a channel adapter.
	Source string `json:"source"`
	// External is the visitor's id on the messaging platform (adapter chats).
	External string      `json:"external,omitempty"`
	Visitor  ChatVisitor `json:"visitor"`
	Language string      `json:"language,omitempty"`
	Origin   string      `json:"origin,omitempty"` // the page's origin (widget chats)
	Page     string      `json:"page,omitempty"`
	Address  string      `json:"address,omitempty"` // the visitor's address when the chat started

	State      string    `json:"state"`
	Queue      string    `json:"queue,omitempty"`
	Agent      string    `json:"agent,omitempty"`
	AgentName  string    `json:"agent_name,omitempty"`
	CustomerID string    `json:"customer_id,omitempty"`
	Handoff    *Handoff  `json:"handoff,omitempty"`
	Started    time.Time `json:"started"`
	Queued     time.Time `json:"queued,omitzero"`
	Answered   time.Time `json:"answered,omitzero"`
	Ended      time.Time `json:"ended,omitzero"`
	EndCause   string    `json:"end_cause,omitempty"`
}

// ChatVisitor is what the visitor told the pre-chat form, and the site's user id when the
// site's backend signed it (a verified identity).
type ChatVisitor struct {
	Name   string `json:"name,omitempty"`
	Phone  string `json:"phone,omitempty"`
	Email  string `json:"email,omitempty"`
	UserID string `json:"user_id,omitempty"` // verified
}

// ChatMessage is one message of a chat.
type ChatMessage struct {
	Seq  int64     `json:"seq"`
	From string    `json:"from"`           // FromVisitor, FromBot, FromAgent, FromSystem
	Name string    `json:"name,omitempty"` // the agent's display name
	Text string    `json:"text"`
	At   time.Time `json:"at"`
	// Image is the content type of the image the message carries ("" for text only).
	Image string `json:"image,omitempty"`
}

// Task is work for agents that is not a live conversation: a message left outside business
// hours.
type Task struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"` // TaskOfflineMessage
	Name     string    `json:"name,omitempty"`
	Phone    string    `json:"phone,omitempty"`
	Email    string    `json:"email,omitempty"`
	Text     string    `json:"text"`
	Language string    `json:"language,omitempty"`
	Chat     string    `json:"chat,omitempty"` // the chat it came from, if any
	Created  time.Time `json:"created"`
	Done     time.Time `json:"done,omitzero"`
	DoneBy   string    `json:"done_by,omitempty"`
}

// TaskOfflineMessage is a message left in the chat widget outside business hours.
const TaskOfflineMessage = "offline_message"
