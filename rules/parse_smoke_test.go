package rules

import "testing"

func TestDemoFile(t *testing.T) {
	s, err := Load("../configs/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Rules()) != 8 {
		t.Fatalf("%d rules", len(s.Rules()))
	}
}
