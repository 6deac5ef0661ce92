package engines

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/bot"
	"github.com/hotline-cc/hotline/config"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/openaicompat"
	"github.com/hotline-cc/hotline/tts"
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

func testSet(t *testing.T, r asr.Recognizer, rErr error, cfg config.Engines) *Set {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return &Set{ctx: ctx, log: slog.New(slog.NewTextHandler(io.Discard, nil)), cfg: cfg, indexDir: t.TempDir(),
		asr: r, asrErr: rErr, metrics: bot.NewMetrics(), kbs: map[string]*knowledge{}}
}

func TestForMenu(t *testing.T) {
	phrases := []string{"agent"}
	s := testSet(t, wideband{}, nil, config.Engines{})
	if r, err := s.ForMenu(phrases, "en-US", 16000); err != nil || r == nil {
		t.Errorf("wideband call: %v, %v", r, err)
	}
	if _, err := s.ForMenu(phrases, "en-US", 8000); !errors.Is(err, asr.ErrUnsupportedRate) {
		t.Errorf("narrowband call: err = %v", err)
	}
	missing := testSet(t, nil, asr.ErrEngineMissing, config.Engines{})
	if _, err := missing.ForMenu(phrases, "en-US", 16000); !errors.Is(err, asr.ErrEngineMissing) {
		t.Errorf("no recognizer: err = %v", err)
	}
	if _, err := missing.ForProfile(&dialplan.BotProfile{Name: "b"}); !errors.Is(err, asr.ErrEngineMissing) {
		t.Errorf("bot without a recognizer: err = %v", err)
	}
}

// A bot profile gets its knowledge base's index (built once, shared by the profiles naming the
// folder) and a dialog engine that answers from it.
func TestForProfileKnowledge(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hours.md"), []byte("# Opening hours\n\nWe are open from 8 am to 8 pm every day.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := testSet(t, wideband{}, nil, config.Engines{})
	a, err := s.ForProfile(&dialplan.BotProfile{Name: "a", KnowledgeBase: dir})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.ForProfile(&dialplan.BotProfile{Name: "b", KnowledgeBase: dir})
	if err != nil || a.KB == nil || a.KB != b.KB || a.ASR == nil || a.OnTurn == nil {
		t.Fatalf("profiles: %+v %+v %v", a, b, err)
	}
	st, err := a.Dialog.Respond(context.Background(), dialog.Request{Lang: "en-US",
		History: []dialog.Message{{Role: dialog.RoleCaller, Text: "when are you open"}}, Passages: a.KB.SearchContext(context.Background(), "when are you open", 3)})
	if err != nil {
		t.Fatal(err)
	}
	var said strings.Builder
	for {
		ev, err := st.Recv()
		if err != nil {
			break
		}
		said.WriteString(ev.Text)
	}
	if !strings.Contains(said.String(), "8 am to 8 pm") {
		t.Fatalf("embedded dialog answered %q", said.String())
	}
	if _, err := s.ForProfile(&dialplan.BotProfile{Name: "c", KnowledgeBase: filepath.Join(dir, "missing")}); err == nil {
		t.Fatal("a missing knowledge-base folder was accepted")
	}
}

func TestDescribeKeyProblems(t *testing.T) {
	cfg := config.Engines{}
	cfg.LLM.Backend = "openai"
	cfg.LLM.Endpoint = openaicompat.Endpoint{BaseURL: "https://api.deepseek.com/v1", Model: "deepseek-chat", APIKeyEnv: "HOTLINE_TEST_UNSET_KEY"}
	cfg.ASR.Endpoint = openaicompat.Endpoint{APIKeyEnv: "HOTLINE_TEST_UNSET_KEY"} // embedded backend: its endpoint is not used
	s := testSet(t, wideband{}, nil, cfg)
	s.tts = nameOnly("espeak")
	d := s.Describe()
	if d.Dialog != "openai-compatible(https://api.deepseek.com/v1, deepseek-chat)" || d.ASR != "wideband" || d.TTS != "espeak" {
		t.Fatalf("description %+v", d)
	}
	if len(d.KeyProblems) != 1 || !strings.HasPrefix(d.KeyProblems[0], "engines.llm: api_key_env HOTLINE_TEST_UNSET_KEY") {
		t.Fatalf("key problems %q", d.KeyProblems)
	}
}

type nameOnly string

func (n nameOnly) Synthesize(context.Context, string, string) (tts.Audio, error) {
	return tts.Audio{}, nil
}
func (n nameOnly) Name() string { return string(n) }
