package transcribe

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/openaicompat"
	"github.com/hotline-cc/hotline/record"
)

// Through the real OpenAI-compatible client: a local transcription server answers verbose_json
// with the word "hello" at the tone's onset in each upload, and the turn's word lands on the
// call's timeline where the tone is in the recording.
func TestTranscribeOpenAIWords(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseMultipartForm(1 << 22); err != nil || r.FormValue("response_format") != "verbose_json" {
			http.Error(w, "want verbose_json", http.StatusBadRequest)
			return
		}
		f, _, err := r.FormFile("file")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		pcm, rate, err := media.ReadWAV(f)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		text := "hello agent"
		if ok, _ := audiotest.DetectTone(pcm, 500, rate); ok {
			text = "hello caller"
		}
		onset := 0
		for onset < len(pcm) && pcm[onset] > -1000 && pcm[onset] < 1000 {
			onset++
		}
		at := float64(onset) / float64(rate)
		fmt.Fprintf(w, `{"language":"english","text":%q,"words":[{"word":"%s","start":%.3f,"end":%.3f}]}`,
			text, text[:2], at, at+0.3)
	}))
	defer srv.Close()
	rec, err := asr.NewOpenAI(asr.Config{Endpoint: openaicompat.Endpoint{BaseURL: srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	left := channel(8, span{2, 3.5, 300})
	right := channel(8, span{4.25, 6, 500})
	turns, err := Transcribe(context.Background(), rec, left, right, rate, t0, Options{
		Agent: []record.Interval{{Start: t0, End: t0.Add(8 * time.Second)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(turns) != 2 || turns[0].Speaker != record.SpeakerCaller || turns[1].Speaker != record.SpeakerAgent {
		t.Fatalf("turns %+v", turns)
	}
	for i, want := range []time.Duration{2 * time.Second, 4250 * time.Millisecond} {
		tr := turns[i]
		if tr.Lang != "en" || len(tr.Words) != 1 {
			t.Fatalf("turn %d: %+v", i, tr)
		}
		if d := tr.Words[0].Start.Sub(t0) - want; d < -20*time.Millisecond || d > 20*time.Millisecond {
			t.Errorf("turn %d: word at %v, the tone starts at %v", i, tr.Words[0].Start.Sub(t0), want)
		}
	}
}
