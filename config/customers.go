package config

// Customers configures customer profiles (package customer).
//
//	customers:
//	  default_country: "86"   # calling code given to numbers without one (13800138000 → +8613800138000)
type Customers struct {
	DefaultCountry string `yaml:"default_country"`
}

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
}
