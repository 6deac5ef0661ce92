package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDialplanEditor drives the web editor the way ops staff would: connect
// with the admin token, break the plan (the error shows at its line with a
// hint), fix it, look at the diff, deploy; the new version is live.
func TestDialplanEditor(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: reloadPlan("1")})
	ctx := newBrowser(t)
	base := "http://" + srv.HTTPAddr + "/admin/dialplan/"

	poll := func(expr string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(10*time.Second))(ctx, tg)
			return err
		})
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(base),
		chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", adminToken),
		chromedp.Click("#tokenForm button"),
		poll(`document.querySelector("#yaml").value.includes("greet1")`),
	)
	if err != nil {
		t.Fatalf("loading the live plan: %v", err)
	}
	live, _ := chromedp.Run(ctx, chromedp.Text("#live"))
	if !strings.Contains(live, "version 1") {
		t.Fatalf("live label = %q", live)
	}

	// Break it: an edge to a misspelt node.
	broken := strings.Replace(reloadPlan("2"), "nomatch: bye", "nomatch: byee", 1)
	err = chromedp.Do(ctx,
		chromedp.SetValue("#yaml", broken),
		chromedp.Click("#btnValidate"),
		poll(`document.querySelector("#problems li.error") !== null`),
	)
	if err != nil {
		t.Fatal(err)
	}
	problems, _ := chromedp.Run(ctx, chromedp.Text("#problems"))
	if !strings.Contains(problems, "23:") || !strings.Contains(problems, `"byee"`) || !strings.Contains(problems, "bye") {
		t.Fatalf("problems list = %q, want the error at line 23 naming byee with a hint", problems)
	}
	if badLine, err := chromedp.Run(ctx, chromedp.Text("#gutter .bad")); err != nil || badLine != "23" {
		t.Fatalf("gutter mark = %q (%v), want line 23", badLine, err)
	}
	screenshot(t, ctx, "editor-error.png")

	// Fix it, diff, deploy (confirm dialogs accepted).
	err = chromedp.Do(ctx,
		chromedp.SetValue("#yaml", reloadPlan("2")),
		chromedp.Click("#btnDiff"),
		poll(`document.querySelector("#diff").textContent.includes("greet2")`),
	)
	if err != nil {
		t.Fatal(err)
	}
	diff, _ := chromedp.Run(ctx, chromedp.Text("#diff"))
	err = chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[any](`window.confirm = () => true; 1`)(ctx, tg)
			return err
		}),
		chromedp.Click("#btnDeploy"),
		poll(`document.querySelector("#live").textContent.includes("version 2")`),
	)
	if err != nil {
		t.Fatalf("deploy: %v\n%s", err, srv.Log())
	}
	if !strings.Contains(diff, "-    start: greet1") || !strings.Contains(diff, "+    start: greet2") {
		t.Fatalf("diff = %q", diff)
	}
	// Simulate a caller pressing 0 on the deployed plan.
	err = chromedp.Do(ctx,
		chromedp.SetValue(`#simForm input[name="dtmf"]`, "0"),
		chromedp.Click("#simForm button"),
		poll(`document.querySelector("#trace").textContent.includes("agent (queue)")`),
	)
	if err != nil {
		t.Fatalf("simulate: %v", err)
	}
	trace, _ := chromedp.Run(ctx, chromedp.Text("#trace"))
	if !strings.Contains(trace, "greet2 (say)") || !strings.Contains(trace, "This is version 2 of the hotline.") || !strings.Contains(trace, "menu2 (menu)") {
		t.Fatalf("trace = %q", trace)
	}
	screenshot(t, ctx, "editor-deployed.png")
	if !srv.WaitLog(`msg="dialplan live" version=2`, 5*time.Second) || !strings.Contains(srv.Log(), "who=api") {
		t.Fatal("server did not make version 2 live through the API")
	}
}
