package dialplan

import (
	"context"
	"errors"
	"strings"
	"time"
)

// RecordNode records the caller's audio to a WAV file and puts its path in a variable (and the call
// record). A voicemail node is the same with caller-friendly defaults: a beep, and a stop after 5 s of
// silence.
//
//	nodes:
//	  - id: voicemail
//	    type: voicemail           # or record
//	    prompt: "Please leave a message after the tone. Press hash when done."   # optional
//	    dir: ../data/recordings   # optional; default settings.recordings_dir
//	    max_duration: 2m          # optional; default settings.record_max
//	    beep: true                # optional; default true for voicemail, false for record
//	    finish_on_key: "#"        # optional; default "#"; "" for none
//	    silence: 5s               # optional; 0 never stops on silence (default 5s voicemail, 0 record)
//	    var: recording            # optional; the variable the path goes to (default "recording")
//	    next: thanks
type RecordNode struct {
	nodeBase
	typ         string
	Prompt      Text
	Dir         string
	MaxDuration time.Duration
	Beep        bool
	FinishOnKey string
	Silence     time.Duration
	Var         string
	Next        Edge

	loc *time.Location
}

var _ Node = (*RecordNode)(nil)

// DefaultVoicemailSilence is the silence that ends a voicemail.
const DefaultVoicemailSilence = 5 * time.Second

func newRecord(id string, f *fields) Node    { return decodeRecord(id, f, "record") }
func newVoicemail(id string, f *fields) Node { return decodeRecord(id, f, "voicemail") }

func decodeRecord(id string, f *fields, typ string) Node {
	s := &f.p.plan.Settings
	vm := typ == "voicemail"
	n := &RecordNode{nodeBase: nodeBase{id}, typ: typ, loc: s.Location}
	n.Prompt = f.text("prompt", false)
	f.useTextTemplates("prompt", n.Prompt)
	n.Dir = s.RecordingsDir
	if d := f.str("dir", false); d != "" {
		n.Dir = f.p.resolvePath(d)
	}
	n.MaxDuration = f.duration("max_duration", s.RecordMax)
	n.Beep = f.boolean("beep", vm)
	n.FinishOnKey = "#"
	if _, ok := f.lookup("finish_on_key"); ok {
		n.FinishOnKey = f.str("finish_on_key", false)
		for _, k := range n.FinishOnKey {
			if !strings.ContainsRune(dtmfKeys, k) {
				f.errorf(f.pos("finish_on_key"), `use phone keys, such as "#"`, "finish_on_key: %q is not a phone key", k)
			}
		}
	}
	def := time.Duration(0)
	if vm {
		def = DefaultVoicemailSilence
	}
	n.Silence = f.optDuration("silence", def)
	n.Var = "recording"
	if v := f.str("var", false); v != "" && f.varName(f.pos("var"), v) {
		n.Var = v
	}
	f.setsVar(n.Var)
	n.Next = f.edge("next", EdgeNext)
	return n
}

func (n *RecordNode) Type() string { return n.typ }

func (n *RecordNode) Edges() []Edge { return appendEdges(nil, n.Next) }

// Run plays the prompt and records. A caller who hangs up during the recording leaves it saved.
func (n *RecordNode) Run(ctx context.Context, c Call) (string, error) {
	if err := say(ctx, c, expandText(c, n.loc, n.Prompt), false); err != nil {
		return "", err
	}
	res, err := c.Record(ctx, RecordRequest{Dir: n.Dir, MaxDuration: n.MaxDuration, Beep: n.Beep,
		FinishKey: n.FinishOnKey, Silence: n.Silence})
	if res.Path != "" {
		c.Vars()[n.Var] = res.Path
	}
	if err != nil {
		if errors.Is(err, ErrHangup) {
			return EdgeHangup, nil
		}
		return "", err
	}
	return EdgeNext, nil
}
