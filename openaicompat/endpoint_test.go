package openaicompat

import (
	"strings"
	"testing"
)

func TestKey(t *testing.T) {
	t.Setenv("HOTLINE_TEST_KEY", "from-env")
	t.Setenv("HOTLINE_TEST_EMPTY", "")
	for _, tc := range []struct {
		ep      Endpoint
		key     string
		problem bool
	}{
		{Endpoint{APIKey: "in-file"}, "in-file", false},
		{Endpoint{APIKeyEnv: "HOTLINE_TEST_KEY", APIKey: "in-file"}, "from-env", false},
		{Endpoint{APIKeyEnv: "HOTLINE_TEST_EMPTY", APIKey: "in-file"}, "in-file", false},
		{Endpoint{APIKeyEnv: "HOTLINE_TEST_UNSET_XYZ", APIKey: "in-file"}, "in-file", false},
		{Endpoint{APIKeyEnv: "HOTLINE_TEST_UNSET_XYZ"}, "", true},
		{Endpoint{}, "", false},
	} {
		if got := tc.ep.Key(); got != tc.key {
			t.Errorf("%+v: key %q, want %q", tc.ep, got, tc.key)
		}
		if p := tc.ep.KeyProblem(); (p != "") != tc.problem || (p != "" && !strings.Contains(p, tc.ep.APIKeyEnv)) {
			t.Errorf("%+v: problem %q", tc.ep, p)
		}
	}
}

func TestURLAndString(t *testing.T) {
	e := Endpoint{BaseURL: "http://127.0.0.1:8000/v1/", Model: "whisper-1", APIKey: "secret"}
	if e.URL() != "http://127.0.0.1:8000/v1" {
		t.Fatalf("URL %q", e.URL())
	}
	if s := e.String(); s != "http://127.0.0.1:8000/v1, whisper-1" || strings.Contains(s, "secret") {
		t.Fatalf("String %q", s)
	}
	if e.Client() == nil {
		t.Fatal("no client")
	}
}
