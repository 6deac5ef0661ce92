package kb

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestChunkBilingualParagraph(t *testing.T) {
	chunks := chunkDoc("h.md", "# Hours / 营业时间\nWe open at 9 am on Saturday. 周六上午9点开门。\n\nWe close on Sunday.\n")
	if len(chunks) != 3 {
		t.Fatalf("%d chunks, want 3 (English, Chinese, English): %+v", len(chunks), chunks)
	}
	want := []struct{ lang, text string }{{LangOther, "We open at 9 am on Saturday."}, {LangZh, "周六上午9点开门。"}, {LangOther, "We close on Sunday."}}
	for i, w := range want {
		if chunks[i].Lang != w.lang || chunks[i].Text != w.text || chunks[i].Heading != "Hours / 营业时间" {
			t.Errorf("chunk %d = %+v, want %s %q", i, chunks[i], w.lang, w.text)
		}
	}
}

func TestSynonymsAndLanguage(t *testing.T) {
	dir := t.TempDir()
	doc := "# Hours / 营业时间\n\nThe shop is open Saturday from 10 am to 4 pm.\n\n门店周六上午10点至下午4点营业。\n\n## Prices\n\nA haircut costs 25 euros.\n"
	if err := os.WriteFile(filepath.Join(dir, "shop.md"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ q, want string }{
		{"礼拜六开不开门", "周六上午10点"},
		{"星期六几点营业", "周六上午10点"},
		{"are you open at the weekend", "Saturday from 10 am"},
		{"what is the price of a haircut", "25 euros"},
	} {
		hits := ix.Search(c.q, 3)
		if len(hits) == 0 || !strings.Contains(hits[0].Text, c.want) || hits[0].Confidence < LowConfidence {
			t.Errorf("%q: hits %+v, want the top one to contain %q with confidence ≥ %.2f", c.q, hits, c.want, LowConfidence)
			continue
		}
		for _, h := range hits {
			if h.Lang != Lang(c.q) {
				t.Errorf("%q: hit in %s: %q", c.q, h.Lang, h.Text)
			}
		}
	}
}

func TestQuestionKind(t *testing.T) {
	for q, k := range map[string]Kind{
		"how much is a day pass": KindPrice, "运费多少钱": KindPrice, "how long do refunds take": KindDuration,
		"退款要多久": KindDuration, "what time do you open": KindClock, "你们几点开门": KindClock,
		"what is your phone number": KindPhone, "how do I unlock a bike": KindAny,
	} {
		if got := QuestionKind(q); got != k {
			t.Errorf("QuestionKind(%q) = %d, want %d", q, got, k)
		}
	}
	if !KindPrice.In("costs 4.95 euros") || KindPrice.In("takes 3 days") || !KindDuration.In("需要3至5个工作日") || KindDuration.In("收费6欧元") {
		t.Error("Kind.In does not tell prices from durations")
	}
}
