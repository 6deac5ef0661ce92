package config

// Customers configures customer profiles (package customer).
//
//	customers:
//	  default_country: "86"   # calling code given to numbers without one (13800138000 → +8613800138000)
//	  vip_tag: vip            # callers and chats whose profile has this tag queue first ("" none)
//	  vip_priority: 50        # the queue priority they get (0-100; a queue node's own higher priority stays)
//	  bot_context: true       # bots are told the customer's recent contacts (redacted summaries)
type Customers struct {
	DefaultCountry string `yaml:"default_country"`
	VIPTag         string `yaml:"vip_tag"`
	VIPPriority    *int   `yaml:"vip_priority"`
	BotContext     *bool  `yaml:"bot_context"`
}

// DefaultVIPPriority is the queue priority of VIP customers when customers.vip_priority is not set.
const DefaultVIPPriority = 50

// VIPPriorityValue is customers.vip_priority, or DefaultVIPPriority.
func (c Customers) VIPPriorityValue() int {
	if c.VIPPriority == nil {
		return DefaultVIPPriority
	}
	return *c.VIPPriority
}

// BotContextOn is customers.bot_context, on unless set to false.
func (c Customers) BotContextOn() bool { return c.BotContext == nil || *c.BotContext }

// defaultCountry is the calling code used when customers.default_country is not set.
const defaultCountry = "86"

// CustomerCountry is customers.default_country, or "86".
func (c *Config) CustomerCountry() string {
	if c.Customers.DefaultCountry == "" {
		return defaultCountry
	}
	return c.Customers.DefaultCountry
}

func (c *Config) validateCustomers(bad func(line int, format string, args ...any)) {
	cc := c.Customers.DefaultCountry
	ok := len(cc) <= 3
	for _, r := range cc {
		ok = ok && r >= '0' && r <= '9'
	}
	if !ok || (cc != "" && cc[0] == '0') {
		bad(c.line("customers", "default_country"), "customers.default_country %q: want a calling code of 1 to 3 digits without + (86, 1, 44)", cc)
	}
	if p := c.Customers.VIPPriorityValue(); p < 0 || p > 100 {
		bad(c.line("customers", "vip_priority"), "customers.vip_priority %d: want 0 to 100 (higher is served first)", p)
	}
}
