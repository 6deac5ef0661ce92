package sip

import (
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"testing"
	"time"

	gsip "github.com/emiago/sipgo/sip"
	"github.com/emiago/sipgo/siptest"
)

type testCreds map[string]string // user → HA1

func (c testCreds) HA1(user string) (string, bool) {
	h, ok := c[user]
	return h, ok
}

// regClient sends REGISTERs straight to a registrar's Handle, as phones at various addresses.
type regClient struct {
	t *testing.T
	r *Registrar
	n int
}

const regRealm = "hotline.test"

// send sends one REGISTER for user from src with an Authorization header (none when "") and
// returns the response.
func (c *regClient) send(src, user, authz string) *gsip.Response {
	c.t.Helper()
	c.n++
	raw := fmt.Sprintf("REGISTER sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-reg-%d\r\n"+
		"From: <sip:%s@%s>;tag=r%d\r\nTo: <sip:%s@%s>\r\nCall-ID: reg-%d\r\nCSeq: %d REGISTER\r\n"+
		"Contact: <sip:%s@%s>\r\nExpires: 3600\r\n", regRealm, src, c.n, user, regRealm, c.n, user, regRealm, c.n, c.n, user, src)
	if authz != "" {
		raw += "Authorization: " + authz + "\r\n"
	}
	m, err := gsip.ParseMessage([]byte(raw + "Content-Length: 0\r\n\r\n"))
	if err != nil {
		c.t.Fatal(err)
	}
	req := m.(*gsip.Request)
	req.SetSource(src)
	tx := siptest.NewServerTxRecorder(req)
	c.r.Handle(req, tx)
	res := tx.Result()
	if len(res) != 1 {
		c.t.Fatalf("REGISTER from %s: %d responses", src, len(res))
	}
	return res[0]
}

// authz is the digest answer for user's password to nonce.
func authz(user, password, nonce string) string {
	uri := "sip:" + regRealm
	resp := md5hex(HA1(user, regRealm, password) + ":" + nonce + ":" + md5hex("REGISTER:"+uri))
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", algorithm=MD5`, user, regRealm, nonce, uri, resp)
}

var nonceParam = regexp.MustCompile(`nonce="([^"]+)"`)

// register registers user from src as a phone does: a REGISTER, and when challenged, another with
// the digest answer for password. It returns the final response.
func (c *regClient) register(src, user, password string) *gsip.Response {
	c.t.Helper()
	res := c.send(src, user, "")
	if res.StatusCode != 401 {
		return res
	}
	h := res.GetHeader("WWW-Authenticate")
	m := nonceParam.FindStringSubmatch(h.Value())
	if m == nil {
		c.t.Fatalf("challenge without a nonce: %s", h.Value())
	}
	return c.send(src, user, authz(user, password, m[1]))
}

// TestRegisterThrottle walks through the registrar's rule: 5 failed authentications for one user
// from one address within a minute (counted from the first of them; a success neither counts nor
// resets the count) block that user on that address for a minute from the 5th. Blocked, every
// REGISTER for the user from the address is refused with 403 and no challenge, whatever its
// credentials; other users behind the same address (a NAT), and other addresses, are served.
// After the minute the count starts over.
func TestRegisterThrottle(t *testing.T) {
	clock := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	advance := func(d time.Duration) { clock = clock.Add(d) }
	r := NewRegistrar(RegistrarConfig{Realm: regRealm}, testCreds{
		"alice": HA1("alice", regRealm, "alice-pw"), "bob": HA1("bob", regRealm, "bob-pw"),
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	r.now = func() time.Time { return clock }
	c := &regClient{t: t, r: r}
	const phone, other = "192.0.2.10:5060", "198.51.100.20:5062"

	expect := func(step string, res *gsip.Response, code int, reason string) {
		t.Helper()
		if res.StatusCode != code || res.Reason != reason {
			t.Fatalf("%s: %d %s, want %d %s", step, res.StatusCode, res.Reason, code, reason)
		}
	}
	refused := func(step string, res *gsip.Response) {
		t.Helper()
		expect(step, res, 403, "Too Many Failed Attempts")
		if res.GetHeader("WWW-Authenticate") != nil {
			t.Errorf("%s: the refusal carries a challenge", step)
		}
	}
	wrong := func(step string, src string) {
		t.Helper()
		expect(step, c.register(src, "alice", "guess"), 403, "Forbidden")
		r.Expire() // the server's periodic sweep must not change the count
		advance(time.Second)
	}

	for i := 1; i <= 4; i++ {
		wrong(fmt.Sprintf("failure %d", i), phone)
	}
	expect("alice's password after 4 failures", c.register(phone, "alice", "alice-pw"), 200, "OK")
	advance(time.Second)
	wrong("failure 5, after a success", phone)
	blockedAt := clock.Add(-time.Second)

	advance(30 * time.Second)
	r.Expire()
	refused("blocked: a REGISTER without credentials", c.send(phone, "alice", ""))
	refused("blocked: alice's password", c.send(phone, "alice", authz("alice", "alice-pw", r.nonces.make(clock))))
	expect("another user on the same address during the block", c.register(phone, "bob", "bob-pw"), 200, "OK")
	if st := r.BlockStats(); st.UserBlocks != 1 || st.BlockedUsers != 1 || st.AddressBlocks != 0 || st.BlockedAddresses != 0 {
		t.Errorf("block stats %+v, want one user block in force", st)
	}
	expect("another address during the block", c.register(other, "alice", "alice-pw"), 200, "OK")

	clock = blockedAt.Add(time.Minute - time.Millisecond)
	r.Expire()
	refused("blocked until the minute is up", c.register(phone, "alice", "alice-pw"))

	clock = blockedAt.Add(time.Minute)
	r.Expire()
	expect("after the minute", c.register(phone, "alice", "alice-pw"), 200, "OK")

	// The count starts over, and failures further apart than a minute do not add up.
	first := clock
	for i := 1; i <= 4; i++ {
		wrong(fmt.Sprintf("failure %d after the block", i), phone)
	}
	clock = first.Add(time.Minute + time.Second)
	wrong("a failure more than a minute after the first of 4", phone)
	for i := 2; i <= 3; i++ {
		wrong(fmt.Sprintf("failure %d of a new minute", i), phone)
	}
	// A malformed Authorization header is a failure too: the 4th.
	expect("a malformed Authorization header", c.send(phone, "alice", "Digest nonsense"), 400, "Bad Authorization Header")
	wrong("failure 5 of the new minute", phone)
	refused("blocked again", c.register(phone, "alice", "alice-pw"))
}

// TestRegisterSpray: failures for 5 distinct users from one address within a minute (someone
// trying names, or one password on many users) block the whole address, every user, for a minute;
// other addresses are served.
func TestRegisterSpray(t *testing.T) {
	clock := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	creds := testCreds{"bob": HA1("bob", regRealm, "bob-pw")}
	r := NewRegistrar(RegistrarConfig{Realm: regRealm}, creds, slog.New(slog.NewTextHandler(io.Discard, nil)))
	r.now = func() time.Time { return clock }
	c := &regClient{t: t, r: r}
	const nat, other = "192.0.2.10:5060", "198.51.100.20:5062"
	for i := 1; i <= 4; i++ {
		if res := c.register(nat, fmt.Sprintf("10%d", i), "1234"); res.StatusCode != 403 || res.Reason != "Forbidden" {
			t.Fatalf("guess %d: %d %s", i, res.StatusCode, res.Reason)
		}
		clock = clock.Add(time.Second)
	}
	if res := c.register(nat, "bob", "bob-pw"); res.StatusCode != 200 {
		t.Fatalf("bob after failures for 4 users: %d %s", res.StatusCode, res.Reason)
	}
	c.register(nat, "105", "1234")
	for _, u := range []string{"bob", "106"} {
		if res := c.register(nat, u, "bob-pw"); res.StatusCode != 403 || res.Reason != "Too Many Failed Attempts" {
			t.Errorf("%s after failures for 5 users: %d %s, want the address blocked", u, res.StatusCode, res.Reason)
		}
	}
	if res := c.register(other, "bob", "bob-pw"); res.StatusCode != 200 {
		t.Errorf("bob from another address: %d %s", res.StatusCode, res.Reason)
	}
	if st := r.BlockStats(); st.AddressBlocks != 1 || st.BlockedAddresses != 1 || st.UserBlocks != 0 {
		t.Errorf("block stats %+v, want one address block", st)
	}
	clock = clock.Add(time.Minute)
	r.Expire()
	if res := c.register(nat, "bob", "bob-pw"); res.StatusCode != 200 {
		t.Errorf("bob after the minute: %d %s", res.StatusCode, res.Reason)
	}
	if st := r.BlockStats(); st.BlockedAddresses != 0 || st.AddressBlocks != 1 {
		t.Errorf("block stats after the minute %+v", st)
	}
}
