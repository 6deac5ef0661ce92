// Package dialplantest provides a scripted caller: a dialplan.Call without audio whose key presses, queue
// outcomes and hang-up come from a script, and which records what the flow did to it. Node tests, IVR
// tests and the dry-run simulator run flows against it.
package dialplantest

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/record"
)

type actionKind int

const (
	actPress actionKind = iota + 1
	actSilence
	actBargeIn
	actQueue
	actHangUp
	actSay
	actBot
)

// Action is one thing the scripted caller does, at the point of the flow where it fits.
type Action struct {
	kind   actionKind
	keys   string // keys pressed, or the utterance said
	result dialplan.QueueResult
	bot    dialplan.BotResult
}

func (a Action) String() string {
	switch a.kind {
	case actPress:
		return fmt.Sprintf("press %s", a.keys)
	case actSilence:
		return "silence"
	case actBargeIn:
		return fmt.Sprintf("barge-in %s", a.keys)
	case actQueue:
		return fmt.Sprintf("queue %v", a.result.Outcome)
	case actHangUp:
		return "hang up"
	case actSay:
		return fmt.Sprintf("say %q", a.keys)
	case actBot:
		return fmt.Sprintf("bot %v", a.bot.Outcome)
	}
	return "invalid action"
}

// Press presses keys when the flow next waits for a key. The first key answers that wait; the others stay
// queued as if typed quickly after it.
func Press(keys string) Action { return Action{kind: actPress, keys: keys} }

// Silence lets the next wait for a key time out.
func Silence() Action { return Action{kind: actSilence} }

// BargeIn presses keys during the next interruptible prompt, which stops it; the keys stay queued.
// Prompts that cannot be interrupted play through without using the action.
func BargeIn(keys string) Action { return Action{kind: actBargeIn, keys: keys} }

// Answered ends the next queue attempt with agent answering, after the call was bridged.
func Answered(agent string) Action {
	return QueueOutcome(dialplan.QueueResult{Outcome: dialplan.QueueAnswered, Agent: agent})
}

// QueueOutcome ends the next queue attempt with res.
func QueueOutcome(res dialplan.QueueResult) Action { return Action{kind: actQueue, result: res} }

// HangUp hangs up at the next thing the flow does: playing, waiting for a key or queueing.
func HangUp() Action { return Action{kind: actHangUp} }

// Say is something the caller says: to a bot (which escalates when asked for an agent, see Bot), or to
// a menu with keywords (the phrase picks an option instead of a key).
func Say(utterance string) Action { return Action{kind: actSay, keys: utterance} }

// BotOutcome ends the next bot conversation with res.
func BotOutcome(res dialplan.BotResult) Action { return Action{kind: actBot, bot: res} }

// Caller is a scripted dialplan.Call. Set its fields before running a flow; its methods are safe for
// concurrent use.
type Caller struct {
	Ctx       context.Context   // returned by Context; default context.Background()
	Lang      string            // returned by Language; default en-US
	Variables map[string]string // returned by Vars
	Log       *slog.Logger      // returned by Logger; default discards
	Clock     time.Time         // returned by Now; default the real time
	Hdrs      map[string]string // returned by Headers
	// HTTPFunc answers http nodes; default: every request fails, so a test or dry run stays offline.
	HTTPFunc func(dialplan.HTTPRequest) (dialplan.HTTPResponse, error)
	// Speech are utterances the caller says, in order, to bots and menus with keywords, apart from
	// the script (so key presses and speech can be scripted separately, as the simulator does).
	Speech []string
	// RecordBase, when set, makes recording paths relative to it (for output that does not depend on
	// where the plan lives).
	RecordBase string
	// QueueDefault ends queue attempts the script has no queue action for; nil makes them an error.
	QueueDefault *dialplan.QueueResult

	mu      sync.Mutex
	script  []Action
	pending []rune // keys pressed and not read yet
	events  []string
	hungUp  bool // the caller hung up
	ended   bool // the flow hung up
	cause   string
}

var _ dialplan.Call = (*Caller)(nil)

// KeepCustomerFields records an http node's keep: as an event and sets the ${customer.*}
// variables, as the IVR does for an identified caller.
func (c *Caller) KeepCustomerFields(fields map[string]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, v := range fields {
		c.Variables[dialplan.CustomerVarPrefix+k] = v
	}
	c.logf("keep customer fields %s", strings.Join(slices.Sorted(maps.Keys(fields)), ","))
}

// NewCaller returns a caller that follows script, action by action.
func NewCaller(script ...Action) *Caller {
	return &Caller{Lang: dialplan.LangEnUS, Variables: map[string]string{}, script: script}
}

// Events returns what happened so far, one line per event, such as `say en-US "Welcome."`, `key 1`,
// `key timeout`, `queue support → answered alice` and `hangup normal`.
func (c *Caller) Events() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.events...)
}

// Unused returns the script actions the flow never reached.
func (c *Caller) Unused() []Action {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Action(nil), c.script...)
}

// HangupCause returns the cause the flow hung up with, and whether it did.
func (c *Caller) HangupCause() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cause, c.ended
}

func (c *Caller) Context() context.Context {
	if c.Ctx == nil {
		return context.Background()
	}
	return c.Ctx
}

func (c *Caller) Logger() *slog.Logger {
	if c.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Log
}

func (c *Caller) Language() string { return c.Lang }

func (c *Caller) Vars() map[string]string { return c.Variables }

func (c *Caller) logf(format string, args ...any) {
	c.events = append(c.events, fmt.Sprintf(format, args...))
}

// next returns the next script action without using it.
func (c *Caller) next() (Action, bool) {
	if len(c.script) == 0 {
		return Action{}, false
	}
	return c.script[0], true
}

func (c *Caller) pop() { c.script = c.script[1:] }

// gone reports whether the call is over, using a scripted hang-up if it is the next action.
func (c *Caller) gone() bool {
	if a, ok := c.next(); ok && a.kind == actHangUp {
		c.pop()
		c.hungUp = true
		c.logf("caller hangs up")
	}
	return c.hungUp || c.ended
}

func (c *Caller) Play(ctx context.Context, p dialplan.Prompt, interruptible bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.gone() {
		return dialplan.ErrHangup
	}
	line := fmt.Sprintf("say %s %q", p.Lang, p.Text)
	if p.File != "" {
		line = "play " + filepath.Base(p.File)
	}
	if a, ok := c.next(); ok && a.kind == actBargeIn && interruptible {
		c.pop()
		c.pending = append(c.pending, []rune(a.keys)...)
		line += " (barge-in " + a.keys + ")"
	}
	c.logf("%s", line)
	return nil
}

func (c *Caller) ReadDigit(ctx context.Context, timeout time.Duration) (rune, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return 0, false, err
	}
	if len(c.pending) > 0 {
		return c.key()
	}
	if c.gone() {
		return 0, false, dialplan.ErrHangup
	}
	a, ok := c.next()
	if !ok {
		c.logf("key timeout")
		return 0, false, nil
	}
	switch a.kind {
	case actPress, actBargeIn:
		c.pop()
		c.pending = append(c.pending, []rune(a.keys)...)
		if len(c.pending) > 0 {
			return c.key()
		}
	case actSilence:
		c.pop()
		c.logf("key timeout")
		return 0, false, nil
	}
	return 0, false, fmt.Errorf("dialplantest: the flow waits for a key but the script's next action is %v", a)
}

func (c *Caller) key() (rune, bool, error) {
	k := c.pending[0]
	c.pending = c.pending[1:]
	c.logf("key %c", k)
	return k, true, nil
}

func (c *Caller) FlushDigits() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) > 0 {
		c.logf("flush %s", string(c.pending))
		c.pending = nil
	}
}

func (c *Caller) Queue(ctx context.Context, req dialplan.QueueRequest) (dialplan.QueueResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return dialplan.QueueResult{}, err
	}
	if c.gone() {
		return dialplan.QueueResult{}, dialplan.ErrHangup
	}
	a, err := c.nextQueueOutcome("queues the call")
	if err != nil {
		return dialplan.QueueResult{}, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "queue %s max_wait=%s", req.Queue.Name, req.MaxWait)
	if req.Priority != 0 {
		fmt.Fprintf(&b, " priority=%d", req.Priority)
	}
	fmt.Fprintf(&b, " → %v", a.result.Outcome)
	if a.result.Agent != "" {
		b.WriteString(" " + a.result.Agent)
	}
	c.logf("%s", b.String())
	if a.result.Outcome == dialplan.QueueCallerHangup {
		c.hungUp = true
	}
	return a.result, nil
}

// nextQueueOutcome takes the scripted end of a queue or transfer attempt (c.mu held).
func (c *Caller) nextQueueOutcome(what string) (Action, error) {
	a, ok := c.next()
	if (!ok || a.kind != actQueue) && c.QueueDefault != nil {
		a, ok = Action{kind: actQueue, result: *c.QueueDefault}, true
		c.script = append([]Action{a}, c.script...)
	}
	if !ok || a.kind != actQueue {
		next := "empty"
		if ok {
			next = a.String()
		}
		return Action{}, fmt.Errorf("dialplantest: the flow %s but the script is %s", what, next)
	}
	c.pop()
	return a, nil
}

func (c *Caller) Hangup(cause string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hungUp || c.ended {
		return dialplan.ErrHangup
	}
	c.ended, c.cause = true, cause
	c.logf("hangup %s", cause)
	return nil
}

func (c *Caller) Now() time.Time {
	if c.Clock.IsZero() {
		return time.Now()
	}
	return c.Clock
}

func (c *Caller) Headers() map[string]string { return c.Hdrs }

func (c *Caller) Answer() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone() {
		return dialplan.ErrHangup
	}
	c.logf("answer")
	return nil
}

func (c *Caller) HTTP(ctx context.Context, req dialplan.HTTPRequest) (dialplan.HTTPResponse, error) {
	c.mu.Lock()
	fn := c.HTTPFunc
	c.mu.Unlock()
	var res dialplan.HTTPResponse
	err := fmt.Errorf("dialplantest: no HTTP response scripted for %s %s", req.Method, req.URL)
	if fn != nil {
		res, err = fn(req)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.logf("http %s %s → error: %v", req.Method, req.URL, err)
	} else {
		c.logf("http %s %s → %d", req.Method, req.URL, res.Status)
	}
	return res, err
}

func (c *Caller) Record(ctx context.Context, req dialplan.RecordRequest) (dialplan.RecordResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone() {
		return dialplan.RecordResult{}, dialplan.ErrHangup
	}
	path := filepath.Join(req.Dir, "simulated.wav")
	if c.RecordBase != "" {
		if rel, err := filepath.Rel(c.RecordBase, path); err == nil {
			path = rel
		}
	}
	res := dialplan.RecordResult{Path: path, EndedBy: "silence"}
	if req.FinishKey != "" {
		if a, ok := c.next(); ok && a.kind == actPress && strings.ContainsAny(a.keys, req.FinishKey) {
			c.pop()
			res.EndedBy = "key"
		}
	}
	beep := ""
	if req.Beep {
		beep = " beep"
	}
	c.logf("record%s max=%s → %s (%s)", beep, req.MaxDuration, filepath.Base(res.Path), res.EndedBy)
	return res, nil
}

func (c *Caller) Transfer(ctx context.Context, req dialplan.TransferRequest) (dialplan.TransferResult, error) {
	switch {
	case req.Queue != nil:
		res, err := c.Queue(ctx, dialplan.QueueRequest{Queue: req.Queue, MaxWait: req.MaxWait})
		return dialplan.TransferResult{Outcome: res.Outcome, Agent: res.Agent}, err
	case req.Agent != "":
		q := &dialplan.Queue{Name: "agent:" + req.Agent, Members: []string{req.Agent}}
		res, err := c.Queue(ctx, dialplan.QueueRequest{Queue: q, MaxWait: req.MaxWait})
		return dialplan.TransferResult{Outcome: res.Outcome, Agent: res.Agent}, err
	}
	// An external number ends as the script's next queue outcome says: answered (the call with the number
	// is over), or not (noagent, timeout, full: busy, no answer or declined).
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return dialplan.TransferResult{}, err
	}
	if c.gone() {
		return dialplan.TransferResult{}, dialplan.ErrHangup
	}
	a, err := c.nextQueueOutcome("dials " + req.Number)
	if err != nil {
		c.logf("transfer %s via %s → error: %v", req.Number, req.Trunk.Name, err)
		return dialplan.TransferResult{}, err
	}
	maxWait := req.MaxWait
	if maxWait == 0 {
		maxWait = dialplan.DefaultDialTimeout
	}
	c.logf("transfer %s via %s max_wait=%s → %v", req.Number, req.Trunk.Name, maxWait, a.result.Outcome)
	if a.result.Outcome == dialplan.QueueCallerHangup {
		c.hungUp = true
	}
	return dialplan.TransferResult{Outcome: a.result.Outcome}, nil
}

// Bot plays the conversation from the script: a BotOutcome action ends it as scripted; Say actions are
// the caller's turns, and one asking for a person (agent, human, operator, 人工, 客服) escalates when
// the profile escalates on request; otherwise the bot is done after the caller's last turn.
func (c *Caller) Bot(ctx context.Context, req dialplan.BotRequest) (dialplan.BotResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := req.Profile
	lang := p.Language
	if lang == "" {
		lang = c.Lang
	}
	c.logf("bot %s", p.Name)
	if !p.Greeting.IsZero() {
		pr := p.Greeting.Prompt(lang)
		c.logf("say %s %q", pr.Lang, pr.Text)
	}
	for turns := 0; turns < p.MaxTurns || p.MaxTurns == 0; turns++ {
		if c.gone() {
			return dialplan.BotResult{Outcome: dialplan.BotHangup, Reason: "caller hung up"}, nil
		}
		a, ok := c.next()
		if len(c.Speech) > 0 && (!ok || a.kind != actBot) {
			a, ok = Action{kind: actSay, keys: c.Speech[0]}, true
			c.Speech = c.Speech[1:]
			c.script = append([]Action{a}, c.script...)
		}
		if !ok {
			break
		}
		switch a.kind {
		case actBot:
			c.pop()
			c.logf("bot → %v", a.bot.Outcome)
			return a.bot, nil
		case actSay:
			c.pop()
			c.logf("caller says %q", a.keys)
			if asksForPerson(a.keys) && slices.Contains(p.EscalateOn, dialplan.EscalateRequest) {
				c.logf("bot → escalate (caller asked for an agent)")
				return dialplan.BotResult{Outcome: dialplan.BotEscalate, Reason: dialplan.EscalateRequest,
					Handoff: &record.Handoff{Reason: dialplan.EscalateRequest, Summary: "Caller asked for an agent: " + a.keys}}, nil
			}
			continue
		}
		break
	}
	c.logf("bot → done")
	return dialplan.BotResult{Outcome: dialplan.BotDone, Reason: "caller finished"}, nil
}

func asksForPerson(s string) bool {
	s = strings.ToLower(s)
	for _, w := range []string{"agent", "human", "person", "operator", "representative", "人工", "客服"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

var _ dialplan.SpeechInput = (*Caller)(nil)

// Listen lets menus with keywords hear the scripted caller: ReadInput then answers with Say actions
// and Speech as well as keys.
func (c *Caller) Listen(context.Context, []string) (func(), bool) { return func() {}, true }

// ReadInput answers a menu that listens: keys pressed already or pressed next (Press, BargeIn), a
// timeout (Silence, or an empty script), or what the caller says next (from Speech, or a Say action
// next in the script).
func (c *Caller) ReadInput(ctx context.Context, timeout time.Duration) (dialplan.Input, error) {
	c.mu.Lock()
	speak := len(c.pending) == 0 && !c.hungUp && !c.ended
	if a, ok := c.next(); ok && (a.kind == actPress || a.kind == actSilence || a.kind == actBargeIn || a.kind == actHangUp) {
		speak = false // the caller answers this menu with keys, or hangs up
	}
	if speak && len(c.Speech) > 0 {
		u := c.Speech[0]
		c.Speech = c.Speech[1:]
		c.logf("caller says %q", u)
		c.mu.Unlock()
		return dialplan.Input{Speech: u}, ctx.Err()
	}
	if a, ok := c.next(); speak && ok && a.kind == actSay {
		c.pop()
		c.logf("caller says %q", a.keys)
		c.mu.Unlock()
		return dialplan.Input{Speech: a.keys}, ctx.Err()
	}
	c.mu.Unlock()
	key, ok, err := c.ReadDigit(ctx, timeout)
	if !ok {
		key = 0
	}
	return dialplan.Input{Key: key}, err
}
