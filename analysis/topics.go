package analysis

import (
	"slices"
	"strings"
	"unicode"
)

// topicKeywords map a topic (also the intent name) to what callers and agents say about it, in
// English and Chinese. English keywords match at the start of a word, so "refund" also finds
// "refunds" and "refunded", and phrases match across single spaces; Chinese keywords match anywhere.
var topicKeywords = map[string][]string{
	"refund": {"refund", "money back", "reimburse", "chargeback", "退款", "退钱", "退费", "返还"},
	"return": {"return the", "return it", "return my", "send it back", "exchange", "replacement",
		"退货", "换货", "退换"},
	"delivery": {"deliver", "shipping", "shipment", "shipped", "tracking", "courier", "parcel", "package",
		"arrive", "arrived", "dispatch", "快递", "物流", "配送", "发货", "送货", "到货", "包裹", "派送", "签收"},
	"order_status": {"my order", "order number", "order status", "where is my", "订单", "下单", "单号"},
	"billing": {"bill", "invoice", "charge", "charged", "overcharg", "payment", "paid", "fee", "statement",
		"账单", "发票", "扣费", "收费", "扣款", "付款", "支付", "费用", "多扣"},
	"cancellation": {"cancel", "terminate", "unsubscribe", "close my account", "end my contract", "stop my subscription",
		"取消", "退订", "注销", "解约", "终止", "销户"},
	"complaint": {"complain", "complaint", "unacceptable", "speak to a manager", "supervisor", "escalate",
		"投诉", "举报", "不满", "找你们领导", "经理"},
	"technical_issue": {"not working", "doesn't work", "does not work", "broken", "error", "crash", "bug",
		"can't log", "cannot log", "no signal", "outage", "slow internet", "reset the", "restart",
		"故障", "坏了", "打不开", "报错", "连不上", "没信号", "死机", "闪退", "不能用", "用不了", "网络"},
	"account": {"account", "password", "log in", "login", "sign in", "username", "verify my", "profile",
		"账户", "账号", "密码", "登录", "登陆", "实名", "绑定", "个人信息"},
	"pricing": {"price", "pricing", "how much", "cost", "discount", "promotion", "coupon", "plan",
		"价格", "多少钱", "优惠", "折扣", "套餐", "活动", "便宜"},
	"appointment": {"appointment", "booking", "book a", "reschedule", "schedule", "reservation",
		"预约", "预订", "改期", "挂号"},
	"opening_hours": {"opening hours", "open on", "what time", "when are you open", "closing time",
		"营业时间", "几点", "上班时间"},
	"warranty": {"warranty", "guarantee", "repair", "保修", "质保", "维修", "售后"},
}

// topicWeight: the caller's words say what the call is about more than the agent's.
var topicWeight = map[string]float64{"caller": 2, "agent": 1, "bot": 0.5}

// normalizeForMatch lower-cases text and pads words with single spaces, so keyword phrases match
// at word starts: " i want my money back ".
func normalizeForMatch(text string) string {
	var b strings.Builder
	b.Grow(len(text) + 2)
	b.WriteByte(' ')
	space := true
	for _, r := range strings.ToLower(text) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' {
			b.WriteRune(r)
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	if !space {
		b.WriteByte(' ')
	}
	return b.String()
}

// topicHits counts each topic's keyword matches in text (already normalised).
func topicHits(norm string, add func(topic string, n int)) {
	for topic, kws := range topicKeywords {
		n := 0
		for _, kw := range kws {
			if isASCII(kw) {
				n += strings.Count(norm, " "+kw)
			} else {
				n += strings.Count(norm, kw)
			}
		}
		if n > 0 {
			add(topic, n)
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// rankTopics orders topics by score, highest first, ties by name.
func rankTopics(scores map[string]float64) []string {
	var out []string
	for t := range scores {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b string) int {
		if scores[a] != scores[b] {
			if scores[a] > scores[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	return out
}
