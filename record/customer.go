package record

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
}
