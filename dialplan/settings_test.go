package dialplan_test

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
)

const calendarPlan = `version: 1
settings:
  timezone: Asia/Shanghai
  voice: anna
  inter_digit_timeout: 2s
  calendars:
    office:
      hours: {mon-fri: "08:00-12:00,13:00-20:00", sat: "09:00-24:00", sun: closed}
      holidays: ["2026-12-25"]
    berlin: {timezone: Europe/Berlin, hours: {fri-mon: "10:00-11:00"}}
routes:
  - {name: open, to: "1", calendar: office, when: open, flow: main}
  - {name: closed, to: "1", calendar: office, when: closed, flow: main}
  - {name: campaign, header: {name: X-Campaign, pattern: "^spring"}, flow: main}
  - {name: vip-header, header: {name: X-VIP, value: "yes"}, flow: main}
  - {name: anonymous, from_exists: false, flow: main}
  - {name: fallback, default: true, flow: main}
  - {name: known, to_prefix: "2", flow: main}
flows: {main: {start: a, nodes: [{id: a, type: hangup}]}}
`

func TestCalendar(t *testing.T) {
	p, warnings, err := dialplan.Parse("c.yaml", []byte(calendarPlan), dialplan.Options{})
	if err != nil || len(warnings) != 0 {
		t.Fatalf("Parse: %v %v", err, warnings)
	}
	if p.Settings.Voice != "anna" || p.Settings.InterDigitTimeout != 2*time.Second || p.Settings.Location.String() != "Asia/Shanghai" {
		t.Errorf("settings = %+v", p.Settings)
	}
	office, berlin := p.Settings.Calendars["office"], p.Settings.Calendars["berlin"]
	tests := []struct {
		cal  *dialplan.Calendar
		at   string
		open bool
	}{
		{office, "2026-12-24T08:00:00+08:00", true}, // Thursday
		{office, "2026-12-24T07:59:00+08:00", false},
		{office, "2026-12-24T12:30:00+08:00", false}, // lunch
		{office, "2026-12-24T19:59:00+08:00", true},
		{office, "2026-12-24T20:00:00+08:00", false},
		{office, "2026-12-24T02:00:00Z", true},       // 10:00 in Shanghai
		{office, "2026-12-25T10:00:00+08:00", false}, // holiday
		{office, "2026-12-26T23:59:00+08:00", true},  // Saturday to midnight
		{office, "2026-12-27T10:00:00+08:00", false}, // Sunday
		{berlin, "2026-12-27T10:30:00+01:00", true},  // Sunday, inside fri-mon
		{berlin, "2026-12-29T10:30:00+01:00", false}, // Tuesday
	}
	for _, tt := range tests {
		if got := tt.cal.Open(mustTime(t, tt.at)); got != tt.open {
			t.Errorf("%s open at %s = %v", tt.cal.Name, tt.at, got)
		}
	}
}

func TestSelectRoute(t *testing.T) {
	p, _, err := dialplan.Parse("c.yaml", []byte(calendarPlan), dialplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	thu10, thu22 := mustTime(t, "2026-12-24T10:00:00+08:00"), mustTime(t, "2026-12-24T22:00:00+08:00")
	tests := []struct {
		facts dialplan.Facts
		want  string
	}{
		{dialplan.Facts{To: "1", From: "5", Time: thu10}, "open"},
		{dialplan.Facts{To: "1", From: "5", Time: thu22}, "closed"},
		{dialplan.Facts{To: "3", From: "5", Headers: map[string]string{"x-campaign": "spring-2026"}}, "campaign"},
		{dialplan.Facts{To: "3", From: "5", Headers: map[string]string{"X-Campaign": "autumn"}}, "fallback"},
		{dialplan.Facts{To: "3", From: "5", Headers: map[string]string{"X-VIP": "yes"}}, "vip-header"},
		{dialplan.Facts{To: "3", From: "5", Headers: map[string]string{"X-VIP": "no"}}, "fallback"},
		{dialplan.Facts{To: "3", From: "anonymous"}, "anonymous"},
		{dialplan.Facts{To: "3", From: ""}, "anonymous"},
		{dialplan.Facts{To: "2", From: "5"}, "known"}, // the default route is taken last, wherever it is
		{dialplan.Facts{To: "9", From: "5"}, "fallback"},
	}
	for _, tt := range tests {
		r, f, ok := p.Select(&tt.facts)
		if !ok || r.Name != tt.want || f == nil {
			t.Errorf("Select(%+v) = %v, want %s", tt.facts, r, tt.want)
		}
	}
	if r, _, _ := p.Route("1", "5"); r.Name != "open" && r.Name != "closed" {
		t.Errorf("Route = %s", r.Name)
	}
}

func TestSettingsInvalid(t *testing.T) {
	src := `version: 1
settings:
  timezone: Mars/Olympus
  calendars:
    office:
      hours: {mon-fry: "08:00-20:00", tue: "8-20", wed: "20:00-08:00", mon: "09:00-10:00"}
      holidays: ["2026-13-01"]
routes:
  - {name: a, calendar: ofice, when: open, flow: main}
  - {name: b, calendar: office, flow: main}
  - {name: c, when: closed, header: {value: x}, flow: main}
  - {name: d, default: true, to: "1", flow: main}
  - {name: e, default: true, flow: main}
flows: {main: {start: a, nodes: [{id: a, type: hangup}]}}
`
	_, _, err := dialplan.Parse("s.yaml", []byte(src), dialplan.Options{})
	wantLines(t, "errors", errorStrings(t, err), []string{
		`s.yaml:3:13: settings: timezone: unknown time zone "Mars/Olympus" (use an IANA zone name, such as Asia/Shanghai or Europe/Berlin)`,
		`s.yaml:6:15: calendar "office": hours: unknown day "fry" (days are mon, tue, wed, thu, fri, sat, sun, ranges like mon-fri, or lists like mon,wed)`,
		`s.yaml:6:44: calendar "office": hours tue: "8" is not a time like 08:30 (write "08:00-12:00,13:00-18:00", or "closed")`,
		`s.yaml:6:57: calendar "office": hours wed: "20:00-08:00" ends before it starts (write "08:00-12:00,13:00-18:00", or "closed")`,
		`s.yaml:7:18: calendar "office": holidays: invalid date "2026-13-01" (write dates as YYYY-MM-DD)`,
		`s.yaml:9:25: route "a": calendar "ofice": no such calendar (did you mean "office"?)`,
		`s.yaml:10:25: route "b": calendar needs when (add when: open, or when: closed)`,
		`s.yaml:11:21: route "c": when needs a calendar (add calendar: <name>)`,
		`s.yaml:11:37: route "c" header: missing required key "name"`,
		`s.yaml:12:24: route "d": a default route cannot have conditions (a default route takes the calls no other route matches; remove its conditions)`,
		`s.yaml:13:24: route "e": only one route can be the default (the first is route "d" at line 12)`,
	})
}
