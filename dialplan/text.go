package dialplan

import (
	"context"
	"slices"
)

// Prompt languages a dialplan may use.
const (
	LangEnUS = "en-US"
	LangZhCN = "zh-CN"
)

// languages are the supported languages, in the order Text falls back through them.
var languages = []string{LangEnUS, LangZhCN}

// Languages returns the prompt languages a dialplan may use.
func Languages() []string { return slices.Clone(languages) }

// Text is what a prompt says: one text for every language (All), or one text per language (ByLang).
type Text struct {
	All    string
	ByLang map[string]string
}

// IsZero reports whether the text says nothing.
func (t Text) IsZero() bool { return t.All == "" && len(t.ByLang) == 0 }

// For picks the text for a call in lang and the language it is in. A per-language text missing lang falls
// back to the first supported language it has, so the caller hears something rather than silence.
func (t Text) For(lang string) (text, textLang string) {
	if t.All != "" {
		return t.All, lang
	}
	if s, ok := t.ByLang[lang]; ok {
		return s, lang
	}
	for _, l := range languages {
		if s, ok := t.ByLang[l]; ok {
			return s, l
		}
	}
	return "", lang
}

// Prompt builds the prompt that says t to a call in lang.
func (t Text) Prompt(lang string) Prompt {
	s, l := t.For(lang)
	return Prompt{Text: s, Lang: l}
}

// say plays t if it is set.
func say(ctx context.Context, c Call, t Text, interruptible bool) error {
	if t.IsZero() {
		return nil
	}
	return c.Play(ctx, t.Prompt(c.Language()), interruptible)
}
