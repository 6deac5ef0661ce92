package config

import (
	"net/url"
	"os"
	"strings"
)

// Chat configures the web chat channel (package chat) and its adapters for messaging platforms.
//
//	chat:
//	  bot: assistant               # the dialplan's bot profile that answers chats ("" : straight to an agent)
//	  instructions: "Answer in short paragraphs; links are fine."   # added to the bot's for text
//	  queue: support               # where chats go when the bot does not name a queue
//	  calendar: support-hours      # the dialplan calendar of chat hours ("": always open)
//	  capacity: 3                  # chats an agent may have open at once (an agent's chat_capacity overrides it)
//	  origins: ["https://shop.example.com"]   # pages that may embed the widget (hotline's own always may)
//	  identity_secret_env: HOTLINE_CHAT_IDENTITY_SECRET   # verifies sites' signed user ids
//	  vip_tag: vip                 # customers with this tag queue first (default customers.vip_tag)
//	  offer_timeout: 30s
//	  queue_timeout: 10m           # then what the visitor wrote becomes a task
//	  idle_timeout: 30m
//	  rate_per_minute: 30          # messages per session
//	  address_per_minute: 120      # messages and new chats per visitor address
//	  channels:                    # messaging platforms: webhook in, HTTP callback out, HMAC both ways
//	    - name: wechat
//	      secret_env: HOTLINE_CHAT_WECHAT_SECRET
//	      callback: "https://bridge.example.com/hotline/out"
type Chat struct {
	Off               bool          `yaml:"off"`
	Bot               string        `yaml:"bot"`
	Instructions      string        `yaml:"instructions"`
	Queue             string        `yaml:"queue"`
	Calendar          string        `yaml:"calendar"`
	Capacity          *int          `yaml:"capacity"`
	Origins           []string      `yaml:"origins"`
	IdentitySecret    string        `yaml:"identity_secret"`
	IdentitySecretEnv string        `yaml:"identity_secret_env"`
	VIPTag            string        `yaml:"vip_tag"`
	OfferTimeout      Duration      `yaml:"offer_timeout"`
	QueueTimeout      Duration      `yaml:"queue_timeout"`
	IdleTimeout       Duration      `yaml:"idle_timeout"`
	RatePerMinute     int           `yaml:"rate_per_minute"`
	AddressPerMinute  int           `yaml:"address_per_minute"`
	Channels          []ChatChannel `yaml:"channels"`
}

// ChatChannel is one messaging platform's adapter.
type ChatChannel struct {
	Name      string `yaml:"name"`
	Secret    string `yaml:"secret"`
	SecretEnv string `yaml:"secret_env"`
	Callback  string `yaml:"callback"`
}

// SecretValue is the channel's signing secret.
func (c ChatChannel) SecretValue() string {
	if c.SecretEnv != "" {
		return os.Getenv(c.SecretEnv)
	}
	return c.Secret
}

// IdentitySecretValue is the secret sites sign their users' ids with ("" none).
func (c Chat) IdentitySecretValue() string {
	if c.IdentitySecretEnv != "" {
		return os.Getenv(c.IdentitySecretEnv)
	}
	return c.IdentitySecret
}

// MaxChatCapacity bounds chat.capacity and an agent's chat_capacity.
const MaxChatCapacity = 50

// ChatCapacity is chat.capacity, default 3.
func (c Chat) ChatCapacity() int {
	if c.Capacity == nil {
		return 3
	}
	return *c.Capacity
}

// ChatRate is chat.rate_per_minute, default 30.
func (c Chat) ChatRate() int {
	if c.RatePerMinute <= 0 {
		return 30
	}
	return c.RatePerMinute
}

// ChatAddressRate is chat.address_per_minute, default four sessions' worth.
func (c Chat) ChatAddressRate() int {
	if c.AddressPerMinute <= 0 {
		return 4 * c.ChatRate()
	}
	return c.AddressPerMinute
}

func (c *Config) validateChat(bad func(line int, format string, args ...any)) {
	ch := c.Chat
	if ch.Capacity != nil && (*ch.Capacity < 0 || *ch.Capacity > MaxChatCapacity) {
		bad(c.line("chat", "capacity"), "chat.capacity %d: want 0 to %d chats per agent", *ch.Capacity, MaxChatCapacity)
	}
	for _, o := range ch.Origins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			bad(c.line("chat", "origins"), "chat.origins %q: want an origin such as https://shop.example.com (scheme and host, no path)", o)
		}
	}
	seen := map[string]bool{}
	for _, p := range ch.Channels {
		switch {
		case p.Name == "" || strings.ContainsAny(p.Name, "/ :") || p.Name == "web":
			bad(c.line("chat", "channels"), "chat.channels: name %q: want a short name without spaces, slashes or colons (not \"web\")", p.Name)
		case seen[p.Name]:
			bad(c.line("chat", "channels"), "chat.channels: %q twice", p.Name)
		case p.SecretValue() == "":
			bad(c.line("chat", "channels"), "chat.channels %s: no secret (set secret_env to a variable that holds it): unsigned webhooks are refused", p.Name)
		}
		seen[p.Name] = true
		if u, err := url.Parse(p.Callback); p.Callback != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https")) {
			bad(c.line("chat", "channels"), "chat.channels %s: callback %q is not an http(s) URL", p.Name, p.Callback)
		}
	}
}
