// Package amdtest makes the labelled set answering-machine detection is measured on: short
// live-style answers ("Hello?", "喂？") and long voicemail greetings, with and without a beep
// after them, spoken by espeak-ng in English and Mandarin voices at several speeds and
// pitches, after leading silences of different lengths, some under white or pink noise. The
// clips are synthetic: they show how the detector handles cadence, not how it fares with
// real people, whose greetings vary far more.
//
// Rendered speech is cached as 8 kHz WAV files (about 15 MB) in a directory the caller
// names; the clips are put together from it in memory, the same way on every run.
package amdtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/amd"
	"github.com/hotline-cc/hotline/media"
)

// Rate is the sample rate of the clips: narrowband, what most outbound calls carry.
const Rate = 8000

// ErrNoEspeak is returned when espeak-ng is not installed.
var ErrNoEspeak = errors.New("amdtest: espeak-ng not found (apt-get install espeak-ng)")

// Clip is one labelled answer: the callee's audio from the moment the call was answered.
type Clip struct {
	Name    string
	Label   amd.Verdict // Human or Machine
	Lang    string      // "en" or "zh"
	Text    string
	Voice   string
	Noise   string // "", "white" or "pink"
	SNR     float64
	Lead    time.Duration // silence before the speech
	Beep    bool          // a beep follows the greeting
	BeepEnd time.Duration // where it ends
	Audio   media.PCM16
}

var (
	humanEN = []string{"Hello?", "Hi, this is Anna.", "Yes?", "Hello, who's calling?", "Hey.", "Speaking.",
		"Good morning.", "Yeah, hello?", "Hello, yes?", "Hi there, who is it?", "Yes, hello?", "Hello, John here."}
	humanZH = []string{"喂？", "你好，哪位？", "喂，你好。", "您好，请讲。", "哪位？", "喂，哪位啊？",
		"喂，你好，哪位？", "您好，请问哪位？", "喂，你好，请讲。", "你好，找谁？"}
	// Voicemail greetings, with the typical places for a pause.
	machineEN = []string{
		"Hi, you have reached the voicemail of John Smith. I cannot take your call right now, please leave a message after the tone.",
		"Hello, you've reached Anna. I'm not available at the moment. Please leave your name and number and I will call you back.",
		"The person you are calling is not available. Please record your message after the tone. When you are finished, hang up.",
		"Thanks for calling. Sorry I missed you. Leave a message and I'll get back to you as soon as I can.",
	}
	machineZH = []string{
		"您好，您拨打的用户暂时无法接听，请在提示音后留言。",
		"你好，我是张伟，现在不方便接电话，请留下您的姓名和电话，我会尽快回复。",
		"您好，这里是李娜的语音信箱，请在嘀声后留言，谢谢。",
	}
	// People who answer with a whole sentence: their greeting is as long as a short voicemail's.
	longHumanEN = []string{"Hello, this is Anna Smith speaking, how can I help you?", "Good afternoon, Smith and Partners, John speaking."}
	longHumanZH = []string{"喂，你好，我是张伟，请问您是哪位？"}
	voicesEN    = []string{"en-us", "en-gb", "en-gb-scotland", "en-029", "en-us+f3", "en-gb+f2", "en-us+m3", "en-gb-x-rp+f4"}
	voicesZH    = []string{"cmn-latn-pinyin", "cmn-latn-pinyin+f2", "cmn-latn-pinyin+m3", "cmn-latn-pinyin+f4"}
	beepHz      = []float64{500, 800, 1000, 1000, 1200, 1400, 1800}
)

// Set renders (or reads from cacheDir) and returns the labelled set: 98 human answers of one
// to five syllables or words and 96 voicemail greetings, half of those with a beep; a third
// of all clips under white noise and a sixth under pink noise, at 15–20 dB SNR.
func Set(cacheDir string) ([]Clip, error) {
	return build(cacheDir, 15, func(add adder) error {
		if err := add(amd.Human, "en", humanEN, voicesEN, 4); err != nil {
			return err
		}
		if err := add(amd.Human, "zh", humanZH, voicesZH, 5); err != nil {
			return err
		}
		if err := add(amd.Machine, "en", machineEN, voicesEN, 12); err != nil {
			return err
		}
		return add(amd.Machine, "zh", machineZH, voicesZH, 16)
	})
}

// LongHumans returns 12 people who answer with a whole sentence ("Hello, this is Anna Smith
// speaking, how can I help you?"). Cadence alone takes them for machines, as it does in
// app_amd: they are measured apart from Set, to show the cost, not counted in its accuracy.
func LongHumans(cacheDir string) ([]Clip, error) {
	return build(cacheDir, 16, func(add adder) error {
		if err := add(amd.Human, "en", longHumanEN, voicesEN, 4); err != nil {
			return err
		}
		return add(amd.Human, "zh", longHumanZH, voicesZH, 4)
	})
}

// adder renders per clips of each text, in voices taken in turn, labelled label.
type adder func(label amd.Verdict, lang string, texts, voices []string, per int) error

func build(cacheDir string, seed uint64, fill func(adder) error) ([]Clip, error) {
	bin, err := exec.LookPath("espeak-ng")
	if err != nil {
		return nil, ErrNoEspeak
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, err
	}
	version := espeakVersion(bin)
	rng := rand.New(rand.NewPCG(seed, 2026))
	var clips []Clip
	add := func(label amd.Verdict, lang string, texts, voices []string, per int) error {
		for ti, text := range texts {
			for k := range per {
				c := Clip{Label: label, Lang: lang, Text: text, Voice: voices[(ti*per+k)%len(voices)]}
				speed, pitch := 130+rng.IntN(71), 30+rng.IntN(41)
				speech, err := render(bin, version, cacheDir, c.Voice, speed, pitch, text)
				if err != nil {
					return err
				}
				c.Name = fmt.Sprintf("%s-%s-%d-%s-s%d-p%d", strings.ToLower(label.String()), lang, ti, c.Voice, speed, pitch)
				compose(&c, speech, rng, len(clips))
				clips = append(clips, c)
			}
		}
		return nil
	}
	if err := fill(add); err != nil {
		return nil, err
	}
	return clips, nil
}

// compose puts a clip together around the speech: the leading silence, the speech at a random
// level, what follows it (a person waiting, maybe saying hello again; a voicemail's beep and
// its recording silence), and the line's noise.
func compose(c *Clip, speech media.PCM16, rng *rand.Rand, i int) {
	ms := func(lo, hi int) time.Duration { return time.Duration(lo+rng.IntN(hi-lo+1)) * time.Millisecond }
	n := func(d time.Duration) int { return int(d * Rate / time.Second) }
	speech = scalePeak(speech, -3-9*rng.Float64())
	c.Lead = ms(200, 1500)
	if c.Label == amd.Machine && i%12 == 5 {
		c.Lead = ms(2800, 3500) // a voicemail that waits before its greeting
	}
	audio := make(media.PCM16, n(c.Lead))
	audio = append(audio, speech...)
	switch c.Label {
	case amd.Human:
		// The person waits for the caller; one in four says hello again.
		audio = append(audio, make(media.PCM16, n(ms(1500, 2500)))...)
		if i%4 == 1 {
			audio = append(audio, speech...)
		}
		audio = append(audio, make(media.PCM16, n(3*time.Second))...)
	case amd.Machine:
		if i%2 == 0 {
			audio = append(audio, make(media.PCM16, n(ms(200, 800)))...)
			beep := tone(beepHz[rng.IntN(len(beepHz))], n(ms(200, 600)), peak(speech)*0.7)
			audio = append(audio, beep...)
			c.Beep, c.BeepEnd = true, time.Duration(len(audio))*time.Second/Rate
		}
		audio = append(audio, make(media.PCM16, n(3*time.Second))...)
	}
	noise := make([]float64, len(audio))
	switch i % 3 {
	case 1:
		c.Noise = "white"
	case 2:
		if i%6 == 5 {
			c.Noise = "pink"
		}
	}
	for j := range noise {
		noise[j] = rng.NormFloat64()
	}
	if c.Noise == "pink" {
		pink(noise)
	}
	level := 6.0 // faint line noise, about -70 dBFS
	if c.Noise != "" {
		c.SNR = 15 + 5*rng.Float64()
		level = rms(speech) / math.Pow(10, c.SNR/20)
		c.Name += fmt.Sprintf("-%s%.0fdB", c.Noise, c.SNR)
	}
	norm := rmsF(noise)
	for j, v := range noise {
		audio[j] = clip16(float64(audio[j]) + v/norm*level)
	}
	if c.Beep {
		c.Name += "-beep"
	}
	c.Audio = audio
}

// render speaks text with espeak-ng at 8 kHz, from the cache when it is there.
func render(bin, version, dir, voice string, speed, pitch int, text string) (media.PCM16, error) {
	h := sha256.Sum256([]byte(strings.Join([]string{version, voice, strconv.Itoa(speed), strconv.Itoa(pitch), text}, "\x00")))
	path := filepath.Join(dir, hex.EncodeToString(h[:8])+".wav")
	if s, err := media.LoadWAVFile(path, Rate); err == nil {
		return s, nil
	}
	raw := path + ".22k.tmp"
	cmd := exec.Command(bin, "-v", voice, "-s", strconv.Itoa(speed), "-p", strconv.Itoa(pitch), "-w", raw, "--stdin")
	cmd.Stdin = strings.NewReader(text)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("amdtest: espeak-ng -v %s: %v: %s", voice, err, strings.TrimSpace(stderr.String()))
	}
	defer os.Remove(raw)
	s, err := media.LoadWAVFile(raw, Rate)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := media.WriteWAV(&buf, s, Rate); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path+".tmp", buf.Bytes(), 0o644); err != nil {
		return nil, err
	}
	return s, os.Rename(path+".tmp", path)
}

func espeakVersion(bin string) string {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// tone is a sine of n samples with 5 ms ramps, as a voicemail's beep.
func tone(hz float64, n int, amp float64) media.PCM16 {
	out := make(media.PCM16, n)
	ramp := Rate * 5 / 1000
	for i := range out {
		g := 1.0
		if i < ramp {
			g = float64(i) / float64(ramp)
		} else if n-i < ramp {
			g = float64(n-i) / float64(ramp)
		}
		out[i] = clip16(amp * g * math.Sin(2*math.Pi*hz*float64(i)/Rate))
	}
	return out
}

// pink filters white noise to a 1/f spectrum (Paul Kellet's economy filter).
func pink(x []float64) {
	var b0, b1, b2 float64
	for i, w := range x {
		b0 = 0.99765*b0 + w*0.0990460
		b1 = 0.96300*b1 + w*0.2965164
		b2 = 0.57000*b2 + w*1.0526913
		x[i] = b0 + b1 + b2 + w*0.1848
	}
}

func peak(p media.PCM16) float64 {
	m := 0.0
	for _, s := range p {
		m = math.Max(m, math.Abs(float64(s)))
	}
	return m
}

func scalePeak(p media.PCM16, dbfs float64) media.PCM16 {
	g := 32767 * math.Pow(10, dbfs/20) / math.Max(peak(p), 1)
	out := make(media.PCM16, len(p))
	for i, s := range p {
		out[i] = clip16(float64(s) * g)
	}
	return out
}

// rms is the level of the voiced part of p: samples above 1 % of the peak.
func rms(p media.PCM16) float64 {
	gate := peak(p) / 100
	var sum float64
	k := 0
	for _, s := range p {
		if v := float64(s); math.Abs(v) > gate {
			sum += v * v
			k++
		}
	}
	return math.Sqrt(sum / float64(max(k, 1)))
}

func rmsF(x []float64) float64 {
	var sum float64
	for _, v := range x {
		sum += v * v
	}
	return math.Max(math.Sqrt(sum/float64(max(len(x), 1))), 1e-9)
}

func clip16(v float64) int16 {
	return int16(max(math.MinInt16, min(math.MaxInt16, math.Round(v))))
}
