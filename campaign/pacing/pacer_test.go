package pacing_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/campaign/pacing"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock(hhmm string) *clock {
	t, _ := time.Parse("2006-01-02 15:04", "2026-12-01 "+hhmm)
	return &clock{t}
}
func newPacer(m pacing.Mode, c *clock) *pacing.Pacer {
	return pacing.New(pacing.Config{Mode: m}, c.now)
}

// warm feeds n finished dials, a share of them answered by people and
// connected, one a second, with no abandon.
func warm(p *pacing.Pacer, c *clock, n int, answer float64, prefix string) {
	people := 0
	for i := range n {
		c.add(time.Second)
		id := fmt.Sprint(prefix, i)
		p.Dialled(id)
		if float64(people) < answer*float64(i+1) {
			people++
			c.add(5 * time.Second)
			p.Answered(id, true)
			p.Connected(id)
			p.HandleTime(2 * time.Minute)
			continue
		}
		p.Failed(id, pacing.NoAnswer)
	}
}

func TestProgressiveCoversEachFreeAgentOnce(t *testing.T) {
	c := newClock("10:00")
	p := newPacer(pacing.Progressive, c)
	p.AgentsLoggedIn(8)
	p.AgentFree(5)
	if got := p.Want(); got != 5 {
		t.Fatalf("5 free agents, nothing in flight: want 5 dials, got %d", got)
	}
	p.Dialled("a")
	p.Dialled("b")
	if got := p.Want(); got != 3 {
		t.Fatalf("2 dials ringing: want 3, got %d", got)
	}
	p.Answered("a", true) // waiting for an agent: still covers one
	if got := p.Want(); got != 3 {
		t.Fatalf("one answered and waiting, one ringing: want 3, got %d", got)
	}
	p.Connected("a")
	p.AgentFree(4)
	if got := p.Want(); got != 3 {
		t.Fatalf("4 free, 1 ringing: want 3, got %d", got)
	}
	p.AgentFree(0)
	if got := p.Want(); got != 0 {
		t.Fatalf("no free agent, a dial ringing: want 0, got %d", got)
	}
	warm(p, c, 500, 0.2, "w")
	if r := p.Ratio(); r != 1 {
		t.Fatalf("progressive ratio %v, want exactly 1", r)
	}
}

func TestPredictiveDialsAheadOnceItHasLearnt(t *testing.T) {
	c := newClock("10:00")
	p := newPacer(pacing.Predictive, c)
	p.AgentsLoggedIn(20)
	p.AgentFree(10)
	if r, w := p.Ratio(), p.Want(); r != 1 || w != 10 {
		t.Fatalf("before any answer: ratio %v want %d, want 1 and 10 (progressive)", r, w)
	}
	warm(p, c, 600, 0.25, "w") // 150 live answers, no abandon: budget 3.4
	c.add(15 * time.Minute)    // 60 adaptations with no event
	r := p.Ratio()
	if r <= 1.2 || r > 4 {
		t.Fatalf("answer rate 25 %%, no abandon: ratio %.2f, want between 1.2 and 1/0.25", r)
	}
	if w := p.Want(); w <= 10 {
		t.Fatalf("ratio %.2f with 10 free agents: want more than 10 dials, got %d", r, w)
	}
	if p.Limited() {
		t.Fatalf("limited with no abandon")
	}
}

func TestSpentBudgetFallsBackToProgressive(t *testing.T) {
	c := newClock("10:00")
	p := newPacer(pacing.Predictive, c)
	p.AgentsLoggedIn(20)
	p.AgentFree(10)
	warm(p, c, 600, 0.25, "w")
	c.add(15 * time.Minute)
	if p.Ratio() <= 1 {
		t.Fatalf("ratio did not rise")
	}
	// 150 live answers: 4 abandons is 2.6 %, past the 2.25 % target.
	for i := range 4 {
		p.Abandoned(fmt.Sprint("gone", i))
	}
	if !p.Limited() || p.Ratio() != 1 {
		t.Fatalf("4 abandons of 150 live: limited %v ratio %.2f, want limited at ratio 1", p.Limited(), p.Ratio())
	}
	if got := p.Want(); got != 10 {
		t.Fatalf("limited with 10 free agents: want 10 dials, got %d", got)
	}
	if got := p.AbandonRate(pacing.Today); got < 0.026 || got > 0.027 {
		t.Fatalf("abandon rate today %.4f, want 4/150", got)
	}
	// Live answers earn the budget back.
	warm(p, c, 1200, 0.25, "x")
	if p.Limited() {
		t.Fatalf("450 live answers, 4 abandons: still limited")
	}
}

func TestRepeatedEventsCannotLoosenTheCap(t *testing.T) {
	c := newClock("10:00")
	p := newPacer(pacing.Predictive, c)
	p.Dialled("a")
	p.Dialled("a")
	p.Answered("a", true)
	p.Answered("a", true)
	p.Answered("unknown", true)
	p.Abandoned("a")
	p.Abandoned("a")
	p.Abandoned("before-restart")
	got := p.Counts(pacing.Today)
	if got.Dials != 1 || got.Live != 1 || got.Abandoned != 3 {
		t.Fatalf("counts %+v: want 1 dial, 1 live (repeats ignored), 3 abandons (never dropped)", got)
	}
	if r, w := p.InFlight(); r != 0 || w != 0 {
		t.Fatalf("in flight %d ringing %d waiting, want none", r, w)
	}
}

func TestDaysRollAndTheMonthRemembers(t *testing.T) {
	c := newClock("23:00")
	p := newPacer(pacing.Predictive, c)
	p.AgentsLoggedIn(2)
	p.AgentFree(1)
	warm(p, c, 100, 0.5, "d1") // 50 live
	p.Abandoned("x")
	c.add(2 * time.Hour) // past midnight
	if got := p.Counts(pacing.Today); got.Live != 0 || got.Abandoned != 0 {
		t.Fatalf("new day starts with %+v", got)
	}
	month := p.Counts(pacing.Rolling30)
	if month.Live != 50 || month.Abandoned != 1 {
		t.Fatalf("30 days: %d live %d abandoned, want 50 and 1", month.Live, month.Abandoned)
	}
	if got := p.AbandonRate(pacing.Rolling30); got != 0.02 {
		t.Fatalf("30-day rate %v, want 0.02", got)
	}
	if p.AbandonRate(pacing.Today) != 0 {
		t.Fatalf("today's rate with no live answer must be 0")
	}
	// The month's budget is 50 × 2.25 % − 1 = 0.125: still limited on the new day.
	if !p.Limited() {
		t.Fatalf("a new day with a spent month: not limited")
	}
	c.add(31 * 24 * time.Hour)
	p.Want()
	if got := p.Counts(pacing.Rolling30); got.Live != 0 {
		t.Fatalf("31 days later the month still holds %d live answers", got.Live)
	}
	oldest := c.t.AddDate(0, 0, -29).Format("2006-01-02")
	for d := range p.Days() {
		if d < oldest {
			t.Fatalf("kept day %s, older than 30 days (oldest %s)", d, oldest)
		}
	}
	if n := len(p.Days()); n != 30 {
		t.Fatalf("kept %d days, want 30 (agents were logged in through them)", n)
	}
	// Agent time: 1 of 2 agents free for the whole run.
	s := p.Agents(pacing.Today)
	if s.Utilisation < 0.49 || s.Utilisation > 0.51 || s.AgentTime != 2*c.t.Sub(c.t.Truncate(24*time.Hour)) {
		t.Fatalf("agent stats %+v: want 50 %% utilisation over 2 × the day so far", s)
	}
}

func TestStateSurvivesARestart(t *testing.T) {
	c := newClock("10:00")
	p := newPacer(pacing.Predictive, c)
	p.AgentsLoggedIn(20)
	p.AgentFree(10)
	warm(p, c, 600, 0.25, "w")
	p.Abandoned("gone")
	c.add(15 * time.Minute)
	b, err := json.Marshal(p.State())
	if err != nil {
		t.Fatal(err)
	}
	var s pacing.State
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	q := newPacer(pacing.Predictive, c)
	if err := q.Restore(s); err != nil {
		t.Fatal(err)
	}
	q.AgentsLoggedIn(20)
	q.AgentFree(10)
	if q.Counts(pacing.Today) != p.Counts(pacing.Today) {
		t.Fatalf("today after restore %+v, before %+v", q.Counts(pacing.Today), p.Counts(pacing.Today))
	}
	if q.Ratio() != p.Ratio() || q.Want() != p.Want() || q.Total() != p.Total() {
		t.Fatalf("after restore ratio %.3f want %d, before %.3f and %d", q.Ratio(), q.Want(), p.Ratio(), p.Want())
	}
	// Restored the next day: yesterday becomes history, the month keeps it.
	c.add(24 * time.Hour)
	r := newPacer(pacing.Predictive, c)
	if err := r.Restore(s); err != nil {
		t.Fatal(err)
	}
	if r.Counts(pacing.Today).Live != 0 || r.Counts(pacing.Rolling30).Abandoned != 1 {
		t.Fatalf("restored next day: today %+v month %+v", r.Counts(pacing.Today), r.Counts(pacing.Rolling30))
	}
}

func TestRestoreRefusesACorruptState(t *testing.T) {
	c := newClock("10:00")
	for name, s := range map[string]pacing.State{
		"version":  {Version: 99},
		"day":      {Version: pacing.StateVersion, Days: map[string]pacing.Counts{"yesterday": {}}},
		"negative": {Version: pacing.StateVersion, Days: map[string]pacing.Counts{"2026-12-01": {Abandoned: -5}}},
		"estimate": {Version: pacing.StateVersion, Gain: -1},
	} {
		if err := newPacer(pacing.Predictive, c).Restore(s); err == nil {
			t.Errorf("%s: restored", name)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (pacing.Config{Mode: pacing.Predictive}).Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, tc := range []struct {
		cfg  pacing.Config
		want string
	}{
		{pacing.Config{}, "mode"},
		{pacing.Config{Mode: pacing.Predictive, MaxAbandon: 0.05}, "max abandon 0.0500"},
		{pacing.Config{Mode: pacing.Predictive, Margin: 1}, "margin"},
		{pacing.Config{Mode: pacing.Predictive, MaxRatio: 0.5}, "max ratio"},
	} {
		err := tc.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one naming %q", tc.cfg, err, tc.want)
		}
	}
	// New never loosens the cap, whatever it is given.
	p := pacing.New(pacing.Config{Mode: pacing.Predictive, MaxAbandon: 0.2}, newClock("10:00").now)
	if got := p.Config().MaxAbandon; got != 0.03 {
		t.Fatalf("max abandon 0.2 became %v, want 0.03", got)
	}
}

// TestTheDayIsCappedOnItsOwn: a month with budget to spare does not let a
// new day run past the cap on its own few answers.
func TestTheDayIsCappedOnItsOwn(t *testing.T) {
	c := newClock("09:00")
	p := newPacer(pacing.Predictive, c)
	past := map[string]pacing.Counts{}
	for d := 1; d <= 20; d++ {
		past[c.t.AddDate(0, 0, -d).Format("2006-01-02")] = pacing.Counts{Dials: 4000, Live: 1000, Connected: 1000}
	}
	if err := p.Restore(pacing.State{Version: pacing.StateVersion, Days: past, Human: 100, Resolved: 400, Gain: 1, Ratio: 4}); err != nil {
		t.Fatal(err)
	}
	p.AgentsLoggedIn(20)
	p.AgentFree(10)
	// The month's budget is 450 abandons, but the day has none until it
	// has earned one: the day is dialled progressively.
	if r := p.Ratio(); r != 1 || !p.Limited() {
		t.Fatalf("a new day with no live answer: limited %v ratio %.2f, want limited at 1", p.Limited(), r)
	}
	warm(p, c, 200, 0.25, "w") // 50 live today: the day affords one abandon
	if p.Limited() || p.Ratio() <= 1 {
		t.Fatalf("50 live today and a rich month: limited %v ratio %.2f, want dialling ahead", p.Limited(), p.Ratio())
	}
	p.Abandoned("gone")
	if !p.Limited() || p.Ratio() != 1 {
		t.Fatalf("1 abandon of 50 live today (2 %%), a month at 0.005 %%: limited %v ratio %.2f, want limited by the day",
			p.Limited(), p.Ratio())
	}
	if got := p.AbandonRate(pacing.Rolling30); got > 0.0001 {
		t.Fatalf("30-day rate %v", got)
	}
}
