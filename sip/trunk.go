package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"

	gsip "github.com/emiago/sipgo/sip"
	"github.com/google/uuid"
)

// TrunkRequest is a call to an external number through a SIP trunk (a carrier or a PBX): an INVITE to
// sip:<Number>@<Host>, our codec offer, From the caller id at our address, and digest credentials for
// the carrier's 401/407 challenges.
type TrunkRequest struct {
	Trunk     string // trunk name, for logs
	Number    string // the number dialled: the request URI's user part
	Host      string // the carrier: host or host:port (default port 5060)
	Transport string // "udp" (default) or "tcp"
	// CallerID is the number presented (From user); "" presents an anonymous caller.
	CallerID string
	// Username and Password answer digest challenges; without a password a challenge ends the attempt.
	Username, Password string
	// OnProgress hears 180 Ringing and 183 Session Progress, so the caller can be given ringback.
	OnProgress func(code int, reason string)
	// OnEarlyMedia is called once, before OnProgress, when a provisional response (183, or a 180) first
	// carries an SDP answer: the leg's media then runs early, and the carrier's in-band audio (its own
	// ringback, "the number you dialled is not in service") goes wherever early.SwapAudioIn says. The
	// 200 OK keeps that media; a failure closes it. Without OnEarlyMedia, provisional SDP is ignored.
	// It runs on the dialling goroutine: it must not block.
	OnEarlyMedia func(early EarlyMedia)
	// SRTP is the trunk's SRTP policy (srtp.go); off by default.
	SRTP SRTPPolicy
	// Log is the logger of the call being transferred: every line of the trunk leg names that call.
	Log *slog.Logger
}

// ErrBadTrunk is returned for a trunk request that cannot be dialled as written.
var ErrBadTrunk = errors.New("bad trunk request")

// DialTrunk calls an external number through a trunk and waits until it answers, or fails:
//
//   - The number was reached and did not take the call: the error wraps media.ErrBusy,
//     media.ErrNoAnswer or media.ErrDeclined and the *ResponseError that said so, and reads as a
//     call record keeps it, "busy (486 Busy Here)". When ctx is done first (the dial timeout) the
//     INVITE is CANCELled and the error is media.ErrNoAnswer itself, "no answer".
//   - The trunk could not be used: the error names the trunk and the number, and wraps a
//     *ResponseError (ErrAuthFailed, ErrNotAcceptable), or ErrUnreachable (also when ctx ended
//     before the carrier responded at all), or what else went wrong.
//
// The answered leg is bridged like an agent's.
func (s *Server) DialTrunk(ctx context.Context, req TrunkRequest) (*OutboundCall, error) {
	uri, err := trunkURI(req)
	if err != nil {
		return nil, fmt.Errorf("trunk %s: %w", req.Trunk, err)
	}
	log := req.Log
	if log == nil {
		log = s.log
	}
	id := uuid.NewString()
	log = log.With("trunk", req.Trunk, "trunk_call_id", id)
	fromUser, fromName := req.CallerID, ""
	if fromUser == "" {
		fromUser, fromName = "anonymous", "Anonymous"
	}
	log.Info("dialling through trunk", "number", req.Number, "uri", uri.String(), "caller_id", fromUser,
		"auth", req.Password != "")
	o, err := s.placeCallSRTP(ctx, outboundInvite{
		callID: id, uri: uri, fromUser: fromUser, fromName: fromName,
		username: req.Username, password: req.Password, onProgress: req.OnProgress,
		onEarlyMedia: req.OnEarlyMedia, srtp: req.SRTP, log: log,
	})
	if err != nil {
		log.Info("trunk call not answered", "number", req.Number, "error", err.Error())
		if nr := notReached(err); nr != nil {
			return nil, nr
		}
		return nil, fmt.Errorf("trunk %s to %s: %w", req.Trunk, req.Number, err)
	}
	log.Info("trunk call answered", "number", req.Number, "codec", o.Codec())
	return o, nil
}

// trunkURI is sip:<number>@<host>[:port][;transport=tcp].
func trunkURI(req TrunkRequest) (gsip.Uri, error) {
	if req.Number == "" || strings.ContainsAny(req.Number, "@:;?<> \t\r\n") {
		return gsip.Uri{}, fmt.Errorf("%w: number %q", ErrBadTrunk, req.Number)
	}
	host, port := req.Host, 0
	if h, p, err := net.SplitHostPort(req.Host); err == nil {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return gsip.Uri{}, fmt.Errorf("%w: host %q", ErrBadTrunk, req.Host)
		}
		host, port = h, n
	}
	if host == "" {
		return gsip.Uri{}, fmt.Errorf("%w: no host", ErrBadTrunk)
	}
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]" // IPv6 literal
	}
	u := gsip.Uri{Scheme: "sip", User: req.Number, Host: host, Port: port, UriParams: gsip.NewParams()}
	switch t := strings.ToLower(req.Transport); t {
	case "", "udp":
	case "tcp":
		u.UriParams.Add("transport", "tcp")
	default:
		return gsip.Uri{}, fmt.Errorf("%w: transport %q (use udp or tcp)", ErrBadTrunk, req.Transport)
	}
	return u, nil
}
