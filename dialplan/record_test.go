package dialplan_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
	. "github.com/hotline-cc/hotline/dialplan/dialplantest"
)

func TestRecord(t *testing.T) {
	f := mustFlow(t, `      - {id: a, type: voicemail, prompt: "Leave a message.", next: b}
      - {id: b, type: record, dir: rec, max_duration: 30s, finish_on_key: "", var: memo, next: c}
      - {id: c, type: say, text: "Saved ${recording} and ${memo}."}
`)
	vm := f.Node("a").(*dialplan.RecordNode)
	rec := f.Node("b").(*dialplan.RecordNode)
	if !vm.Beep || vm.Silence != dialplan.DefaultVoicemailSilence || vm.FinishOnKey != "#" || vm.MaxDuration != dialplan.DefaultRecordMax || vm.Var != "recording" {
		t.Errorf("voicemail defaults = %+v", vm)
	}
	if rec.Beep || rec.Silence != 0 || rec.FinishOnKey != "" || rec.MaxDuration != 30*time.Second || !strings.HasSuffix(rec.Dir, filepath.Join("testdata", "rec")) {
		t.Errorf("record = %+v", rec)
	}
	c := NewCaller(Press("#"))
	if _, err := runFlow(t, f, c); err != nil {
		t.Fatal(err)
	}
	ev := c.Events()
	want := []string{`say en-US "Leave a message."`, "record beep max=2m0s → simulated.wav (key)", "record max=30s → simulated.wav (silence)"}
	wantLines(t, "events", ev[:3], want)
	if !strings.Contains(ev[3], "Saved /") || !strings.Contains(ev[3], "rec/simulated.wav.") {
		t.Errorf("say = %s", ev[3])
	}
}

func TestRecordInvalid(t *testing.T) {
	wantLines(t, "errors", parseErrors(t, `      - {id: a, type: record, finish_on_key: "x", silence: 2, beep: yes, var: now}
`), []string{
		`test.yaml:12:46: node "a": finish_on_key: 'x' is not a phone key (use phone keys, such as "#")`,
		`test.yaml:12:60: node "a": silence: duration "2" has no unit (write 2s)`,
		`test.yaml:12:69: node "a": beep must be true or false, not "yes" (write true or false)`,
		`test.yaml:12:79: node "a": "now" is a built-in variable and cannot be set (choose another name)`,
	})
}
