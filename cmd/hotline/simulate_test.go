package main

import (
	"io"
	"os"
	"strings"
	"testing"
)

// captureStdout runs fn and returns what it printed.
func captureStdout(t *testing.T, fn func() int) (string, int) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	code := fn()
	os.Stdout = old
	w.Close()
	out, _ := io.ReadAll(r)
	return string(out), code
}

func TestSimulateCommand(t *testing.T) {
	out, code := captureStdout(t, func() int {
		return run([]string{"simulate", "-config", "../../configs/hotline.yaml", "-to", "4008005678", "-from", "13800000000",
			"-at", "2026-12-24T10:00+08:00", "-dtmf", "4", "-say", "I want an agent"})
	})
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{"route care", "Welcome back, Li Wei.", "→ escalate → support", "queue support"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, code = captureStdout(t, func() int {
		return run([]string{"simulate", "-dialplan", "../../configs/dialplan.yaml", "-to", "4008005678", "-at", "2026-12-25 20:00", "-json"})
	})
	if code != exitOK || !strings.Contains(out, `"route": "care-closed"`) {
		t.Errorf("json: exit %d:\n%s", code, out)
	}
	if code := run([]string{"simulate", "-dialplan", "../../configs/dialplan.yaml", "-at", "tomorrow"}); code != exitConfig {
		t.Errorf("bad -at: exit %d", code)
	}
	if code := run([]string{"simulate", "-dialplan", "no-such.yaml"}); code != exitFail {
		t.Errorf("missing plan: exit %d", code)
	}
}
