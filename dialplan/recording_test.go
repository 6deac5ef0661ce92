package dialplan_test

import (
	"path/filepath"
	"testing"

	"github.com/hotline-cc/hotline/dialplan"
)

const recordingPlan = `version: 1
settings:
  record: on_demand
  record_announcement: {en-US: "This call may be recorded.", zh-CN: "您的通话可能会被录音。"}
queues:
  support: {members: [alice], record: always}
  billing: {members: [bob], record: never}
  sales: {members: [bob]}
routes:
  - {name: vip, to: "1", flow: main, record: always}
  - {name: private, to: "2", flow: main, record: never}
  - {name: plain, default: true, flow: main}
flows:
  main:
    start: a
    nodes:
      - {id: a, type: queue, queue: support, next: b}
      - {id: b, type: queue, queue: billing, next: c}
      - {id: c, type: queue, queue: sales}
`

func TestRecordingPolicy(t *testing.T) {
	p, warnings, err := dialplan.Parse("r.yaml", []byte(recordingPlan), dialplan.Options{KnownAgents: agents})
	if err != nil || len(warnings) != 0 {
		t.Fatalf("Parse: %v %v", err, warnings)
	}
	if p.Settings.Record != dialplan.RecordOnDemand {
		t.Errorf("settings record = %q", p.Settings.Record)
	}
	routes := map[string]string{}
	for _, r := range p.Routes {
		routes[r.Name] = r.Record
	}
	want := map[string]string{"vip": dialplan.RecordAlways, "private": dialplan.RecordNever, "plain": dialplan.RecordOnDemand}
	for name, w := range want {
		if routes[name] != w {
			t.Errorf("route %s record = %q, want %q", name, routes[name], w)
		}
	}
	for name, w := range map[string]string{"support": dialplan.RecordAlways, "billing": dialplan.RecordNever, "sales": ""} {
		if got := p.Queues[name].Record; got != w {
			t.Errorf("queue %s record = %q, want %q", name, got, w)
		}
	}
	a := p.Settings.RecordAnnouncement
	if a.IsZero() {
		t.Fatal("announcement is empty")
	}
	if got := a.Prompt(dialplan.LangZhCN); got.Text != "您的通话可能会被录音。" || got.Lang != dialplan.LangZhCN || got.File != "" {
		t.Errorf("zh-CN announcement = %+v", got)
	}
	if got := a.Prompt(dialplan.LangEnUS); got.Text != "This call may be recorded." {
		t.Errorf("en-US announcement = %+v", got)
	}
}

func TestRecordingDefaults(t *testing.T) {
	p, _, err := dialplan.Parse("r.yaml", []byte(`version: 1
routes: [{name: r, flow: main}]
flows: {main: {start: a, nodes: [{id: a, type: hangup}]}}
`), dialplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Settings.Record != dialplan.RecordNever || p.Routes[0].Record != dialplan.RecordNever || !p.Settings.RecordAnnouncement.IsZero() {
		t.Errorf("defaults: settings %q route %q announcement %+v", p.Settings.Record, p.Routes[0].Record, p.Settings.RecordAnnouncement)
	}
}

func TestRecordingAnnouncementFile(t *testing.T) {
	p, _, err := dialplan.Parse("r.yaml", []byte(`version: 1
settings: {record: always, record_announcement: {file: prompts/beep.wav}}
routes: [{name: r, flow: main}]
flows: {main: {start: a, nodes: [{id: a, type: hangup}]}}
`), dialplan.Options{BaseDir: "testdata"})
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("testdata/prompts/beep.wav")
	a := p.Settings.RecordAnnouncement
	if got := a.Prompt(dialplan.LangEnUS); got.File != abs || got.Text != "" || a.File != "prompts/beep.wav" {
		t.Errorf("announcement = %+v, prompt %+v", a, got)
	}
}

func TestRecordingInvalid(t *testing.T) {
	src := `version: 1
settings:
  record: sometimes
  record_announcement: {file: prompts/missing.wav, en-US: "Hello"}
queues:
  a: {members: [alice], record: alway}
  b: {members: [alice], record: true}
routes:
  - {name: r, flow: main, record: [always]}
  - {name: s, to: "2", flow: main, record: ondemand}
flows: {main: {start: n, nodes: [{id: n, type: hangup}]}}
`
	_, _, err := dialplan.Parse("r.yaml", []byte(src), dialplan.Options{KnownAgents: agents, BaseDir: "testdata"})
	wantLines(t, "errors", errorStrings(t, err), []string{
		`r.yaml:3:11: settings: record: unknown value "sometimes" (one of: always, never, on_demand)`,
		`r.yaml:4:31: settings: record_announcement: file: file "prompts/missing.wav" not found (paths are relative to testdata)`,
		`r.yaml:4:52: settings: record_announcement: unknown key "en-US" (valid keys: file)`,
		`r.yaml:6:33: queue "a": record: unknown value "alway" (did you mean "always"?)`,
		`r.yaml:7:33: queue "b": record: "true" is not a recording policy (write always, never or on_demand)`,
		`r.yaml:9:35: route "r": record must be a string, not a list`,
		`r.yaml:10:44: route "s": record: unknown value "ondemand" (did you mean "on_demand"?)`,
	})
}
