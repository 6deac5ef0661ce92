package legtest

import (
	"context"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
)

func TestLeg(t *testing.T) {
	l := New("c1", Options{Rate: 16000, Period: 2 * time.Millisecond, Silent: true})
	defer l.Close()
	if l.AudioOut().SampleRate() != 16000 || l.OutputRate() != 16000 || l.Codec() != "PCMU" {
		t.Fatal("rate or codec")
	}
	// The party's audio reaches the writer swapped in, loud frames as loud.
	got := make(chan bool, 1000)
	l.SwapAudioIn(media.FrameWriterFunc{Rate: 16000, Name: "probe", Fn: func(p media.PCM16) error {
		db, _ := media.FrameLevel(p)
		got <- db > -40
		return nil
	}})
	tone := make(media.PCM16, 320*3)
	for i := range tone {
		tone[i] = 8000 * int16(1-2*(i/8%2))
	}
	l.Say(tone)
	loud := 0
	deadline := time.After(5 * time.Second)
	for loud < 3 {
		select {
		case ok := <-got:
			if ok {
				loud++
			}
		case <-deadline:
			t.Fatalf("heard %d loud frames of 3", loud)
		}
	}
	if !l.Quiet() || l.Swaps()[0] != "probe" {
		t.Fatalf("quiet %v swaps %v", l.Quiet(), l.Swaps())
	}
	// What is written to AudioOut is kept, paced.
	start := time.Now()
	for range 5 {
		if err := l.AudioOut().WriteFrame(tone[:320]); err != nil {
			t.Fatal(err)
		}
	}
	if time.Since(start) < 10*time.Millisecond || len(l.Out()) != 5 || !l.Out()[0].Loud || len(l.OutAudio()) != 1600 {
		t.Fatalf("out: %d frames, %d samples in %v", len(l.Out()), len(l.OutAudio()), time.Since(start))
	}
	_ = l.Ringing()
	_ = l.Answer()
	_ = l.Answer()
	if told := l.Told(); len(told) != 2 || told[0] != "180" || told[1] != "200" {
		t.Fatalf("told %v", told)
	}
	// The party hangs up: not by us, and the first ending stays.
	l.HangUp()
	_ = l.Hangup(context.Background(), "normal")
	if by, cause := l.HangupInfo(); by != "caller" || cause != "bye" || l.HungUpByUs() || l.Context().Err() == nil {
		t.Fatalf("hangup %q %q byUs %v", by, cause, l.HungUpByUs())
	}
	if err := l.AudioOut().WriteFrame(tone[:320]); err != media.ErrClosed {
		t.Fatalf("write after the end: %v", err)
	}
}

func TestLegEnds(t *testing.T) {
	l := New("c2", Options{NoEarly: true, Party: "agent"})
	if err := l.Progress(); err != ErrNoEarly {
		t.Fatalf("progress without early media: %v", err)
	}
	l.Reject(486, "Busy Here")
	if by, _ := l.HangupInfo(); by != "server" || !l.HungUpByUs() || l.Told()[0] != "reject 486" {
		t.Fatalf("reject: %q %v %v", by, l.HungUpByUs(), l.Told())
	}
	d := &DigitLeg{l}
	_ = d.SendDigit('5')
	l.Close()
	if !l.Closed() || string(l.DigitsSent()) != "5" {
		t.Fatal("close or digits")
	}
}
