package accounts

import (
	"path/filepath"
	"testing"

	"github.com/hotline-cc/hotline/config"
	"github.com/hotline-cc/hotline/record"
	hsip "github.com/hotline-cc/hotline/sip"
	"github.com/hotline-cc/hotline/store"
	"golang.org/x/crypto/bcrypt"
)

func TestSeedAndLoad(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// An account made with `hotline agent add` before: not in the configuration, kept.
	sue := &record.Agent{ID: "sue", Name: "Sue", Role: record.RoleSupervisor}
	if err := SetPassword(sue, "hotline", "sue-secret-1"); err != nil {
		t.Fatal(err)
	}
	if err := st.PutAgent(sue); err != nil {
		t.Fatal(err)
	}
	agents := []config.Agent{
		{ID: "alice", Password: "alice-demo", Skills: map[string]int{"billing": 3}, Ring: "web"},
		{ID: "bob", Name: "Bob", HA1: "0123456789abcdef0123456789abcdef", PasswordHash: "$2a$10$fixed", Ring: "both"},
	}
	if err := Seed(st, agents, "hotline"); err != nil {
		t.Fatal(err)
	}
	alice, _ := st.GetAgent("alice")
	if alice.Name != "alice" || alice.HA1 != hsip.HA1("alice", "hotline", "alice-demo") || alice.Skills["billing"] != 3 ||
		bcrypt.CompareHashAndPassword([]byte(alice.PasswordHash), []byte("alice-demo")) != nil || alice.Ring != record.RingBrowser {
		t.Fatalf("alice %+v", alice)
	}
	// Seeding again with the same password keeps the hash (bcrypt is slow, and salted).
	if err := Seed(st, agents, "hotline"); err != nil {
		t.Fatal(err)
	}
	if again, _ := st.GetAgent("alice"); again.PasswordHash != alice.PasswordHash {
		t.Fatal("the same password was hashed again")
	}
	if bob, _ := st.GetAgent("bob"); bob.PasswordHash != "$2a$10$fixed" || bob.HA1 != "0123456789abcdef0123456789abcdef" {
		t.Fatalf("bob %+v", bob)
	}
	if err := Seed(st, []config.Agent{{ID: "x", Ring: "fax"}}, "hotline"); err == nil {
		t.Fatal("a bad ring value was seeded")
	}

	d, err := Load(st)
	if err != nil {
		t.Fatal(err)
	}
	if all := d.All(); len(all) != 3 || all[0].ID != "alice" || all[2].ID != "sue" {
		t.Fatalf("all %+v", all)
	}
	if h, ok := d.HA1("sue"); !ok || h != hsip.HA1("sue", "hotline", "sue-secret-1") {
		t.Fatal("sue's SIP secret")
	}
	if _, ok := d.HA1("nobody"); ok {
		t.Fatal("a secret for nobody")
	}
	if d.Ring("bob") != record.RingBoth || d.Ring("alice") != record.RingBrowser || d.Ring("sue") != "" {
		t.Fatal("ring preferences")
	}
	if k := d.Known(); !k["alice"] || !k["sue"] || k["nobody"] {
		t.Fatalf("known %v", k)
	}
	if err := SetPassword(&record.Agent{ID: "y"}, "hotline", "short"); err == nil {
		t.Fatal("a short password was taken")
	}
}
