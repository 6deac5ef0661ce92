package main

import (
	"strings"
	"testing"
)

func TestMergeReport(t *testing.T) {
	old := "# hotline benchmarks\n\nWritten on day 1.\n\n## Call setup rate\n\nold rate\n\n## Concurrent calls\n\nold conc\n\n## Bot\n\nold bot\n"
	fresh := "# hotline benchmarks\n\nWritten on day 2.\n\n## Concurrent calls\n\nnew conc\n\n## Soak\n\nnew soak\n"
	got := mergeReport(old, fresh, "Rewritten on day 2: Concurrent calls, Soak.")
	for _, want := range []string{"Written on day 1.", "Rewritten on day 2", "old rate", "new conc", "old bot", "new soak"} {
		if !strings.Contains(got, want) {
			t.Errorf("merged report lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "old conc") {
		t.Errorf("the replaced section stayed:\n%s", got)
	}
	if strings.Index(got, "new conc") > strings.Index(got, "old bot") {
		t.Errorf("a replaced section moved:\n%s", got)
	}
}
