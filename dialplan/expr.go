package dialplan

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Conditions of branch nodes are small expressions:
//
//	tier == "gold"                       compare a variable with a string ("…" or '…') or a number
//	open("support-hours")                a calendar is open now (closed(...) for the opposite)
//	tagged("vip")                        the caller's customer profile has the tag
//	time >= "08:00" && time < "12:00"    built-ins: caller, called, time (HH:MM), weekday (mon…sun), date, …
//	caller =~ "^\\+86"                   regular expression match (the pattern must be a string literal)
//	!(weekday == "sat" || weekday == "sun")
//	order_id                             a bare variable is true when it is set and not empty
//
// Operators: == != < <= > >= =~ && || ! and parentheses. Values that both read as numbers compare as
// numbers, others as strings. Variables nobody set read as "". Conditions are checked when the plan is
// loaded; a mistake is reported at its column.

// condition is a parsed branch condition.
type condition struct {
	src  string
	root exprNode
	vars []string // variables it reads, for the unknown-variable warning
}

// evalEnv is what a condition reads while a call runs.
type evalEnv struct {
	call Call
	loc  *time.Location
}

type exprNode interface {
	eval(env *evalEnv) exprValue
}

// exprValue is a string or a boolean.
type exprValue struct {
	s      string
	b      bool
	isBool bool
}

func (v exprValue) truth() bool {
	if v.isBool {
		return v.b
	}
	return v.s != ""
}

func (v exprValue) str() string {
	if v.isBool {
		return strconv.FormatBool(v.b)
	}
	return v.s
}

type (
	litExpr struct{ v exprValue }
	varExpr struct{ name string }
	notExpr struct{ x exprNode }
	andExpr struct{ a, b exprNode }
	orExpr  struct{ a, b exprNode }
	cmpExpr struct {
		op   string
		a, b exprNode
	}
	matchExpr struct {
		a  exprNode
		re *regexp.Regexp
	}
	calExpr struct {
		cal  *Calendar
		open bool
	}
	tagExpr struct{ tag string }
)

func (e litExpr) eval(*evalEnv) exprValue { return e.v }
func (e varExpr) eval(env *evalEnv) exprValue {
	return exprValue{s: Lookup(env.call, env.loc, e.name)}
}
func (e notExpr) eval(env *evalEnv) exprValue { return boolValue(!e.x.eval(env).truth()) }
func (e andExpr) eval(env *evalEnv) exprValue {
	return boolValue(e.a.eval(env).truth() && e.b.eval(env).truth())
}
func (e orExpr) eval(env *evalEnv) exprValue {
	return boolValue(e.a.eval(env).truth() || e.b.eval(env).truth())
}
func (e matchExpr) eval(env *evalEnv) exprValue {
	return boolValue(e.re.MatchString(e.a.eval(env).str()))
}
func (e calExpr) eval(env *evalEnv) exprValue {
	return boolValue(e.cal.Open(env.call.Now()) == e.open)
}
func (e tagExpr) eval(env *evalEnv) exprValue {
	for t := range strings.SplitSeq(env.call.Vars()[CustomerVarPrefix+"tags"], ",") {
		if t == e.tag {
			return boolValue(true)
		}
	}
	return boolValue(false)
}

func (e cmpExpr) eval(env *evalEnv) exprValue {
	a, b := e.a.eval(env).str(), e.b.eval(env).str()
	c := strings.Compare(a, b)
	if x, err := strconv.ParseFloat(a, 64); err == nil {
		if y, err := strconv.ParseFloat(b, 64); err == nil {
			c = 0
			if x < y {
				c = -1
			} else if x > y {
				c = 1
			}
		}
	}
	switch e.op {
	case "==":
		return boolValue(c == 0)
	case "!=":
		return boolValue(c != 0)
	case "<":
		return boolValue(c < 0)
	case "<=":
		return boolValue(c <= 0)
	case ">":
		return boolValue(c > 0)
	}
	return boolValue(c >= 0)
}

func boolValue(b bool) exprValue { return exprValue{b: b, isBool: true} }

// exprError is a condition syntax error at a byte offset of the condition.
type exprError struct {
	off int
	msg string
}

func (e *exprError) Error() string { return e.msg }

// maxExprDepth bounds nesting, so a hostile condition cannot exhaust the stack.
const maxExprDepth = 50

type exprParser struct {
	src       string
	toks      []exprToken
	i         int
	depth     int
	calendars map[string]*Calendar
	vars      []string
}

type exprToken struct {
	kind string // "id", "str", "num", "op", "eof"
	text string // identifier, operator, or the unquoted string
	off  int
}

// parseCondition parses a branch condition against the plan's calendars.
func parseCondition(src string, calendars map[string]*Calendar) (*condition, *exprError) {
	toks, err := lexExpr(src)
	if err != nil {
		return nil, err
	}
	p := &exprParser{src: src, toks: toks, calendars: calendars}
	root, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != "eof" {
		return nil, &exprError{t.off, fmt.Sprintf("unexpected %q", t.text)}
	}
	return &condition{src: src, root: root, vars: p.vars}, nil
}

func lexExpr(s string) ([]exprToken, *exprError) {
	var out []exprToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '"' || c == '\'':
			j := i + 1
			var b strings.Builder
			for ; j < len(s) && s[j] != c; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, &exprError{i, "unterminated string"}
			}
			out = append(out, exprToken{"str", b.String(), i})
			i = j + 1
		case c >= '0' && c <= '9' || c == '-' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			j := i + 1
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			out = append(out, exprToken{"num", s[i:j], i})
			i = j
		case isIdentByte(c):
			j := i
			for j < len(s) && (isIdentByte(s[j]) || s[j] >= '0' && s[j] <= '9' || s[j] == '.' || s[j] == '-') {
				j++
			}
			out = append(out, exprToken{"id", s[i:j], i})
			i = j
		default:
			op := ""
			for _, o := range []string{"==", "!=", "<=", ">=", "=~", "&&", "||", "<", ">", "!", "(", ")"} {
				if strings.HasPrefix(s[i:], o) {
					op = o
					break
				}
			}
			if op == "" {
				hint := ""
				if c == '=' {
					hint = "; compare with =="
				}
				return nil, &exprError{i, fmt.Sprintf("unexpected character %q%s", c, hint)}
			}
			out = append(out, exprToken{"op", op, i})
			i += len(op)
		}
	}
	return append(out, exprToken{"eof", "end of condition", len(s)}), nil
}

func isIdentByte(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func (p *exprParser) peek() exprToken { return p.toks[p.i] }
func (p *exprParser) next() exprToken {
	t := p.toks[p.i]
	if t.kind != "eof" {
		p.i++
	}
	return t
}
func (p *exprParser) isOp(op string) bool { t := p.peek(); return t.kind == "op" && t.text == op }

func (p *exprParser) enter() *exprError {
	p.depth++
	if p.depth > maxExprDepth {
		return &exprError{p.peek().off, "condition nested too deeply"}
	}
	return nil
}

func (p *exprParser) or() (exprNode, *exprError) {
	a, err := p.and()
	for err == nil && p.isOp("||") {
		p.next()
		var b exprNode
		if b, err = p.and(); err == nil {
			a = orExpr{a, b}
		}
	}
	return a, err
}

func (p *exprParser) and() (exprNode, *exprError) {
	a, err := p.not()
	for err == nil && p.isOp("&&") {
		p.next()
		var b exprNode
		if b, err = p.not(); err == nil {
			a = andExpr{a, b}
		}
	}
	return a, err
}

func (p *exprParser) not() (exprNode, *exprError) {
	if p.isOp("!") {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		p.next()
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return notExpr{x}, nil
	}
	return p.cmp()
}

func (p *exprParser) cmp() (exprNode, *exprError) {
	a, err := p.operand()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if t.kind != "op" {
		return a, nil
	}
	switch t.text {
	case "==", "!=", "<", "<=", ">", ">=":
		p.next()
		b, err := p.operand()
		if err != nil {
			return nil, err
		}
		return cmpExpr{t.text, a, b}, nil
	case "=~":
		p.next()
		pt := p.next()
		if pt.kind != "str" {
			return nil, &exprError{pt.off, `=~ needs a quoted pattern, such as caller =~ "^\\+86"`}
		}
		re, rerr := regexp.Compile(pt.text)
		if rerr != nil {
			return nil, &exprError{pt.off, "invalid regular expression: " + strings.TrimPrefix(rerr.Error(), "error parsing regexp: ")}
		}
		return matchExpr{a, re}, nil
	}
	return a, nil
}

func (p *exprParser) operand() (exprNode, *exprError) {
	t := p.next()
	switch t.kind {
	case "str", "num":
		return litExpr{exprValue{s: t.text}}, nil
	case "id":
		switch t.text {
		case "true", "false":
			return litExpr{boolValue(t.text == "true")}, nil
		case "open", "closed":
			if p.isOp("(") {
				return p.calendar(t)
			}
		case "tagged":
			if p.isOp("(") {
				return p.tagged(t)
			}
		}
		if strings.HasSuffix(t.text, "-") || strings.Contains(t.text, "-") {
			return nil, &exprError{t.off, fmt.Sprintf("%q is not a variable name; quote strings", t.text)}
		}
		p.vars = append(p.vars, t.text)
		return varExpr{t.text}, nil
	case "op":
		if t.text == "(" {
			if err := p.enter(); err != nil {
				return nil, err
			}
			defer func() { p.depth-- }()
			x, err := p.or()
			if err != nil {
				return nil, err
			}
			if !p.isOp(")") {
				return nil, &exprError{p.peek().off, "missing )"}
			}
			p.next()
			return x, nil
		}
	}
	return nil, &exprError{t.off, fmt.Sprintf("expected a value, found %q", t.text)}
}

// tagged parses tagged("tag") after its function name.
func (p *exprParser) tagged(fn exprToken) (exprNode, *exprError) {
	p.next() // (
	arg := p.next()
	if arg.kind != "str" || arg.text == "" {
		return nil, &exprError{arg.off, `tagged( needs a tag in quotes: tagged("vip")`}
	}
	if !p.isOp(")") {
		return nil, &exprError{p.peek().off, "missing )"}
	}
	p.next()
	return tagExpr{arg.text}, nil
}

// calendar parses open("name") or closed("name") after its function name.
func (p *exprParser) calendar(fn exprToken) (exprNode, *exprError) {
	p.next() // (
	arg := p.next()
	if arg.kind != "str" && arg.kind != "id" {
		return nil, &exprError{arg.off, fmt.Sprintf("%s( needs a calendar name", fn.text)}
	}
	cal := p.calendars[arg.text]
	if cal == nil {
		names := make([]string, 0, len(p.calendars))
		for n := range p.calendars {
			names = append(names, n)
		}
		msg := fmt.Sprintf("calendar %q: no such calendar", arg.text)
		if h := didYouMean(arg.text, names); h != "" {
			msg += " (" + h + ")"
		}
		return nil, &exprError{arg.off, msg}
	}
	if !p.isOp(")") {
		return nil, &exprError{p.peek().off, "missing )"}
	}
	p.next()
	return calExpr{cal: cal, open: fn.text == "open"}, nil
}
