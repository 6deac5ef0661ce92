package analysis

import "strings"

// The sentiment lexicon: English and Chinese words a contact center hears, each with a weight in
// [-1, 1]. Small on purpose: it is read by people who tune it, and it errs towards neutral (a
// word it does not know scores nothing) rather than guessing. English words are matched after
// lower-casing, with a trailing "*" meaning any ending ("disappoint*"); Chinese entries are
// matched longest first, so compounds listed here ("不满意", "没问题", "不错") win over their parts.

func lexiconList(weight float64, words string) map[string]float64 {
	m := map[string]float64{}
	for _, w := range strings.Fields(words) {
		m[w] = weight
	}
	return m
}

var lexicon = merge(
	lexiconList(1.0, `excellent amazing fantastic wonderful perfect brilliant outstanding superb awesome love loved
		太好了 非常满意 完美 棒极了 太棒了 感激不尽`),
	lexiconList(0.6, `good great happy glad pleased satisfied thank* appreciat* helpful resolved solved fixed
		nice kind friendly quick fast easy works working lovely delighted
		好 很好 满意 高兴 开心 谢谢 感谢 多谢 不错 没问题 没有问题 解决 好的 方便 及时 专业 耐心 热情 辛苦了 满意度`),
	lexiconList(0.3, `ok okay fine sure alright clear understood reasonable fair
		可以 行 清楚 明白 还行 还可以 放心`),
	lexiconList(-0.3, `wait waiting slow confus* unclear unsure problem issue delay* late wrong difficult
		问题 慢 等了 麻烦 不清楚 延迟 晚了 困难 不方便 担心 抱歉 对不起
		sorry apolog*`),
	lexiconList(-0.6, `bad unhappy disappoint* annoy* frustrat* upset broken fail* failed useless poor complain*
		unacceptable rude worse refus* overcharg* error mistake
		不好 不满 不满意 不高兴 失望 生气 烦 投诉 差 坏了 故障 失败 没用 错误 多扣 乱扣 扣错 不行`),
	lexiconList(-1.0, `terrible horrible awful worst hate furious disgust* ridiculous scam outrageous angry pathetic
		太差 很差 垃圾 骗子 气死 愤怒 恶心 糟糕 太慢 最差 忍无可忍 欺骗`),
)

// neutralWords are known so that the longest match takes them whole and their parts score nothing:
// "你好" is a greeting, not "好"; "不好意思" is "excuse me", not "not good".
var neutralWords = lexiconList(0, `你好 您好 好几 好像 只好 最好 好吗 好久 不好意思 好不好 问一下 没关系`)

// "sorry" is mildly negative: a caller who says it is rarely content, and an agent's apology pulls
// the agent's score down a little, which is what reviewers expect of an apologetic call.

// negators flip the sentiment of the words after them (up to negationScope words, within a
// clause): "not happy", "never helpful", "不满意" when not listed, "没有解决".
var negators = set(`not no never nothing nobody neither nor cannot can't don't doesn't didn't isn't wasn't aren't
	weren't won't wouldn't shouldn't couldn't haven't hasn't hadn't without hardly
	不 没 没有 别 未 无 并非 不是 从不 从没 不会 不能 不太 不要`)

// intensifiers scale the next sentiment word: boosters up, diminishers down.
var intensifiers = merge(
	lexiconList(1.5, `very really so extremely absolutely totally completely incredibly super too highly truly
		非常 很 太 特别 十分 极其 真 真的 超级 相当 完全 实在 好几次`),
	lexiconList(0.5, `slightly somewhat bit little kinda rather fairly
		有点 有些 稍微 一点 略`),
)

// contrasts shift the weight of a sentence to what follows them ("it was quick, but the agent was
// rude").
var contrasts = set(`but however although though yet 但是 但 可是 不过 然而 只是`)

const (
	negationScope  = 3    // words after a negator that it reaches
	negatedFactor  = -0.5 // "not good" is milder than "bad"; "not bad" mildly positive
	beforeContrast = 0.5
	afterContrast  = 1.5
)

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

func merge(ms ...map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
