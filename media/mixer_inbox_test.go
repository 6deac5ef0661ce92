package media

import "testing"

// inboxRun feeds an inbox packets of packetMs every packetMs, the first at
// phase ms, and takes a 20 ms frame every tick for ms, and returns the
// samples taken, silence left out.
func inboxRun(packetMs, phase, ms int) (taken PCM16, silentTicks int) {
	const rate = 8000
	b := newMixerInbox(rate)
	frame := make(PCM16, SamplesPerFrame(rate))
	next := int16(1)
	for t := 0; t < ms; t++ {
		if t%FrameDurationMs == 0 {
			if b.take(frame) {
				taken = append(taken, frame...)
			} else {
				silentTicks++
			}
		}
		if t%packetMs == phase {
			p := make(PCM16, rate*packetMs/1000)
			for i := range p {
				p[i] = next
				next++
			}
			_ = b.WriteFrame(p)
		}
	}
	return taken, silentTicks
}

// 20 ms and 30 ms packets on the 20 ms tick: every sample is mixed once, in
// order, none lost; the 30 ms stream waits for a whole frame at times.
func TestMixerInboxPacketSizes(t *testing.T) {
	for _, packetMs := range []int{20, 30} {
		for phase := range packetMs {
			taken, silent := inboxRun(packetMs, phase, 1200)
			for i, v := range taken {
				if v != int16(i+1) {
					t.Fatalf("%d ms packets at phase %d: sample %d is #%d, want #%d (lost or repeated)",
						packetMs, phase, i, v, i+1)
				}
			}
			if want := 8000 * (1200 - 2*packetMs) / 1000; len(taken) < want {
				t.Errorf("%d ms packets at phase %d: %d samples mixed in 1.2 s, want %d or more",
					packetMs, phase, len(taken), want)
			}
			if silent > 1+packetMs/20 {
				t.Errorf("%d ms packets at phase %d: %d silent ticks", packetMs, phase, silent)
			}
		}
	}
}

// When the party stops sending, what is left of a frame is dropped, not
// mixed with the party's next words.
func TestMixerInboxDropsStaleRest(t *testing.T) {
	b := newMixerInbox(8000)
	frame := make(PCM16, 160)
	_ = b.WriteFrame(make(PCM16, 240))
	if !b.take(frame) {
		t.Fatal("a whole frame was not taken")
	}
	for range mixerInboxStale {
		if b.take(frame) {
			t.Fatal("half a frame was taken as a whole one")
		}
	}
	next := make(PCM16, 160)
	next[0] = 7
	_ = b.WriteFrame(next)
	if !b.take(frame) || frame[0] != 7 {
		t.Errorf("after a pause the party's next frame starts with %d, want the new audio (7)", frame[0])
	}
}

// A writer running ahead of the tick leaves at most mixerInboxFrames frames
// of delay: the oldest audio goes first.
func TestMixerInboxDropsOldest(t *testing.T) {
	b := newMixerInbox(8000)
	for i := range 10 {
		f := make(PCM16, 160)
		f[0] = int16(i)
		_ = b.WriteFrame(f)
	}
	frame := make(PCM16, 160)
	var got []int16
	for b.take(frame) {
		got = append(got, frame[0])
	}
	if len(got) != mixerInboxFrames || got[0] != 10-mixerInboxFrames {
		t.Errorf("frames kept %v, want the newest %d", got, mixerInboxFrames)
	}
}
