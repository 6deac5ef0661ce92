package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestDesktopChinese: a browser whose language is zh-CN gets the agent desktop and the
// supervisor page in Chinese; the language switch flips them to English.
func TestDesktopChinese(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: testDialplan, Extra: desktopConfig})
	ctx := newBrowser(t, chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN"))
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+srv.HTTPAddr+"/agent"), chromedp.WaitVisible("#login-form")); err != nil {
		t.Fatal(err)
	}
	if s := jsString(t, ctx, `document.getElementById("login").textContent`); !strings.Contains(s, "登录") {
		t.Fatalf("login card not in Chinese: %q", s)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys("#login-id", "bob"), chromedp.SendKeys("#login-password", "bob-demo"),
		chromedp.Click("#login-submit"), chromedp.WaitVisible("#desk")); err != nil {
		t.Fatal(err)
	}
	if s := jsString(t, ctx, `document.getElementById("state-select").textContent + document.getElementById("pop").textContent`); !strings.Contains(s, "空闲") || !strings.Contains(s, "来电客户") {
		t.Fatalf("desktop not in Chinese: %q", s)
	}
	screenshot(t, ctx, "agent-zh.png")
	jsString(t, ctx, `(() => { const s = document.getElementById("lang"); s.value = "en"; s.dispatchEvent(new Event("change")); return "ok"; })()`)
	jsWait(t, ctx, `document.getElementById("state-select") && document.getElementById("state-select").textContent.includes("Available")`, 10e9)
	screenshot(t, ctx, "agent-en.png")
	// The choice is shared: the supervisor page follows it; switching back gives Chinese.
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+srv.HTTPAddr+"/supervisor?lang=zh"), chromedp.WaitReady("body")); err != nil {
		t.Fatal(err)
	}
	jsWait(t, ctx, `document.body.textContent.includes("仅限主管") || document.body.textContent.includes("排队中")`, 10e9)
	screenshot(t, ctx, "supervisor-zh.png")
}
