package media

import "fmt"

// Concealer is implemented by decoders that can stand in for a lost packet
// themselves (Opus: the decoder's own loss concealment, or the in-band FEC
// copy of the lost frame carried in the next packet). The RTP session calls
// it once per lost packet, before decoding the packet that revealed the loss.
type Concealer interface {
	// Conceal writes audio standing in for one lost packet. next is the
	// payload that arrived after the loss when the lost packet is the one
	// just before it, so its redundancy can be used; otherwise nil.
	Conceal(next []byte) error
}

// plc conceals lost packets for codecs without concealment of their own
// (G.711, G.722). It sits between the decoder and the consumer, keeps the
// last few pitch periods it passed on, and on loss repeats the last pitch
// period, fading out: unattenuated for 10 ms, then 20 % less every 10 ms, so
// from 60 ms on it is silence. This is ITU-T G.711 Appendix I, which the
// common PBX stacks (spandsp's PLC in Asterisk and FreeSWITCH, pjmedia)
// follow: repeating speech keeps short losses inaudible, where silence would
// click and chop syllables, and the fade stops a long loss from buzzing.
type plc struct {
	out  FrameWriter
	rate int

	hist   PCM16 // the last len(hist) samples passed on; len = 2 × longest period
	buf    PCM16 // the frame handed to out when it is not the decoder's own
	frame  int   // samples per packet, as last received
	period int   // repeated pitch period, in samples
	pos    int   // position inside the repeated period
	lost   int   // samples concealed since the loss began; 0 = not concealing
}

var (
	_ FrameWriter = (*plc)(nil)
	_ Concealer   = (*plc)(nil)
)

// newPLC returns a concealer that passes frames at rate on to out.
func newPLC(out FrameWriter, rate int) *plc {
	return &plc{
		out:   out,
		rate:  rate,
		hist:  make(PCM16, 2*pitchMax(rate)),
		buf:   make(PCM16, 0, SamplesPerFrame(rate)),
		frame: SamplesPerFrame(rate),
	}
}

// Pitch between 66 and 200 Hz covers voices from deep male to child.
func pitchMin(rate int) int { return rate / 200 }
func pitchMax(rate int) int { return rate * 3 / 200 }

func (p *plc) WriteFrame(f PCM16) error {
	if p.lost > 0 {
		// Cross-fade from the repeated period into the real audio over a
		// quarter period, so the return of the real signal does not click.
		p.buf = append(p.buf[:0], f...)
		n := min(p.period/4, len(f))
		for i := range n {
			syn := p.next()
			p.buf[i] = int16((syn*(n-i) + int(f[i])*i) / n)
		}
		p.lost = 0
		f = p.buf
	}
	p.frame = len(f)
	p.remember(f)
	return p.out.WriteFrame(f)
}

// Conceal writes one packet's worth of the repeated pitch period; next is
// not used (G.711 and G.722 carry no redundancy).
func (p *plc) Conceal(next []byte) error {
	if p.lost == 0 {
		p.period = p.findPitch()
		p.pos = 0
	}
	p.buf = grow(p.buf, p.frame)
	for i := range p.buf {
		p.buf[i] = int16(p.next())
	}
	return p.out.WriteFrame(p.buf)
}

// next returns the next concealment sample and advances the fade.
func (p *plc) next() int {
	h := p.hist
	s := int(h[len(h)-p.period+p.pos])
	p.pos++
	if p.pos == p.period {
		p.pos = 0
	}
	t10 := p.rate / 100 // 10 ms
	fade := 5 * t10     // from full level to silence
	left := fade - max(p.lost-t10, 0)
	p.lost++
	if left <= 0 {
		return 0
	}
	return s * left / fade
}

// remember keeps the newest len(hist) samples.
func (p *plc) remember(f PCM16) {
	h := p.hist
	if len(f) >= len(h) {
		copy(h, f[len(f)-len(h):])
		return
	}
	copy(h, h[len(f):])
	copy(h[len(h)-len(f):], f)
}

// findPitch returns the period of the end of the history by the average
// magnitude difference function: the lag at which the last pitchMax samples
// differ least from those one lag earlier.
func (p *plc) findPitch() int {
	h := p.hist
	lo, hi := pitchMin(p.rate), pitchMax(p.rate)
	win := h[len(h)-hi:]
	best, bestSum := lo, int(^uint(0)>>1)
	for lag := lo; lag <= hi; lag++ {
		past := h[len(h)-hi-lag:]
		sum := 0
		for i, x := range win {
			d := int(x) - int(past[i])
			if d < 0 {
				d = -d
			}
			sum += d
		}
		if sum < bestSum {
			best, bestSum = lag, sum
		}
	}
	return best
}

func (p *plc) SampleRate() int { return p.rate }
func (p *plc) String() string  { return fmt.Sprintf("plc → %s", p.out) }

// concealingDecoder returns codec's decoder writing to out, and what
// conceals its lost packets: the decoder itself when it can, else a plc
// between the decoder and out.
func concealingDecoder(codec Codec, out FrameWriter) (PayloadWriter, Concealer) {
	dec := codec.Decoder(out)
	if c, ok := dec.(Concealer); ok {
		return dec, c
	}
	p := newPLC(out, out.SampleRate())
	return codec.Decoder(p), p
}
