package dialplan

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// BotProfile is how a voice bot behaves when a bot node hands it a call. The dialplan describes it; the
// bot engine runs it.
//
//	bots:
//	  assistant:
//	    language: en-US                 # optional; default: the call's language
//	    greeting: {en-US: "Hi, how can I help?", zh-CN: "您好，请问有什么可以帮您？"}
//	    knowledge_base: kb              # folder, relative to the dialplan file; must exist
//	    instructions: "You answer questions about our products. Be brief."
//	    llm_model: gpt-4o-mini          # optional engine overrides
//	    asr_model: ""
//	    hints: ["what are your opening hours", "where is my order"]  # phrases callers are expected to say
//	    tts_voice: ""
//	    barge_in: true                  # the caller may interrupt the bot by speaking (default true)
//	    min_barge_in: 300ms             # speech shorter than this does not interrupt
//	    dtmf_barge_in: true             # a key interrupts too (default true)
//	    end_of_turn_silence: 500ms      # silence that ends the caller's turn
//	    min_speech: 200ms               # shorter sounds are noise, not a turn
//	    max_turns: 20
//	    max_duration: 10m
//	    max_failed_turns: 2             # turns the bot could not understand or answer
//	    dtmf: {"0": agent, "*": repeat, "#": end}
//	    escalate_queue: support         # the queue an escalation goes to; must exist
//	    escalate_on: [request, failed_turns, low_confidence, negative_sentiment, max_duration]
//	    tools:
//	      - name: order_status
//	        description: "Look up an order by its number."
//	        method: GET
//	        url: "http://127.0.0.1:8080/demo/crm/order?id=${order_id}"
//	        parameters: {type: object, properties: {order_id: {type: string}}, required: [order_id]}
//	        timeout: 3s
type BotProfile struct {
	Name          string
	Language      string // "" means the call's language
	Greeting      Text
	KnowledgeBase string // absolute path of the knowledge-base folder, or ""
	Instructions  string
	LLMModel      string // engine overrides; "" keeps the configured engine's default
	ASRModel      string
	// Hints are phrases callers are expected to say. A grammar-based
	// recognizer (the embedded PocketSphinx) listens for these only; a
	// cloud recognizer may use them as a prompt.
	Hints            []string
	TTSVoice         string
	BargeIn          bool
	MinBargeIn       time.Duration
	DTMFBargeIn      bool
	EndOfTurnSilence time.Duration
	MinSpeech        time.Duration
	MaxTurns         int
	MaxDuration      time.Duration
	MaxFailedTurns   int
	DTMF             map[string]string // key → one of the BotAction constants
	EscalateQueue    *Queue            // nil when the profile never escalates to a queue
	EscalateOn       []string          // the Escalate constants that make the bot hand over
	Tools            []BotTool

	line, column int
}

// BotTool is an HTTP endpoint the bot's language model may call. Parameters is a JSON schema, kept as
// decoded from YAML (maps, lists, strings, numbers, booleans) so it marshals to JSON as written.
type BotTool struct {
	Name        string
	Description string
	Method      string // GET or POST
	URL         string // may hold ${var} templates from call variables and the tool's arguments
	Parameters  map[string]any
	Timeout     time.Duration
}

// Actions a bot profile's dtmf map may bind a key to.
const (
	BotActionAgent  = "agent"  // escalate to the escalation queue
	BotActionRepeat = "repeat" // say the last answer again
	BotActionEnd    = "end"    // end the conversation (the bot node's done edge)
)

// Reasons a bot escalates to an agent.
const (
	EscalateRequest           = "request"
	EscalateFailedTurns       = "failed_turns"
	EscalateLowConfidence     = "low_confidence"
	EscalateNegativeSentiment = "negative_sentiment"
	EscalateMaxDuration       = "max_duration"
)

var (
	botActions     = []string{BotActionAgent, BotActionRepeat, BotActionEnd}
	escalateReason = []string{EscalateRequest, EscalateFailedTurns, EscalateLowConfidence,
		EscalateNegativeSentiment, EscalateMaxDuration}
	httpMethods = []string{"GET", "POST"}
	toolNameRE  = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
)

// Bot profile defaults used when a profile leaves them out.
const (
	DefaultMinBargeIn       = 300 * time.Millisecond
	DefaultEndOfTurnSilence = 500 * time.Millisecond
	DefaultMinSpeech        = 200 * time.Millisecond
	DefaultMaxTurns         = 20
	DefaultBotMaxDuration   = 10 * time.Minute
	DefaultMaxFailedTurns   = 2
	DefaultToolTimeout      = 5 * time.Second
)

func (p *parser) decodeBots(top *fields) {
	v := top.value("bots", false)
	if v == nil {
		return
	}
	if v.Kind != yaml.MappingNode {
		top.errorf(top.pos("bots"), "", "bots must be a mapping of profile name to profile, not %s", kindName(v))
		return
	}
	for _, e := range p.entries(v, "", "bots: ") {
		f := p.fields(e.valueRaw, "", fmt.Sprintf("bot %q", e.key), "a bot profile")
		b := &BotProfile{Name: e.key, line: e.keyNode.Line, column: e.keyNode.Column}
		if f.str("language", false) != "" {
			b.Language = f.language("language", "")
		}
		b.Greeting = f.text("greeting", false)
		_, b.KnowledgeBase = f.dir("knowledge_base", false)
		b.Instructions = f.str("instructions", false)
		b.LLMModel = f.str("llm_model", false)
		b.ASRModel = f.str("asr_model", false)
		b.Hints, _ = f.stringList("hints", false)
		b.TTSVoice = f.str("tts_voice", false)
		b.BargeIn = f.boolean("barge_in", true)
		b.MinBargeIn = f.duration("min_barge_in", DefaultMinBargeIn)
		b.DTMFBargeIn = f.boolean("dtmf_barge_in", true)
		b.EndOfTurnSilence = f.duration("end_of_turn_silence", DefaultEndOfTurnSilence)
		b.MinSpeech = f.duration("min_speech", DefaultMinSpeech)
		b.MaxTurns = f.integer("max_turns", DefaultMaxTurns, 1, 1000)
		b.MaxDuration = f.duration("max_duration", DefaultBotMaxDuration)
		b.MaxFailedTurns = f.integer("max_failed_turns", DefaultMaxFailedTurns, 1, 100)
		b.DTMF = p.decodeBotDTMF(f)
		if name := f.str("escalate_queue", false); name != "" {
			b.EscalateQueue = p.lookupQueue(f, "escalate_queue", name)
		}
		b.EscalateOn = p.decodeEscalateOn(f)
		if len(b.EscalateOn) > 0 && b.EscalateQueue == nil && f.value("escalate_queue", false) == nil {
			f.errorf(f.pos("escalate_on"), "add escalate_queue: <queue>", "escalate_on needs an escalate_queue")
		}
		if slices.Contains(slices.Collect(maps.Values(b.DTMF)), BotActionAgent) && f.value("escalate_queue", false) == nil {
			f.errorf(f.pos("dtmf"), "add escalate_queue: <queue>", "dtmf action agent needs an escalate_queue")
		}
		b.Tools = p.decodeTools(f)
		f.done()
		p.plan.Bots[b.Name] = b
	}
}

// lookupQueue resolves a queue name read from key, reporting an unknown one.
func (p *parser) lookupQueue(f *fields, key, name string) *Queue {
	q := p.plan.Queues[name]
	if q == nil {
		hint := didYouMean(name, slices.Sorted(maps.Keys(p.plan.Queues)))
		if hint == "" {
			hint = "define it under queues:"
		}
		f.errorf(f.pos(key), hint, "%s %q: no such queue", key, name)
	}
	return q
}

func (p *parser) decodeBotDTMF(f *fields) map[string]string {
	v := f.value("dtmf", false)
	if v == nil {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		f.errorf(f.pos("dtmf"), `write dtmf: {"0": agent}`, "dtmf must be a mapping of key to action, not %s", kindName(v))
		return nil
	}
	out := map[string]string{}
	for _, e := range p.entries(v, f.node, f.where+"dtmf: ") {
		if len(e.key) != 1 || !strings.Contains(dtmfKeys, e.key) {
			f.errorf(e.keyNode, `a key is one of 0-9, "*" or "#"; quote "*" and "#"`, "dtmf: %q is not a phone key", e.key)
			continue
		}
		if e.value.Kind != yaml.ScalarNode || !slices.Contains(botActions, e.value.Value) {
			f.errorf(e.valueRaw, choiceHint(e.value.Value, botActions), "dtmf %q: unknown action %s", e.key, kindName(e.value))
			continue
		}
		out[e.key] = e.value.Value
	}
	return out
}

func (p *parser) decodeEscalateOn(f *fields) []string {
	list, nodes := f.stringList("escalate_on", false)
	var out []string
	for i, s := range list {
		if !slices.Contains(escalateReason, s) {
			f.errorf(nodes[i], choiceHint(s, escalateReason), "escalate_on: unknown reason %q", s)
			continue
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func (p *parser) decodeTools(f *fields) []BotTool {
	v := f.value("tools", false)
	if v == nil {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		f.errorf(f.pos("tools"), "", "tools must be a list, not %s", kindName(v))
		return nil
	}
	var out []BotTool
	seen := map[string]int{}
	for i, item := range v.Content {
		tf := p.fields(item, f.node, strings.TrimSuffix(f.where, ": ")+fmt.Sprintf(" tool %d", i+1), "a tool")
		t := BotTool{}
		t.Name = tf.str("name", true)
		if t.Name != "" {
			if !toolNameRE.MatchString(t.Name) {
				tf.errorf(tf.pos("name"), "use letters, digits, _ and -", "tool name %q is not a valid function name", t.Name)
			}
			if first, dup := seen[t.Name]; dup {
				tf.errorf(tf.pos("name"), fmt.Sprintf("first defined at line %d", first), "duplicate tool %q", t.Name)
			}
			seen[t.Name] = tf.pos("name").Line
		}
		t.Description = tf.str("description", true)
		t.Method = strings.ToUpper(tf.str("method", false))
		if t.Method == "" {
			t.Method = "GET"
		} else if !slices.Contains(httpMethods, t.Method) {
			tf.errorf(tf.pos("method"), "one of: GET, POST", "method: unknown value %q", t.Method)
		}
		t.URL = tf.str("url", true)
		checkURL(tf, "url", t.URL)
		if pv := tf.value("parameters", false); pv != nil {
			if pv.Kind != yaml.MappingNode {
				tf.errorf(tf.pos("parameters"), "write a JSON schema as a mapping: {type: object, properties: {...}}",
					"parameters must be a mapping, not %s", kindName(pv))
			} else if m, err := yamlToJSONValue(pv, 0, new(int)); err != nil {
				tf.errorf(tf.pos("parameters"), "", "parameters: %v", err)
			} else {
				t.Parameters, _ = m.(map[string]any)
			}
		}
		t.Timeout = tf.duration("timeout", DefaultToolTimeout)
		tf.done()
		out = append(out, t)
	}
	return out
}

// checkURL reports a URL that is not http(s) once its ${var} templates are filled in.
func checkURL(f *fields, key, raw string) {
	if raw == "" {
		return
	}
	u, err := url.Parse(templateRE.ReplaceAllString(raw, "x"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		f.errorf(f.pos(key), "write a full URL, such as http://crm.local/customer?phone=${caller}",
			"%s: %q is not an http or https URL", key, raw)
	}
}

// maxJSONDepth and maxJSONNodes bound a YAML value turned into JSON: aliases can make a small file
// expand into a huge value.
const (
	maxJSONDepth = 32
	maxJSONNodes = 10000
)

// yamlToJSONValue turns a YAML value into the plain Go values encoding/json marshals; count is the
// number of values made so far.
func yamlToJSONValue(n *yaml.Node, depth int, count *int) (any, error) {
	n = deref(n)
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("nested more than %d levels", maxJSONDepth)
	}
	if *count++; *count > maxJSONNodes {
		return nil, fmt.Errorf("more than %d values", maxJSONNodes)
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := deref(n.Content[i])
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: keys must be names", n.Content[i].Line)
			}
			v, err := yamlToJSONValue(n.Content[i+1], depth+1, count)
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlToJSONValue(c, depth+1, count)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %v", n.Line, err)
		}
		switch x := v.(type) {
		case nil, bool, string, int, float64:
			return x, nil
		}
		return n.Value, nil
	}
	return nil, fmt.Errorf("line %d: unexpected value", n.Line)
}
