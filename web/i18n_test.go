package web

import (
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// Every page's English texts have a Chinese entry: the strings its scripts pass to t() as
// literals and the keys its HTML marks with data-i18n*. The test reads the files the page
// loads, so a new untranslated string fails it.
var (
	scriptSrc = regexp.MustCompile(`<script src="([^"]+)"`)
	markedKey = regexp.MustCompile(`data-(?:i18n(?:-placeholder|-title|-aria-label)?|tp?)="([^"]*)"`)
	tCall     = regexp.MustCompile(`\bt\(\s*"((?:[^"\\]|\\.)*)"`)
	zhBlock   = regexp.MustCompile(`(?s)hotlineI18nZh\s*=\s*Object\.assign\(window\.hotlineI18nZh \|\| \{\}, \{(.*?)\n\}\);`)
	zhKey     = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"\s*:\s*"`)
)

// pageScript maps a script's URL on a page to its file in this package.
func pageScript(page, src string) string {
	switch {
	case src == I18nPath:
		return "i18n/i18n.js"
	case strings.HasPrefix(src, "/desktop/"):
		return "desktop/" + strings.TrimPrefix(src, "/desktop/")
	case strings.HasPrefix(src, "/staff/"):
		return "calls/" + strings.TrimPrefix(src, "/staff/")
	case strings.HasPrefix(src, "/replies/"):
		return "replies/" + strings.TrimPrefix(src, "/replies/")
	case !strings.HasPrefix(src, "/"):
		return filepath.Join(filepath.Dir(page), src)
	}
	return ""
}

func unquoteJS(s string) string { return strings.ReplaceAll(s, `\"`, `"`) }

func TestEveryPageStringHasChinese(t *testing.T) {
	pages := []string{"desktop/agent.html", "desktop/supervisor.html", "editor/index.html",
		"calls/calls.html", "calls/call.html", "calls/insights.html", "replies/replies.html"}
	for _, page := range pages {
		html, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		used := map[string]string{} // English text → where
		for _, m := range markedKey.FindAllStringSubmatch(string(html), -1) {
			used[m[1]] = page
		}
		zh := map[string]bool{}
		loadsI18n := false
		for _, m := range scriptSrc.FindAllStringSubmatch(string(html), -1) {
			file := pageScript(page, m[1])
			if file == "" {
				t.Fatalf("%s: script %s is not one of ours", page, m[1])
			}
			loadsI18n = loadsI18n || file == "i18n/i18n.js"
			js, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%s: %v", page, err)
			}
			for _, c := range tCall.FindAllStringSubmatch(string(js), -1) {
				used[unquoteJS(c[1])] = file
			}
			for _, b := range zhBlock.FindAllStringSubmatch(string(js), -1) {
				for _, k := range zhKey.FindAllStringSubmatch(b[1], -1) {
					zh[unquoteJS(k[1])] = true
				}
			}
		}
		if !loadsI18n {
			t.Errorf("%s does not load %s", page, I18nPath)
		}
		if len(used) == 0 || len(zh) == 0 {
			t.Fatalf("%s: found %d texts and %d translations; the parsing is broken", page, len(used), len(zh))
		}
		var missing []string
		for s, where := range used {
			if !zh[s] {
				missing = append(missing, where+": "+s)
			}
		}
		sort.Strings(missing)
		for _, m := range missing {
			t.Errorf("%s: no Chinese for %q", page, m)
		}
	}
}

func TestI18nScriptServed(t *testing.T) {
	a := &API{AdminToken: "tok", Log: slog.New(slog.DiscardHandler)}
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, httptest.NewRequest("GET", I18nPath, nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "hotlineI18nZh") {
		t.Fatalf("GET %s: %d", I18nPath, rec.Code)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
}
