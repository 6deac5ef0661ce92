package pacing_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/campaign/pacing"
)

// FuzzEvents drives a pacer with an arbitrary event stream (two bytes an
// event: what, and an argument) and a clock that moves forwards, back and
// across days: it must never panic, never want a negative number of dials,
// never fall below ratio 1, and survive a State/Restore round trip.
func FuzzEvents(f *testing.F) {
	f.Add([]byte{0, 1, 1, 1, 2, 1, 3, 1, 6, 10, 7, 3, 8, 200})
	f.Add([]byte{6, 50, 5, 40, 0, 1, 0, 2, 1, 1, 2, 1, 4, 2, 8, 255, 8, 255, 9, 0})
	f.Add([]byte{0, 0, 3, 0, 3, 0, 3, 0, 10, 0, 8, 100})
	f.Fuzz(runEvents)
}

func runEvents(t *testing.T, data []byte) {
	if len(data) > 1024 { // a long stream finds nothing a short one does not, and slows the search
		data = data[:1024]
	}
	{
		c := newClock("23:30")
		mode := pacing.Predictive
		if len(data)%2 == 1 {
			mode = pacing.Progressive
		}
		p := pacing.New(pacing.Config{Mode: mode, MinSamples: 1}, c.now)
		for i := 0; i+1 < len(data); i += 2 {
			arg := int(data[i+1])
			id := strconv.Itoa(arg % 16)
			switch data[i] % 11 {
			case 0:
				p.Dialled(id)
			case 1:
				p.Answered(id, arg%3 != 0)
			case 2:
				p.Connected(id)
			case 3:
				p.Abandoned(id)
			case 4:
				p.Failed(id, pacing.Outcome(arg%6))
			case 5:
				p.AgentFree(arg - 20)
			case 6:
				p.AgentsLoggedIn(arg - 20)
			case 7:
				p.HandleTime(time.Duration(arg-50) * time.Second)
			case 8:
				c.add(time.Duration(arg) * 7 * time.Second)
			case 9:
				c.add(-time.Duration(arg) * time.Minute)
			case 10:
				b, err := json.Marshal(p.State())
				if err != nil {
					t.Fatalf("%v: %+v", err, p.State())
				}
				var s pacing.State
				if err := json.Unmarshal(b, &s); err != nil {
					t.Fatal(err)
				}
				p = pacing.New(pacing.Config{Mode: mode, MinSamples: 1}, c.now)
				if err := p.Restore(s); err != nil {
					t.Fatalf("restore of a state just saved: %v", err)
				}
			}
			if w := p.Want(); w < 0 {
				t.Fatalf("event %d: want %d", i/2, w)
			}
			if r := p.Ratio(); r < 1 || r != r {
				t.Fatalf("event %d: ratio %v", i/2, r)
			}
			if mode == pacing.Progressive && p.Ratio() != 1 {
				t.Fatalf("progressive ratio %v", p.Ratio())
			}
			if r, w := p.InFlight(); r < 0 || w < 0 {
				t.Fatalf("in flight %d, %d", r, w)
			}
			if a := p.AbandonRate(pacing.Rolling30); a < 0 || a != a {
				t.Fatalf("abandon rate %v", a)
			}
		}
	}
}
