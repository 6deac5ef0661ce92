package kb

import (
	"regexp"
	"strings"
)

// phrases rewrites words with the same meaning to one form before
// tokenizing, for documents and questions alike, so "星期六" finds "周六"
// and "weekend" finds "Saturday". The list is small and general (days,
// opening hours, common service words), not tuned to one knowledge base.
var phrases = strings.NewReplacer(
	// Chinese weekdays: 星期六 / 礼拜六 / 周六 are one day.
	"星期一", "周一", "礼拜一", "周一", "星期二", "周二", "礼拜二", "周二", "星期三", "周三", "礼拜三", "周三",
	"星期四", "周四", "礼拜四", "周四", "星期五", "周五", "礼拜五", "周五", "星期六", "周六", "礼拜六", "周六",
	"星期日", "周日", "星期天", "周日", "礼拜日", "周日", "礼拜天", "周日", "周天", "周日",
	"周末", "周六周日",
	// Opening hours.
	"服务时间", "营业时间", "开放时间", "营业时间", "上班时间", "营业时间", "工作时间", "营业时间",
	"上班", "营业时间", "开门", "营业时间",
	// Service words.
	"车祸", "事故", "坏了", "故障", "损坏", "故障", "丢了", "丢失", "遗失", "丢失", "被偷", "被盗",
	"退回", "退还", "退钱", "退款", "还车", "归还", "扣错", "多扣", "电话号码", "电话", "热线", "电话",
	"年卡", "年度会员", "月票", "月卡", "加钱", "加收", "加价", "加收", "租车", "租用",
	"年纪", "年龄", "多大岁数", "年龄", "年满", "年龄满",
	// English.
	"weekends", "saturday sunday", "weekend", "saturday sunday",
	"e-bikes", "ebikes", "e-bike", "ebike", "electric bikes", "ebikes", "electric bike", "ebike",
	"charged too much", "overcharged", "e-mail", "email",
	"opening hours", "hours", "office hours", "hours",
)

// synonyms maps stemmed English terms to one form.
var synonyms = map[string]string{
	"yearly": "annual", "cost": "price", "telephone": "phone", "call": "phone",
	"answer": "reply", "respond": "reply", "lose": "lost", "stolen": "lost",
	"defect": "broken", "damag": "broken", "faulty": "broken", "ticket": "pass",
	"overcharg": "overcharge",
}

// Kind is what a question asks for, when that is a kind of fact a passage
// either states or does not: a price, a duration, a time of day.
type Kind int

const (
	KindAny      Kind = iota
	KindPrice         // how much, 多少钱
	KindDuration      // how long, 多久
	KindClock         // what time, opening hours, 几点
	KindPhone         // phone number, 电话
	KindDistance      // how far, 多远
	KindWeight        // how heavy, 多重
	KindAge           // how old, 多大年纪
)

var (
	kindCues = []struct {
		kind Kind
		cue  *regexp.Regexp
	}{
		{KindPrice, regexp.MustCompile(`(?i)\bhow much\b|\bprice\b|\bcosts?\b|\bfees?\b|多少钱|价格|价钱|费用|收费|多贵|几块`)},
		{KindDuration, regexp.MustCompile(`(?i)\bhow long\b|\bhow soon\b|\bhow many (days|weeks|hours|minutes)\b|多久|多长时间|几天|多少天|几个小时`)},
		{KindPhone, regexp.MustCompile(`(?i)\bphone number\b|\bnumber to call\b|\bcall you\b|电话|热线|号码`)},
		{KindDistance, regexp.MustCompile(`(?i)\bhow far\b|多远|多少公里`)},
		{KindWeight, regexp.MustCompile(`(?i)\bhow heavy\b|\bweight limit\b|多重|多少公斤|体重`)},
		{KindAge, regexp.MustCompile(`(?i)\bhow old\b|\bminimum age\b|\bage limit\b|多大年纪|多大岁数|几岁|年龄`)},
		{KindClock, regexp.MustCompile(`(?i)\bwhat time\b|\bopen(ing)?\b|\bhours\b|几点|营业时间|服务时间|开门|上班`)},
	}
	kindFacts = map[Kind]*regexp.Regexp{
		KindPrice:    regexp.MustCompile(`(?i)\d+([.,]\d+)?\s*(euros?\b|eur\b|€|dollars?\b|yuan\b|欧元|美元|元)|[€$¥]\s*\d|\bfree\b|免费`),
		KindDuration: regexp.MustCompile(`(?i)\d+\s*-?\s*(minutes?|hours?|(working |business )?days?|weeks?|months?|years?)\b|\b(one|two|three|four|five|seven|ten|fourteen|thirty) (working |business )?(minutes?|hours?|days?|weeks?|months?|years?)\b|\d+\s*(分钟|小时|个?工作日|天|周|个月|年)|[一二三四五六七八九十两]+(分钟|小时|个?工作日|天|周|个月|年)`),
		KindPhone:    regexp.MustCompile(`\+?\d[\d -]{5,}\d`),
		KindDistance: regexp.MustCompile(`(?i)\d+\s*(kilomet(re|er)s?|km|miles?|met(re|er)s?)\b|\d+\s*(公里|千米|米)`),
		KindWeight:   regexp.MustCompile(`(?i)\d+\s*(kilograms?|kg|kilos?|pounds?|lbs?)\b|\d+\s*(公斤|千克|斤)`),
		KindAge:      regexp.MustCompile(`(?i)\d+\s*(years? old|years of age)|\bage of \d+|\d+\s*岁|年满\d+`),
		KindClock:    regexp.MustCompile(`(?i)\d{1,2}(:\d\d)?\s*(am|pm)\b|\d{1,2}:\d\d|(上午|下午|晚上|早上|中午)\d{1,2}点|around the clock|24 hours|24小时`),
	}
)

// QuestionKind returns what question asks for; KindAny when it is none of
// the kinds (a yes/no or how-to question). The first cue wins, so "how
// much does it cost per hour" is a price.
func QuestionKind(question string) Kind {
	for _, c := range kindCues {
		if c.cue.MatchString(question) {
			return c.kind
		}
	}
	return KindAny
}

// In reports whether text states a fact of kind k (always for KindAny).
func (k Kind) In(text string) bool {
	if re := kindFacts[k]; re != nil {
		return re.MatchString(text)
	}
	return true
}
