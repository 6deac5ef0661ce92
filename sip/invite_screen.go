package sip

import (
	"strings"

	gsip "github.com/emiago/sipgo/sip"
)

// inviteRefusal is the answer to an INVITE whose content we cannot take, or
// nil: a body that is not SDP gets 415 naming what we accept (RFC 3261
// §21.4.16, RFC 4475 invut); an Accept that rules out SDP, which our answer
// must carry, gets 406 (RFC 4475 sdp01).
func inviteRefusal(req *gsip.Request) *gsip.Response {
	if len(req.Body()) > 0 {
		ct := ""
		if h := req.ContentType(); h != nil {
			ct = h.Value()
		}
		if mt, _, _ := strings.Cut(ct, ";"); !strings.EqualFold(strings.TrimSpace(mt), "application/sdp") {
			res := gsip.NewResponseFromRequest(req, 415, "Unsupported Media Type", nil)
			res.AppendHeader(gsip.NewHeader("Accept", "application/sdp"))
			return res
		}
	}
	accepts := req.GetHeaders("Accept")
	if len(accepts) == 0 {
		return nil
	}
	for _, h := range accepts {
		for _, t := range strings.Split(h.Value(), ",") {
			mt, _, _ := strings.Cut(t, ";")
			switch strings.ToLower(strings.TrimSpace(mt)) {
			case "application/sdp", "application/*", "*/*", "":
				return nil
			}
		}
	}
	res := gsip.NewResponseFromRequest(req, 406, "Not Acceptable", nil)
	res.AppendHeader(gsip.NewHeader("Warning", `399 hotline "answers carry application/sdp"`))
	return res
}

// fillContact gives an INVITE without Contact, legal in RFC 2543 (RFC 4475
// inv2543), the From URI as its Contact: that is where RFC 2543 sends
// requests in the dialog, and sipgo's dialog layer refuses an INVITE
// without one.
func fillContact(req *gsip.Request) {
	if req.Contact() != nil {
		return
	}
	if from := req.From(); from != nil {
		req.AppendHeader(&gsip.ContactHeader{Address: *from.Address.Clone()})
	}
}
