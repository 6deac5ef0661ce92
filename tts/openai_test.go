package tts_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hotline-cc/hotline/bot/openaitest"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/openaicompat"
	"github.com/hotline-cc/hotline/tts"
)

func TestOpenAISynthesize(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	for _, format := range []string{"wav", "pcm"} {
		s, err := tts.NewOpenAI(tts.OpenAIConfig{Endpoint: openaicompat.Endpoint{BaseURL: srv.BaseURL()}, Format: format})
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.Synthesize(context.Background(), "Hello there.", "en-US")
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if a.Rate != 24000 {
			t.Errorf("%s: rate %d", format, a.Rate)
		}
		// The fake speaks 60 ms a character: 12 characters.
		if d := a.Duration().Milliseconds(); d < 700 || d > 740 {
			t.Errorf("%s: %d ms of audio", format, d)
		}
		if ok, _ := audiotest.DetectTone(a.Samples, 440, a.Rate); !ok {
			t.Errorf("%s: the server's tone is not in the audio", format)
		}
	}
	s, _ := tts.NewOpenAI(tts.OpenAIConfig{Endpoint: openaicompat.Endpoint{BaseURL: srv.BaseURL()}})
	if _, err := s.Synthesize(context.Background(), "  ", "en"); !errors.Is(err, tts.ErrEmptyText) {
		t.Errorf("empty text: %v", err)
	}
	if _, err := tts.NewOpenAI(tts.OpenAIConfig{Endpoint: openaicompat.Endpoint{BaseURL: srv.BaseURL()}, Format: "mp3"}); err == nil {
		t.Error("mp3 accepted")
	}
	bad, _ := tts.NewOpenAI(tts.OpenAIConfig{Endpoint: openaicompat.Endpoint{BaseURL: srv.URL + "/nowhere"}})
	if _, err := bad.Synthesize(context.Background(), "hi", "en"); err == nil {
		t.Error("404 accepted")
	}
}
