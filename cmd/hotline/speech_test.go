package main

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/hotline-cc/hotline/asr"
)

// wideband is a recognizer that, like the embedded one, hears 16 kHz calls only.
type wideband struct{}

func (wideband) Recognize(context.Context, asr.Utterance) (asr.Result, error) {
	return asr.Result{}, nil
}
func (wideband) Name() string { return "wideband" }
func (wideband) CanHear(rate int, _ string, _ []string) error {
	if rate != 16000 {
		return fmt.Errorf("%d Hz: %w", rate, asr.ErrUnsupportedRate)
	}
	return nil
}

func TestMenuSpeech(t *testing.T) {
	phrases := []string{"agent"}
	m := menuSpeech{asr: wideband{}}
	if r, err := m.ForMenu(phrases, "en-US", 16000); err != nil || r == nil {
		t.Errorf("wideband call: %v, %v", r, err)
	}
	if _, err := m.ForMenu(phrases, "en-US", 8000); !errors.Is(err, asr.ErrUnsupportedRate) {
		t.Errorf("narrowband call: err = %v", err)
	}
	missing := menuSpeech{err: asr.ErrEngineMissing}
	if _, err := missing.ForMenu(phrases, "en-US", 16000); !errors.Is(err, asr.ErrEngineMissing) {
		t.Errorf("no recognizer: err = %v", err)
	}
}
