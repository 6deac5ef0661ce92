package chat

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/record"
)

// Messaging platforms (WeChat official accounts, WhatsApp, Telegram, SMS gateways) all work the
// same way: the platform calls a webhook with each user message, and the service calls the
// platform's API to answer. A small bridge for each platform speaks hotline's one generic
// adapter:
//
//	in:  POST /chat/channels/{name}/webhook  {"user": "platform user id", "name": "…", "text": "…"}
//	     headers X-Hotline-Timestamp (Unix seconds) and
//	     X-Hotline-Signature: sha256=hex(HMAC-SHA256(secret, timestamp + "." + body))
//	out: POST {callback} {"user": "…", "chat_id": "…", "message": Message}  signed the same way,
//	     for every bot, agent and notice message of the chat, in order.
//
// The webhook answers once the bot's reply is complete, with it in the body as well.

// Channel is one platform's adapter.
type Channel struct {
	Name     string
	Secret   []byte
	Callback string // "" : replies only in the webhook's answer
}

// MaxSkew is how far a signed request's timestamp may be from now (replays are refused).
const MaxSkew = 5 * time.Minute

// Sign signs body at ts for a channel: the X-Hotline-Signature value.
func Sign(secret []byte, ts int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signed request: the signature over timestamp and body, and the timestamp
// within MaxSkew of now.
func Verify(secret []byte, timestamp, signature string, body []byte, now time.Time) error {
	ts, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: X-Hotline-Timestamp %q is not Unix seconds", ErrUnauthorized, timestamp)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > MaxSkew || d < -MaxSkew {
		return fmt.Errorf("%w: timestamp %s is more than %v away from now", ErrUnauthorized, timestamp, MaxSkew)
	}
	want := Sign(secret, ts, body)
	if len(secret) == 0 || !hmac.Equal([]byte(want), []byte(strings.TrimSpace(signature))) {
		return fmt.Errorf("%w: bad X-Hotline-Signature", ErrUnauthorized)
	}
	return nil
}

// Inbound is a platform user's message: it goes to the user's open chat on that channel, or
// starts one, and returns the bot's reply.
func (s *Service) Inbound(ctx context.Context, channel, user, name, text string) (string, []record.ChatMessage, error) {
	ch, ok := s.cfg.Channels[channel]
	if !ok {
		return "", nil, ErrNotFound
	}
	if user == "" {
		return "", nil, fmt.Errorf("%w: no user", ErrEmpty)
	}
	key := channel + "\x00" + user
	s.mu.Lock()
	ss := s.sessions[s.external[key]]
	s.mu.Unlock()
	if ss == nil || ss.ended() {
		op, err := s.Create(ctx, Start{Name: name, Source: channel, External: clip(user, 200)})
		if err != nil {
			return "", nil, err
		}
		s.mu.Lock()
		ss = s.sessions[op.ID]
		s.mu.Unlock()
		if ss == nil {
			return "", nil, ErrEnded
		}
		if ch.Callback != "" {
			s.forward(ss, ch, op.Messages)
		}
	}
	msgs, err := ss.post(ctx, input{text: text})
	return ss.id, msgs, err
}

// forward sends the chat's messages from hotline's side to the platform's callback until the
// chat ends. first are messages already written (the greeting).
func (s *Service) forward(ss *session, ch Channel, first []record.ChatMessage) {
	updates, cancel := ss.subscribe()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		client := &http.Client{Timeout: 5 * time.Second}
		send := func(m record.ChatMessage) {
			if m.From == record.FromVisitor {
				return
			}
			body, _ := json.Marshal(map[string]any{"user": ss.meta.External, "chat_id": ss.id, "message": m})
			for try := range 3 {
				if err := s.post(client, ch, body); err == nil {
					return
				} else if try == 2 {
					ss.log.Warn("chat: the platform's callback failed; message not delivered there", "channel", ch.Name, "seq", m.Seq, "error", err)
				}
				select {
				case <-s.ctx.Done():
					return
				case <-time.After(time.Duration(try+1) * 500 * time.Millisecond):
				}
			}
		}
		for _, m := range first {
			send(m)
		}
		for {
			select {
			case <-s.ctx.Done():
				return
			case u := <-updates:
				if u.Type == "message" && u.Message != nil {
					send(*u.Message)
				}
				if u.Type == "state" && u.State == record.ChatEnded {
					// The last notice comes before the state; drain what is queued.
					for {
						select {
						case u := <-updates:
							if u.Type == "message" && u.Message != nil {
								send(*u.Message)
							}
						default:
							return
						}
					}
				}
			}
		}
	}()
}

func (s *Service) post(client *http.Client, ch Channel, body []byte) error {
	ts := s.cfg.Now().Unix()
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, ch.Callback, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hotline-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Hotline-Signature", Sign(ch.Secret, ts, body))
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("callback answered %s", resp.Status)
	}
	return nil
}

// ChannelSecret is the named channel's secret, for the webhook's check.
func (s *Service) ChannelSecret(name string) ([]byte, bool) {
	ch, ok := s.cfg.Channels[name]
	return ch.Secret, ok
}
