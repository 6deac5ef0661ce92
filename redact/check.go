package redact

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Words that make a nearby number what it looks like. They are matched as lower-case substrings
// of the text around the number, so "card" also finds "cards" and "credit card".
var (
	// cardWords make MM/YY an expiry date. A card token counts: "[CARD] exp 12/27".
	cardWords = []string{"card", "cvv", "cvc", "security code", "expiry", "expires", "expiration", "exp ",
		"valid thru", "valid through", "valid until", "[card]",
		"卡号", "信用卡", "银行卡", "借记卡", "储蓄卡", "有效期", "到期", "过期", "安全码", "卡"}
	// cvvWords make 3–4 digits a security code.
	cvvWords = []string{"cvv", "cvc", "cv2", "cid", "security code", "security number", "card verification",
		"three digits on the back", "digits on the back", "back of the card",
		"安全码", "验证码", "校验码", "后三位", "背面"}
	// cardTokens make 3–4 digits right after them a security code: "[CARD], [EXPIRY], 123" is how
	// callers read a card out. They are there from the second round of redaction on.
	cardTokens = []string{"[card]", "[expiry]"}
	// phoneWords make ten bare digits a North American phone number.
	phoneWords = []string{"phone", "call", "number", "cell", "mobile", "reach", "text me", "fax", "tel",
		"电话", "手机", "号码", "联系", "致电"}
	// orderWords mark a long number as an order, parcel or ticket number unless a card word is near.
	orderWords = []string{"order", "tracking", "parcel", "invoice", "ticket", "reference", "ref ", "booking",
		"confirmation", "case number", "订单", "单号", "快递", "运单", "工单", "发票", "编号"}
)

// asciiLower lower-cases ASCII letters only, so that byte offsets stay those of s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// near reports whether one of words occurs up to before bytes before [start, end) or after
// bytes after it. lower is the text through asciiLower.
func near(lower string, start, end int, words []string, before, after int) bool {
	s := lower
	lo, hi := start-before, end+after
	lo, hi = max(lo, 0), min(hi, len(s))
	for lo > 0 && !utf8.RuneStart(s[lo]) {
		lo--
	}
	for hi < len(s) && !utf8.RuneStart(s[hi]) {
		hi++
	}
	for _, w := range words {
		if strings.Contains(s[lo:start], w) || strings.Contains(s[end:hi], w) {
			return true
		}
	}
	return false
}

// orderContext: an order word is just before the number, and no card word.
func orderContext(s string, start, end int) bool {
	return near(s, start, end, orderWords, 40, 0) && !near(s, start, end, cardWords[:len(cardWords)-1], 40, 0)
}

// luhn reports whether d (ASCII digits) passes the Luhn check.
func luhn(d string) bool {
	sum := 0
	for i := range len(d) {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// validID reports whether d is a PRC resident identity number: a region code starting 1–8, a
// birth date between 1900 and today, a sequence number, and an ISO 7064 MOD 11-2 check
// character (0–9 or X).
func validID(d string) bool {
	if len(d) != 18 || d[0] < '1' || d[0] > '8' {
		return false
	}
	sum := 0
	for i := range 17 {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
		sum += int(d[i]-'0') * idWeights[i]
	}
	if "10X98765432"[sum%11] != d[17] {
		return false
	}
	num := func(s string) int {
		n := 0
		for i := range len(s) {
			n = n*10 + int(s[i]-'0')
		}
		return n
	}
	y, m, day := num(d[6:10]), num(d[10:12]), num(d[12:14])
	if y < 1900 || m < 1 || m > 12 || day < 1 {
		return false
	}
	born := time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC)
	return born.Day() == day && !born.After(time.Now())
}
