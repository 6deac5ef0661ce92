package dialplan

import (
	"slices"

	"gopkg.in/yaml.v3"
)

// Whole-call recording policies, for settings (the plan's default), routes and queues.
//
//	settings:
//	  record: on_demand                  # always, never (default) or on_demand
//	  record_announcement: "This call may be recorded for quality."   # or {en-US: …, zh-CN: …}, or {file: prompts/recorded.wav}
//	queues:
//	  billing: {members: [alice], record: never}   # card numbers are read out here
//	routes:
//	  - {name: main, to: "100", flow: main, record: always}
//
// The dialplan only states the policy; package ivr applies it (see ivr/recording.go) and package
// recording writes the files.
const (
	// RecordAlways records the call from its answer, after the announcement.
	RecordAlways = "always"
	// RecordNever does not record the call; in a queue, it stops a running recording.
	RecordNever = "never"
	// RecordOnDemand records only once an agent starts it from the desktop.
	RecordOnDemand = "on_demand"
)

// DefaultRecord is the plan's recording policy when settings leave it out: a call is recorded only
// where the dialplan says so.
const DefaultRecord = RecordNever

var recordPolicies = []string{RecordAlways, RecordNever, RecordOnDemand}

// RecordPolicies returns the recording policies a dialplan may name.
func RecordPolicies() []string { return slices.Clone(recordPolicies) }

// Announcement is what a caller hears before their call is recorded: a text spoken by TTS (one for
// every language or one per language) or a WAV file.
type Announcement struct {
	Text Text
	File string // as written in the dialplan
	Path string // absolute path of File
}

// IsZero reports whether there is nothing to announce.
func (a Announcement) IsZero() bool { return a.Text.IsZero() && a.Path == "" }

// Prompt is the announcement for a call in lang.
func (a Announcement) Prompt(lang string) Prompt {
	if a.Path != "" {
		return Prompt{File: a.Path, Lang: lang}
	}
	return a.Text.Prompt(lang)
}

// recordPolicy reads a recording policy; def is used when the key is absent.
func (f *fields) recordPolicy(key, def string) string {
	if v := f.value(key, false); v != nil && v.Kind == yaml.ScalarNode && v.Tag == "!!bool" {
		// YAML reads a bare on/off/yes/no as a boolean: say which words are meant.
		f.errorf(f.pos(key), "write always, never or on_demand", "%s: %q is not a recording policy", key, v.Value)
		return def
	}
	return f.oneOf(key, def, recordPolicies)
}

// announcement reads a prompt that is a text (a string, or a mapping of language to string) or a
// file ({file: path}).
func (f *fields) announcement(key string) Announcement {
	v := f.value(key, false)
	if v == nil {
		return Announcement{}
	}
	if v.Kind == yaml.MappingNode && hasKey(v, "file") {
		af := f.p.fields(f.pos(key), f.node, f.where+key, "a prompt file")
		a := Announcement{}
		a.File, a.Path = af.file("file", true)
		af.done()
		return a
	}
	return Announcement{Text: f.text(key, false)}
}

// hasKey reports whether mapping node m has key.
func hasKey(m *yaml.Node, key string) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := deref(m.Content[i]); k.Kind == yaml.ScalarNode && k.Value == key {
			return true
		}
	}
	return false
}
