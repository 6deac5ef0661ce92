// Package audiotest generates and checks audio in tests. Tests of codecs,
// resamplers, legs and bridges send a tone in and check that the tone comes
// out, instead of comparing bytes that legitimately differ after lossy
// coding, resampling or jitter.
package audiotest

import (
	"math"
	"os"

	"github.com/hotline-cc/hotline/media"
)

// fullScale is the magnitude that amplitude 1.0 and 0 dBFS refer to.
const fullScale = 32768.0

// Tone returns ms milliseconds of a sine at freqHz sampled at rate.
// amplitude is a fraction of full scale (0..1); the peak is amplitude×32767.
func Tone(freqHz float64, rate int, ms int, amplitude float64) media.PCM16 {
	n := rate * ms / 1000
	out := make(media.PCM16, n)
	w := 2 * math.Pi * freqHz / float64(rate)
	for i := range out {
		out[i] = int16(math.Round(amplitude * 32767 * math.Sin(w*float64(i))))
	}
	return out
}

// Mix adds signals sample by sample, clipping to 16 bits. The result is as
// long as the longest input.
func Mix(signals ...media.PCM16) media.PCM16 {
	n := 0
	for _, s := range signals {
		n = max(n, len(s))
	}
	out := make(media.PCM16, n)
	for i := range out {
		var sum int
		for _, s := range signals {
			if i < len(s) {
				sum += int(s[i])
			}
		}
		out[i] = int16(max(math.MinInt16, min(math.MaxInt16, sum)))
	}
	return out
}

// Goertzel returns the power of the freqHz component of samples, scaled so
// that a full-scale sine at exactly that frequency gives 1 and a sine of
// amplitude a gives a². It evaluates the DFT at freqHz itself, not at the
// nearest bin, so any frequency can be probed.
func Goertzel(samples media.PCM16, freqHz float64, rate int) float64 {
	n := len(samples)
	if n == 0 {
		return 0
	}
	w := 2 * math.Pi * freqHz / float64(rate)
	coeff := 2 * math.Cos(w)
	var s1, s2 float64
	for _, x := range samples {
		s0 := float64(x) + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	// |X(w)|² from the final two states.
	re := s1 - s2*math.Cos(w)
	im := s2 * math.Sin(w)
	mag := math.Sqrt(re*re+im*im) * 2 / float64(n) / fullScale
	return mag * mag
}

// meanSquare is the mean power relative to a full-scale square wave.
func meanSquare(samples media.PCM16) float64 {
	if len(samples) == 0 {
		return 0
	}
	var sum float64
	for _, x := range samples {
		v := float64(x) / fullScale
		sum += v * v
	}
	return sum / float64(len(samples))
}

// ToneRatio returns the share of the signal's power at freqHz: 1 for a pure
// tone at that frequency, about 0.5 for each of two equal tones, near 0 for
// other tones, noise and silence.
func ToneRatio(samples media.PCM16, freqHz float64, rate int) float64 {
	total := meanSquare(samples)
	if total == 0 {
		return 0
	}
	// A sine of amplitude a has mean power a²/2 and Goertzel power a².
	return Goertzel(samples, freqHz, rate) / 2 / total
}

// RMSdBFS returns the RMS level in dB relative to full scale, where a
// full-scale square wave is 0 dBFS and a full-scale sine is about -3 dBFS.
// Silence gives -Inf.
func RMSdBFS(samples media.PCM16) float64 {
	return 10 * math.Log10(meanSquare(samples))
}

// Detection thresholds for DetectTone.
const (
	// DetectMinRatio is the share of power the tone must hold.
	DetectMinRatio = 0.5
	// DetectMinLevel is the quietest window, in dBFS, that can hold a tone;
	// below it the "tone" would be lost in any real line's noise.
	DetectMinLevel = -40.0
	// DetectWindowMs is the length of the window that is analysed.
	DetectWindowMs = 500
)

// DetectTone reports whether a tone at freqHz dominates samples. It looks at
// the loudest DetectWindowMs window (found on a 10 ms grid), so leading or
// trailing silence — a call that starts quiet, a prompt with a pause — does
// not dilute the tone. The tone is present when it holds at least
// DetectMinRatio of that window's power and the window is louder than
// DetectMinLevel. ratio is the tone's share of the window's power.
func DetectTone(samples media.PCM16, freqHz float64, rate int) (present bool, ratio float64) {
	win := LoudestWindow(samples, rate, DetectWindowMs)
	ratio = ToneRatio(win, freqHz, rate)
	return ratio >= DetectMinRatio && RMSdBFS(win) >= DetectMinLevel, ratio
}

// LoudestWindow returns the ms-long stretch of samples with the most energy,
// searched on a 10 ms grid, or all of samples if they are shorter.
func LoudestWindow(samples media.PCM16, rate int, ms int) media.PCM16 {
	n := rate * ms / 1000
	if n <= 0 || len(samples) <= n {
		return samples
	}
	step := max(1, rate/100)
	var energy float64
	for _, x := range samples[:n] {
		energy += float64(x) * float64(x)
	}
	best, bestAt := energy, 0
	for start := step; start+n <= len(samples); start += step {
		for _, x := range samples[start-step : start] {
			energy -= float64(x) * float64(x)
		}
		for _, x := range samples[start+n-step : start+n] {
			energy += float64(x) * float64(x)
		}
		if energy > best {
			best, bestAt = energy, start
		}
	}
	return samples[bestAt : bestAt+n]
}

// ReadWAVFile reads a WAV file as mono samples and its sample rate.
func ReadWAVFile(path string) (media.PCM16, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	return media.ReadWAV(f)
}
