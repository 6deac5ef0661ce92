package replies

import (
	"strings"

	"github.com/hotline-cc/hotline/record"
)

// The analysis labels intents in English snake_case ("refund", "delivery"), but a Chinese
// script is grounded in Chinese passages: the common labels' words in Chinese join the query,
// and name the topic in the Chinese templates. A label not here is searched as it is.
var intentZh = map[string]string{
	"refund": "退款", "return": "退货", "returns": "退货", "delivery": "配送", "shipping": "配送", "delay": "延误",
	"billing": "账单", "payment": "付款", "invoice": "发票", "cancellation": "取消", "cancel": "取消",
	"complaint": "投诉", "warranty": "保修", "repair": "维修", "account": "账户", "order": "订单",
	"opening": "营业", "hours": "时间", "contact": "联系", "damaged": "损坏", "technical": "技术", "issue": "问题",
}

// intentQuery is what the knowledge base is searched with for intent in lang.
func intentQuery(intent, lang string) string {
	words := strings.ReplaceAll(intent, "_", " ")
	if lang == record.LangChinese {
		if zh := intentTopic(intent, lang); zh != words {
			return words + " " + zh
		}
	}
	return words
}

// intentTopic names the intent in a script's text: its words, in Chinese where they are known.
func intentTopic(intent, lang string) string {
	words := strings.Split(intent, "_")
	if lang != record.LangChinese {
		return strings.Join(words, " ")
	}
	var zh []string
	for _, w := range words {
		t, ok := intentZh[w]
		if !ok {
			return strings.Join(words, " ")
		}
		zh = append(zh, t)
	}
	return strings.Join(zh, "")
}
