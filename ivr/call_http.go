package ivr

import (
	"context"

	"github.com/hotline-cc/hotline/dialplan"
)

// HTTP sends an http node's request for real; dialplan.DoHTTP bounds its time and response size.
func (c *call) HTTP(ctx context.Context, req dialplan.HTTPRequest) (dialplan.HTTPResponse, error) {
	return dialplan.DoHTTP(ctx, req)
}
