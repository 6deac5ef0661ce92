package media

import (
	"fmt"
	"math"
	"sync"
)

// Sample-rate conversion joins parts of the server that run at different
// rates: G.711 phones at 8 kHz, wideband codecs and ASR at 16 kHz, WebRTC at
// 48 kHz, espeak-ng at 22.05 kHz and OpenAI TTS at 24 kHz.
//
// The converter is a polyphase windowed-sinc FIR. Conceptually the input is
// upsampled by L (zeros inserted), low-pass filtered below the lower of the
// two Nyquist frequencies and decimated by M, where L/M = outRate/inRate in
// lowest terms. Only the filter taps that meet non-zero input samples are
// computed, one tap set per output phase. The low-pass is what keeps a 5 kHz
// component of 16 kHz audio from folding down to an audible 3 kHz at 8 kHz.

const (
	// resampleZeroCrossings is how many sinc lobes each side of the centre
	// the filter keeps. More lobes give a steeper transition band.
	resampleZeroCrossings = 24
	// resampleCutoff is the -6 dB point as a fraction of the lower of the
	// two sample rates. With the transition band this window yields, the
	// stopband starts just below the lower Nyquist frequency (0.5), and the
	// passband still covers the 300–3400 Hz telephone band at 8 kHz.
	resampleCutoff = 0.455
	// resampleKaiserBeta gives about 70 dB of stopband attenuation.
	resampleKaiserBeta = 6.76
	// resampleMaxPhases bounds the tap table for unusual rate pairs (such as
	// 44100→8001): phases are then quantised to 1/resampleMaxPhases of an
	// input sample, a timing error far below audibility.
	resampleMaxPhases = 512
)

// polyphaseFilter holds the taps for one rate pair. It is immutable and
// shared by every resampler for that pair.
type polyphaseFilter struct {
	inRate, outRate int
	up, down        int // L and M: outRate/inRate = up/down in lowest terms
	phases          int // number of tap sets (up, or resampleMaxPhases)
	taps            int // taps per phase (even)
	// coef[p*taps+k] multiplies input sample i-taps/2+1+k for an output whose
	// position in the input is i + p/phases.
	coef []float32
}

var filterCache sync.Map // [2]int{in, out} → *polyphaseFilter

// filterFor returns the shared filter for a rate pair, designing it once.
func filterFor(inRate, outRate int) *polyphaseFilter {
	key := [2]int{inRate, outRate}
	if f, ok := filterCache.Load(key); ok {
		return f.(*polyphaseFilter)
	}
	f, _ := filterCache.LoadOrStore(key, designFilter(inRate, outRate))
	return f.(*polyphaseFilter)
}

func designFilter(inRate, outRate int) *polyphaseFilter {
	g := gcd(inRate, outRate)
	f := &polyphaseFilter{inRate: inRate, outRate: outRate, up: outRate / g, down: inRate / g}
	f.phases = min(f.up, resampleMaxPhases)

	// Cutoff in cycles per input sample.
	fc := resampleCutoff * float64(min(inRate, outRate)) / float64(inRate)
	halfWidth := resampleZeroCrossings / (2 * fc) // in input samples
	f.taps = 2 * int(math.Ceil(halfWidth))
	f.coef = make([]float32, f.phases*f.taps)

	for p := 0; p < f.phases; p++ {
		frac := float64(p) / float64(f.phases)
		row := f.coef[p*f.taps : (p+1)*f.taps]
		var sum float64
		for k := range row {
			// Distance from the output position to input sample
			// i - taps/2 + 1 + k, in input samples.
			t := frac + float64(f.taps/2-1-k)
			v := 0.0
			if math.Abs(t) < halfWidth {
				v = 2 * fc * sinc(2*fc*t) * kaiser(t/halfWidth, resampleKaiserBeta)
			}
			row[k] = float32(v)
			sum += v
		}
		// Normalise each phase to unity DC gain so a constant input stays
		// constant; otherwise the phases' small gain differences would add
		// a faint tone at the phase-cycle rate.
		if sum != 0 {
			for k := range row {
				row[k] = float32(float64(row[k]) / sum)
			}
		}
	}
	return f
}

// lookahead is how many input samples past an output's integer position the
// filter reads: half the taps, plus one when phase rounding may move the
// taps to the next sample.
func (f *polyphaseFilter) lookahead() int64 {
	if f.phases != f.up {
		return int64(f.taps/2 + 1)
	}
	return int64(f.taps / 2)
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// kaiser is the Kaiser window at x in [-1, 1].
func kaiser(x, beta float64) float64 {
	if x <= -1 || x >= 1 {
		return 0
	}
	return besselI0(beta*math.Sqrt(1-x*x)) / besselI0(beta)
}

// besselI0 is the zeroth-order modified Bessel function of the first kind,
// by its power series (converges quickly for the small arguments used here).
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	q := x * x / 4
	for k := 1; k < 200; k++ {
		term *= q / float64(k*k)
		sum += term
		if term < sum*1e-16 {
			break
		}
	}
	return sum
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// polyphaseState is the streaming part of a conversion: the input history
// the filter still needs and the position of the next output sample.
type polyphaseState struct {
	f *polyphaseFilter
	// hist holds input samples; hist[0] is input sample number histStart.
	hist      []float32
	histStart int64
	// The next output sample sits at input position pos + frac/up.
	pos  int64
	frac int
	// consumed counts the real (non-flush) input samples pushed so far.
	consumed int64
}

func newPolyphaseState(f *polyphaseFilter) *polyphaseState {
	s := &polyphaseState{f: f}
	s.reset()
	return s
}

// reset forgets all input. The history starts with taps/2-1 zeros so the
// first output sample lines up with the first input sample instead of
// being delayed by half the filter.
func (s *polyphaseState) reset() {
	pre := s.f.taps/2 - 1
	if cap(s.hist) < pre {
		s.hist = make([]float32, pre, pre+s.f.taps+1024)
	}
	s.hist = s.hist[:pre]
	clear(s.hist)
	s.histStart = -int64(pre)
	s.pos, s.frac, s.consumed = 0, 0, 0
}

// push appends input samples to the history.
func (s *polyphaseState) push(in PCM16) {
	for _, v := range in {
		s.hist = append(s.hist, float32(v))
	}
	s.consumed += int64(len(in))
}

// pushZeros appends n silent samples that do not count as real input; they
// let the filter finish the last outputs of a stream.
func (s *polyphaseState) pushZeros(n int) {
	for range n {
		s.hist = append(s.hist, 0)
	}
}

// outputAvailable reports whether the history reaches far enough past the
// next output position for the filter to run, and whether that output still
// belongs to real input (limit is the input position past which outputs are
// not wanted; -1 means no limit).
func (s *polyphaseState) outputAvailable(limit int64) bool {
	if limit >= 0 && s.pos >= limit {
		return false
	}
	return s.pos+s.f.lookahead() < s.histStart+int64(len(s.hist))
}

// run produces every output sample the history allows (not beyond limit, an
// input position, when limit >= 0) and appends them to dst.
func (s *polyphaseState) run(dst PCM16, limit int64) PCM16 {
	f := s.f
	half := int64(f.taps/2 - 1)
	for s.outputAvailable(limit) {
		phase := s.frac
		base := s.pos - half
		if f.phases != f.up {
			// Quantise the phase; rounding up to a whole sample moves to
			// phase 0 of the next one.
			phase = int((int64(s.frac)*int64(f.phases) + int64(f.up)/2) / int64(f.up))
			if phase == f.phases {
				phase = 0
				base++
			}
		}
		x := s.hist[base-s.histStart:]
		c := f.coef[phase*f.taps : (phase+1)*f.taps]
		dst = append(dst, clampInt16(dot(c, x[:len(c)])))

		s.frac += f.down
		s.pos += int64(s.frac / f.up)
		s.frac %= f.up
	}
	s.trim()
	return dst
}

// trim drops history the next output no longer needs, keeping the slice's
// backing array so steady-state streaming does not allocate.
func (s *polyphaseState) trim() {
	keepFrom := s.pos - int64(s.f.taps/2-1)
	drop := keepFrom - s.histStart
	if drop <= 0 {
		return
	}
	if drop > int64(len(s.hist)) {
		drop = int64(len(s.hist))
	}
	n := copy(s.hist, s.hist[drop:])
	s.hist = s.hist[:n]
	s.histStart += drop
}

// dot returns the dot product of two equally long slices. Four independent
// accumulators let the CPU overlap the additions instead of waiting on one
// long dependency chain; it is the resampler's inner loop.
func dot(c, x []float32) float32 {
	x = x[:len(c)]
	var a0, a1, a2, a3 float32
	k := 0
	for ; k+4 <= len(c); k += 4 {
		a0 += c[k] * x[k]
		a1 += c[k+1] * x[k+1]
		a2 += c[k+2] * x[k+2]
		a3 += c[k+3] * x[k+3]
	}
	for ; k < len(c); k++ {
		a0 += c[k] * x[k]
	}
	return (a0 + a1) + (a2 + a3)
}

func clampInt16(v float32) int16 {
	switch {
	case v >= math.MaxInt16:
		return math.MaxInt16
	case v <= math.MinInt16:
		return math.MinInt16
	case v >= 0:
		return int16(v + 0.5)
	default:
		return int16(v - 0.5)
	}
}

// Resample converts a whole buffer (a prompt, a TTS result) from inRate to
// outRate. The output holds exactly the output samples that fall within the
// input's duration. When the rates are equal it returns a copy. A rate that
// is not positive is a wiring bug and panics.
func Resample(in PCM16, inRate, outRate int) PCM16 {
	if inRate <= 0 || outRate <= 0 {
		panic(fmt.Sprintf("media: Resample(%d→%d): rates must be positive", inRate, outRate))
	}
	if inRate == outRate {
		return append(PCM16(nil), in...)
	}
	s := newPolyphaseState(filterFor(inRate, outRate))
	want := (int64(len(in))*int64(outRate) + int64(inRate) - 1) / int64(inRate)
	out := make(PCM16, 0, want)
	s.push(in)
	s.pushZeros(int(s.f.lookahead()))
	return s.run(out, int64(len(in)))
}

// Flusher is implemented by writers that hold back audio (a resampler
// waiting to fill a 20 ms frame). Flush writes what is held, padded with
// silence to a whole frame, and starts the stream afresh.
type Flusher interface {
	Flush() error
}

// NewResampler returns a FrameWriter that accepts frames of any length at
// inRate and writes exactly 20 ms frames at out.SampleRate(). Filter state
// carries across frames, so frame boundaries are inaudible. Output lags
// input by up to one frame plus half the filter (about 3 ms); call Flush
// (the result implements Flusher) at the end of a stream to emit the tail.
// When the rates are equal it returns out itself. A rate that is not
// positive is a wiring bug and panics.
//
// The frame handed to out is reused for the next frame; out must copy it if
// it keeps it past WriteFrame.
func NewResampler(out FrameWriter, inRate int) FrameWriter {
	outRate := out.SampleRate()
	if inRate <= 0 || outRate <= 0 {
		panic(fmt.Sprintf("media: NewResampler(%d→%d): rates must be positive", inRate, outRate))
	}
	if inRate == outRate {
		return out
	}
	frame := SamplesPerFrame(outRate)
	return &resampler{
		out:    out,
		inRate: inRate,
		st:     newPolyphaseState(filterFor(inRate, outRate)),
		frame:  frame,
		buf:    make(PCM16, 0, 2*frame+SamplesPerFrame(inRate)),
	}
}

type resampler struct {
	out    FrameWriter
	inRate int
	st     *polyphaseState
	frame  int   // output samples per 20 ms
	buf    PCM16 // converted samples not yet written
}

var _ Flusher = (*resampler)(nil)

func (r *resampler) WriteFrame(in PCM16) error {
	r.st.push(in)
	r.buf = r.st.run(r.buf, -1)
	return r.writeFull()
}

// writeFull writes every complete frame in buf and keeps the remainder.
func (r *resampler) writeFull() error {
	off := 0
	var err error
	for len(r.buf)-off >= r.frame {
		if err = r.out.WriteFrame(r.buf[off : off+r.frame]); err != nil {
			break
		}
		off += r.frame
	}
	n := copy(r.buf, r.buf[off:])
	r.buf = r.buf[:n]
	return err
}

func (r *resampler) Flush() error {
	r.st.pushZeros(int(r.st.f.lookahead()))
	r.buf = r.st.run(r.buf, r.st.consumed)
	if rem := len(r.buf) % r.frame; rem != 0 {
		for range r.frame - rem {
			r.buf = append(r.buf, 0)
		}
	}
	r.st.reset()
	err := r.writeFull()
	r.buf = r.buf[:0]
	return err
}

func (r *resampler) SampleRate() int { return r.inRate }

func (r *resampler) String() string {
	return fmt.Sprintf("resample(%d→%d) → %s", r.inRate, r.out.SampleRate(), r.out)
}
