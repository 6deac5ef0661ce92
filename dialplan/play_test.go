package dialplan_test

import (
	"path/filepath"
	"testing"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/dialplan/dialplantest"
)

func TestPlayValid(t *testing.T) {
	f := mustFlow(t, `      - {id: a, type: play, file: prompts/beep.wav, next: b}
      - {id: b, type: hangup}
`)
	a := f.Node("a").(*dialplan.PlayNode)
	want, _ := filepath.Abs("testdata/prompts/beep.wav")
	if a.File != "prompts/beep.wav" || a.Path != want {
		t.Errorf("File, Path = %q, %q; want prompts/beep.wav, %q", a.File, a.Path, want)
	}
	c := dialplantest.NewCaller()
	path, err := runFlow(t, f, c)
	if err != nil {
		t.Fatal(err)
	}
	wantLines(t, "path", path, []string{"a(play) -next-> b", "b(hangup) -hangup-> "})
	wantLines(t, "events", c.Events(), []string{"play beep.wav", "hangup normal"})
}

func TestPlayInvalid(t *testing.T) {
	got := parseErrors(t, `      - {id: a, type: play, file: prompts/missing.wav, next: b}
      - {id: b, type: play, file: prompts}
      - {id: c, type: play}
`)
	wantLines(t, "errors", got, []string{
		`test.yaml:12:35: node "a": file: file "prompts/missing.wav" not found (paths are relative to testdata)`,
		`test.yaml:13:35: node "b": file: "prompts" is a directory, not a file`,
		`test.yaml:14:9: node "c": missing required key "file"`,
	})
}
