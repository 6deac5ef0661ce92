package ivr

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/hotline-cc/hotline/record"
)

// Customers finds who a caller is (package customer implements it).
type Customers interface {
	// Identify finds or creates the profile the identifiers lead to; the engine sets the
	// call record's CustomerID itself, since the record is stored only as the call goes on.
	Identify(ctx context.Context, ids record.Identifiers, interaction string) (*record.CustomerBrief, error)
	// KeepFields stores fields on profile id (an http node's CRM answer, with keep: true); an
	// empty value deletes the field.
	KeepFields(id string, fields map[string]string) error
}

// VIP is the tag whose callers queue first, and the priority they queue at (0-100).
type VIP struct {
	Tag      string
	Priority int
}

// priority is the queue priority for a caller with profile b: the node's, raised to the VIP
// priority for a tagged caller.
func (v VIP) priority(b *record.CustomerBrief, node int) int {
	if v.Tag != "" && b != nil && slices.Contains(b.Tags, v.Tag) && v.Priority > node {
		return v.Priority
	}
	return node
}

// setCustomerVars sets the ${customer.*} variables from the caller's profile (see
// dialplan.CustomerVars); an unidentified caller has none.
func setCustomerVars(vars map[string]string, b *record.CustomerBrief) {
	if b == nil {
		return
	}
	vars["customer.id"] = b.ID
	vars["customer.name"] = b.Name
	vars["customer.tags"] = strings.Join(b.Tags, ",")
	vars["customer.language"] = b.Language
	vars["customer.contacts"] = strconv.Itoa(b.Contacts)
	vars["customer.brief"] = b.Text
	if len(b.Recent) > 0 {
		vars["customer.last_summary"] = b.Recent[0].Summary
	}
	for _, k := range slices.Sorted(maps.Keys(b.Fields)) {
		if _, builtin := vars["customer."+k]; !builtin {
			vars["customer."+k] = b.Fields[k]
		}
	}
}

// KeepCustomerFields stores an http node's mapped variables on the caller's profile
// (dialplan.CustomerFieldKeeper), so the next contact knows them without a lookup.
func (c *call) KeepCustomerFields(fields map[string]string) {
	e := c.engine
	if e.Customers == nil || c.rec.CustomerID == "" {
		return
	}
	if err := e.Customers.KeepFields(c.rec.CustomerID, fields); err != nil {
		c.log.Warn("keeping the CRM's fields on the profile failed", "customer", c.rec.CustomerID, "error", err)
		return
	}
	for k, v := range fields {
		c.vars["customer."+k] = v
	}
	c.log.Info("CRM fields kept on the profile", "customer", c.rec.CustomerID, "fields", len(fields))
}

// identify finds the caller's profile by the From number, once the call has a route (a
// refused probe makes no profile). A failure only leaves the call without a customer.
func (e *Engine) identify(ctx context.Context, log *slog.Logger, rec *record.Call) *record.CustomerBrief {
	if e.Customers == nil || rec.From == "" {
		return nil
	}
	b, err := e.Customers.Identify(ctx, record.Identifiers{Phone: rec.From}, rec.ID)
	switch {
	case errors.Is(err, record.ErrNoIdentifier):
		log.Debug("caller not identified", "from", rec.From, "error", err)
		return nil
	case err != nil:
		log.Warn("identifying the caller failed", "from", rec.From, "error", err)
		return nil
	}
	rec.CustomerID = b.ID
	log.Info("caller identified", "customer", b.ID, "matched", b.Matched)
	return b
}
