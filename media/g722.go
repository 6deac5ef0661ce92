package media

import "fmt"

// G.722 (ITU-T G.722) carries 16 kHz "HD voice" at 64 kbit/s: a quadrature
// mirror filter splits each pair of input samples into a low band (0–4 kHz,
// coded with 6-bit ADPCM) and a high band (4–8 kHz, 2-bit ADPCM), packed into
// one byte. Desk phones and softphones offer it widely, and it gives the
// speech recognizer 16 kHz audio where G.711 gives it 8 kHz.
//
// This is the 64 kbit/s mode used on SIP calls, in integer arithmetic that
// follows the ITU description block by block, so it interoperates with other
// implementations. SDP names it "G722/8000" although it samples at 16 kHz
// (RFC 3551 §4.5.2): its RTP clock runs at 8 kHz, 160 ticks per 20 ms frame.

const (
	g722SampleRate = 16000
	g722ClockRate  = 8000
)

// G722 returns the G.722 codec (static RTP payload type 9).
func G722() Codec { return g722Codec{} }

type g722Codec struct{}

var _ Codec = g722Codec{}

func (g722Codec) Info() CodecInfo {
	return CodecInfo{Name: "G722", PayloadType: 9, ClockRate: g722ClockRate, SampleRate: g722SampleRate}
}

// Decoder decodes each payload (one byte per two samples) into a 16 kHz
// frame for out, resampling if out runs at another rate. The frame handed to
// out is reused.
func (g722Codec) Decoder(out FrameWriter) PayloadWriter {
	if out.SampleRate() != g722SampleRate {
		out = NewResampler(out, g722SampleRate)
	}
	return &g722Decoder{st: newG722State(), out: out, buf: make(PCM16, 0, SamplesPerFrame(g722SampleRate))}
}

// Encoder encodes 16 kHz frames into one payload each (160 bytes per 20 ms).
func (g722Codec) Encoder(out PayloadWriter) FrameWriter {
	return &g722Encoder{st: newG722State(), out: out, buf: make([]byte, 0, SamplesPerFrame(g722SampleRate)/2)}
}

type g722Decoder struct {
	st  *g722State
	out FrameWriter
	buf PCM16
}

func (d *g722Decoder) WritePayload(p []byte) error {
	d.buf = d.st.decode(d.buf[:0], p)
	return d.out.WriteFrame(d.buf)
}

func (d *g722Decoder) String() string { return fmt.Sprintf("g722-decode → %s", d.out) }

type g722Encoder struct {
	st  *g722State
	out PayloadWriter
	buf []byte
}

func (e *g722Encoder) WriteFrame(f PCM16) error {
	e.buf = e.st.encode(e.buf[:0], f)
	return e.out.WritePayload(e.buf)
}

func (e *g722Encoder) SampleRate() int { return g722SampleRate }
func (e *g722Encoder) String() string  { return fmt.Sprintf("g722-encode → %s", e.out) }

// The quantizer and adaptation tables of ITU-T G.722 (64 kbit/s mode).
var (
	// g722Q6 holds the low-band decision levels, scaled by the step size.
	g722Q6 = [32]int{
		0, 35, 72, 110, 150, 190, 233, 276,
		323, 370, 422, 473, 530, 587, 650, 714,
		786, 858, 940, 1023, 1121, 1219, 1339, 1458,
		1612, 1765, 1980, 2195, 2557, 2919, 0, 0,
	}
	// g722ILowNeg and g722ILowPos map a decision interval to the 6-bit low-band code.
	g722ILowNeg = [32]int{
		0, 63, 62, 31, 30, 29, 28, 27,
		26, 25, 24, 23, 22, 21, 20, 19,
		18, 17, 16, 15, 14, 13, 12, 11,
		10, 9, 8, 7, 6, 5, 4, 0,
	}
	g722ILowPos = [32]int{
		0, 61, 60, 59, 58, 57, 56, 55,
		54, 53, 52, 51, 50, 49, 48, 47,
		46, 45, 44, 43, 42, 41, 40, 39,
		38, 37, 36, 35, 34, 33, 32, 0,
	}
	// g722QM6 is the 6-bit inverse quantizer used to rebuild the low band.
	g722QM6 = [64]int{
		-136, -136, -136, -136, -24808, -21904, -19008, -16704,
		-14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
		-7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576,
		-3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
		24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192,
		10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
		4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032,
		1688, 1360, 1040, 728, 432, 136, -432, -136,
	}
	// g722QM4 is the 4-bit inverse quantizer that drives the low-band predictor.
	g722QM4 = [16]int{
		0, -20456, -12896, -8968, -6288, -4240, -2584, -1200,
		20456, 12896, 8968, 6288, 4240, 2584, 1200, 0,
	}
	// g722QM2 is the 2-bit high-band inverse quantizer.
	g722QM2 = [4]int{-7408, -1616, 7408, 1616}
	// Log step-size multipliers: low band by 4-bit code magnitude, high band by 2-bit code.
	g722WL    = [8]int{-60, -30, 58, 172, 334, 538, 1198, 3042}
	g722RL42  = [16]int{0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0}
	g722WH    = [3]int{0, -214, 798}
	g722RH2   = [4]int{2, 1, 2, 1}
	g722IHNeg = [3]int{0, 1, 0}
	g722IHPos = [3]int{0, 3, 2}
	// g722ILB is the inverse log table that turns the log step size into a linear one.
	g722ILB = [32]int{
		2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383,
		2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
		2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371,
		3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
	}
	// g722QMF are the 24-tap quadrature mirror filter coefficients (symmetric halves).
	g722QMF = [12]int{3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11}
)

// sat16 clamps v to the int16 range, as the ITU fixed-point arithmetic does.
func sat16(v int) int {
	switch {
	case v > 32767:
		return 32767
	case v < -32768:
		return -32768
	}
	return v
}

func clampInt(v, lo, hi int) int { return min(max(v, lo), hi) }

// g722Band is one sub-band's ADPCM state: the log and linear step sizes
// (blocks 3L/3H) and the adaptive pole/zero predictor (block 4).
type g722Band struct {
	nb, det int    // log step size, linear step size
	s       int    // predicted signal
	sp, sz  int    // pole and zero parts of the prediction
	r, p, a [3]int // reconstructed signal, partial reconstruction, pole coefficients
	d, b    [7]int // quantized differences, zero coefficients
}

// adaptStep updates the step size from the log multiplier w; nbMax and
// shift differ between the bands.
func (bd *g722Band) adaptStep(w, nbMax, shift int) {
	bd.nb = clampInt((bd.nb*127)>>7+w, 0, nbMax)
	idx := (bd.nb >> 6) & 31
	e := shift - (bd.nb >> 11)
	var v int
	if e < 0 {
		v = g722ILB[idx] << -e
	} else {
		v = g722ILB[idx] >> e
	}
	bd.det = v << 2
}

// predict feeds the quantized difference dq into the band's predictor and
// computes the next prediction (block 4: RECONS, PARREC, UPPOL2, UPPOL1,
// UPZERO, DELAYA, FILTEP, FILTEZ, PREDIC). Encoder and decoder run the same
// code on the same values, which keeps them in step.
func (bd *g722Band) predict(dq int) {
	r0 := sat16(bd.s + dq)
	p0 := sat16(bd.sz + dq)

	// Second pole coefficient (UPPOL2).
	sg0, sg1, sg2 := p0>>15, bd.p[1]>>15, bd.p[2]>>15
	wd1 := sat16(bd.a[1] << 2)
	wd2 := wd1
	if sg0 == sg1 {
		wd2 = -wd1
	}
	wd2 = min(wd2, 32767)
	wd3 := wd2 >> 7
	if sg0 == sg2 {
		wd3 += 128
	} else {
		wd3 -= 128
	}
	wd3 += (bd.a[2] * 32512) >> 15
	a2 := clampInt(wd3, -12288, 12288)

	// First pole coefficient (UPPOL1), kept inside the stability triangle.
	wd1 = -192
	if sg0 == sg1 {
		wd1 = 192
	}
	a1 := sat16(wd1 + (bd.a[1]*32640)>>15)
	lim := sat16(15360 - a2)
	a1 = clampInt(a1, -lim, lim)

	// Zero coefficients (UPZERO), updated in place: each b[i] depends only
	// on its old value and the old d[i].
	step := 128
	if dq == 0 {
		step = 0
	}
	sgd := dq >> 15
	d, b := &bd.d, &bd.b
	for i := 1; i < 7; i++ {
		w := -step
		if d[i]>>15 == sgd {
			w = step
		}
		b[i] = sat16(w + (b[i]*32640)>>15)
	}

	// Shift the delay lines (DELAYA).
	d[6], d[5], d[4], d[3], d[2], d[1] = d[5], d[4], d[3], d[2], d[1], dq
	bd.r[2], bd.r[1] = bd.r[1], r0
	bd.p[2], bd.p[1] = bd.p[1], p0
	bd.a[2], bd.a[1] = a2, a1

	// New prediction from the poles (FILTEP) and zeros (FILTEZ).
	pole := (a1*sat16(r0+r0))>>15 + (a2*sat16(bd.r[2]+bd.r[2]))>>15
	bd.sp = sat16(pole)
	sz := 0
	for i := 6; i > 0; i-- {
		sz += (b[i] * sat16(d[i]+d[i])) >> 15
	}
	bd.sz = sat16(sz)
	bd.s = sat16(bd.sp + bd.sz)
}

// g722State is one direction of a G.722 stream: both bands and the QMF history.
type g722State struct {
	low, high g722Band
	qmf       [24]int
}

func newG722State() *g722State {
	st := &g722State{}
	st.low.det = 32
	st.high.det = 8
	return st
}

// encode appends one code byte per two 16 kHz samples of pcm (an odd last
// sample is dropped).
func (st *g722State) encode(dst []byte, pcm PCM16) []byte {
	for j := 0; j+1 < len(pcm); j += 2 {
		// Transmit QMF: split the sample pair into low and high band.
		copy(st.qmf[:22], st.qmf[2:])
		st.qmf[22], st.qmf[23] = int(pcm[j]), int(pcm[j+1])
		var even, odd int
		for i := 0; i < 12; i++ {
			odd += st.qmf[2*i] * g722QMF[i]
			even += st.qmf[2*i+1] * g722QMF[11-i]
		}
		xlow := (even + odd) >> 14
		xhigh := (even - odd) >> 14

		// Low band: 6-bit adaptive quantizer (blocks 1L–4L).
		lo := &st.low
		el := sat16(xlow - lo.s)
		mag := el
		if el < 0 {
			mag = -(el + 1)
		}
		i := 1
		for ; i < 30; i++ {
			if mag < (g722Q6[i]*lo.det)>>12 {
				break
			}
		}
		ilow := g722ILowPos[i]
		if el < 0 {
			ilow = g722ILowNeg[i]
		}
		ril := ilow >> 2
		dlow := (lo.det * g722QM4[ril]) >> 15
		lo.adaptStep(g722WL[g722RL42[ril]], 18432, 8)
		lo.predict(dlow)

		// High band: 2-bit adaptive quantizer (blocks 1H–4H).
		hi := &st.high
		eh := sat16(xhigh - hi.s)
		mag = eh
		if eh < 0 {
			mag = -(eh + 1)
		}
		mih := 1
		if mag >= (564*hi.det)>>12 {
			mih = 2
		}
		ihigh := g722IHPos[mih]
		if eh < 0 {
			ihigh = g722IHNeg[mih]
		}
		dhigh := (hi.det * g722QM2[ihigh]) >> 15
		hi.adaptStep(g722WH[g722RH2[ihigh]], 22528, 10)
		hi.predict(dhigh)

		dst = append(dst, byte(ihigh<<6|ilow))
	}
	return dst
}

// decode appends two 16 kHz samples per code byte.
func (st *g722State) decode(dst PCM16, codes []byte) PCM16 {
	for _, code := range codes {
		ilow := int(code & 0x3f)
		ihigh := int(code >> 6)

		// Low band: reconstruct with the 6-bit inverse quantizer; adapt with the 4-bit one.
		lo := &st.low
		rlow := clampInt(lo.s+(lo.det*g722QM6[ilow])>>15, -16384, 16383)
		ril := ilow >> 2
		dlow := (lo.det * g722QM4[ril]) >> 15
		lo.adaptStep(g722WL[g722RL42[ril]], 18432, 8)
		lo.predict(dlow)

		// High band.
		hi := &st.high
		dhigh := (hi.det * g722QM2[ihigh]) >> 15
		rhigh := clampInt(dhigh+hi.s, -16384, 16383)
		hi.adaptStep(g722WH[g722RH2[ihigh]], 22528, 10)
		hi.predict(dhigh)

		// Receive QMF: merge the bands back into two samples.
		copy(st.qmf[:22], st.qmf[2:])
		st.qmf[22], st.qmf[23] = rlow+rhigh, rlow-rhigh
		var out1, out2 int
		for i := 0; i < 12; i++ {
			out2 += st.qmf[2*i] * g722QMF[i]
			out1 += st.qmf[2*i+1] * g722QMF[11-i]
		}
		dst = append(dst, int16(sat16(out1>>11)), int16(sat16(out2>>11)))
	}
	return dst
}
