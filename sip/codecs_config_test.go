package sip

import (
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/media/opus"
)

func TestConfiguredCodecs(t *testing.T) {
	cs, warn, err := ConfiguredCodecs(nil)
	if err != nil || len(warn) != 0 || cs.Names() != DefaultCodecs().Names() {
		t.Fatalf("default: %s %v %v", cs.Names(), warn, err)
	}
	cs, warn, err = ConfiguredCodecs([]string{"opus", "pcma"})
	switch {
	case err != nil:
		t.Fatal(err)
	case opus.Available && (cs.Names() != "opus PCMA" || len(warn) != 0):
		t.Fatalf("with opus: %s %v", cs.Names(), warn)
	case !opus.Available && (cs.Names() != "PCMA" || len(warn) != 1 || !strings.Contains(warn[0], "no Opus")):
		t.Fatalf("without opus: %s %v", cs.Names(), warn)
	}
	if _, _, err := ConfiguredCodecs([]string{"G729"}); err == nil {
		t.Fatal("G729 accepted")
	}
}
