package main

import (
	"fmt"

	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/ivr"
)

// menuSpeech gives menus with keywords the server's recognizer (engines.asr, shared with the bots)
// wherever it can hear the call; the embedded PocketSphinx, for one, hears only 16 kHz English calls.
type menuSpeech struct {
	asr asr.Recognizer
	err error // why there is no recognizer
}

var _ ivr.MenuSpeech = menuSpeech{}

func (m menuSpeech) ForMenu(phrases []string, lang string, rate int) (asr.Recognizer, error) {
	if m.asr == nil {
		return nil, fmt.Errorf("speech recognition unavailable: %w", m.err)
	}
	if err := asr.CanHear(m.asr, rate, lang, phrases); err != nil {
		return nil, err
	}
	return m.asr, nil
}
