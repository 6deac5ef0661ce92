package webhook

import (
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/hotline-cc/hotline/record"
)

// Defaults of a Config's zero fields.
const (
	DefaultMaxAge  = 24 * time.Hour
	DefaultTimeout = 10 * time.Second
)

// Events lists the event types an endpoint can subscribe to.
var Events = []string{record.EventCallEnded, record.EventCallAnalyzed}

// Endpoint is one receiver of webhook events.
type Endpoint struct {
	Name   string   `yaml:"name" json:"name"`     // names it in deliveries and the UI
	URL    string   `yaml:"url" json:"url"`       // http or https
	Secret string   `yaml:"secret" json:"-"`      // HMAC key of its signatures
	Events []string `yaml:"events" json:"events"` // event types it gets; empty means all
}

// Config is the webhook configuration.
type Config struct {
	Endpoints []Endpoint    `yaml:"endpoints"`
	MaxAge    time.Duration `yaml:"max_age"` // retry an event for up to this long; 0: DefaultMaxAge
	Timeout   time.Duration `yaml:"timeout"` // of one request; 0: DefaultTimeout
}

// Validate checks every endpoint, naming the one at fault.
func (c Config) Validate() error {
	seen := map[string]int{}
	for i, ep := range c.Endpoints {
		at := fmt.Sprintf("webhook endpoint %d (%q)", i+1, ep.Name)
		if ep.Name == "" {
			return fmt.Errorf("%w: %s has no name", ErrConfig, at)
		}
		if j, dup := seen[ep.Name]; dup {
			return fmt.Errorf("%w: %s has the name of endpoint %d", ErrConfig, at, j)
		}
		seen[ep.Name] = i + 1
		u, err := url.Parse(ep.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%w: %s url %q is not an http or https URL", ErrConfig, at, ep.URL)
		}
		if ep.Secret == "" {
			return fmt.Errorf("%w: %s has no secret (receivers could not check its signatures)", ErrConfig, at)
		}
		for _, e := range ep.Events {
			if !slices.Contains(Events, e) {
				return fmt.Errorf("%w: %s event %q is none of %v", ErrConfig, at, e, Events)
			}
		}
	}
	if c.MaxAge < 0 || c.Timeout < 0 {
		return fmt.Errorf("%w: max_age and timeout must not be negative", ErrConfig)
	}
	return nil
}

func (c Config) endpoint(name string) (Endpoint, bool) {
	for _, ep := range c.Endpoints {
		if ep.Name == name {
			return ep, true
		}
	}
	return Endpoint{}, false
}

func (ep Endpoint) wants(event string) bool {
	return len(ep.Events) == 0 || slices.Contains(ep.Events, event)
}
