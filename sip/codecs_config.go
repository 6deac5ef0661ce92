package sip

import (
	"slices"
	"strings"

	"github.com/hotline-cc/hotline/media/opus"
)

// ConfiguredCodecs turns sip.codecs of hotline.yaml into the codecs offered and accepted: none
// listed is DefaultCodecs; Opus listed in a build without libopus is left out, with a warning for
// the log, so the same configuration serves both builds.
func ConfiguredCodecs(names []string) (Codecs, []string, error) {
	if len(names) == 0 {
		return DefaultCodecs(), nil, nil
	}
	var warnings []string
	if !opus.Available && slices.ContainsFunc(names, isOpus) {
		warnings = append(warnings, "sip.codecs: this build has no Opus (build with libopus-dev installed: make build); offering the others")
		names = slices.DeleteFunc(slices.Clone(names), isOpus)
	}
	cs, err := ParseCodecs(names)
	return cs, warnings, err
}

func isOpus(n string) bool { return strings.EqualFold(n, "opus") }

// Names lists the codecs as the log shows them: "opus G722 PCMU PCMA".
func (cs Codecs) Names() string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Info().Name
	}
	return strings.Join(names, " ")
}
