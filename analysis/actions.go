package analysis

import (
	"strings"

	"github.com/hotline-cc/hotline/record"
)

// commitments are what an agent says when promising to do something after the call. English
// phrases match at word starts in the normalised sentence; Chinese anywhere.
var commitments = []string{
	"i will", "i'll", "we will", "we'll", "i am going to", "i'm going to", "we are going to", "we're going to",
	"i can send", "will be sent", "will be refunded", "will be credited", "will receive", "you'll receive",
	"call you back", "get back to you", "follow up", "i promise", "within 24 hours", "by tomorrow",
	"我会", "我们会", "我们将", "我将", "稍后回电", "给您回电", "回电给您", "回复您", "会给您", "为您安排", "帮您提交",
	"帮您申请", "给您发", "给您寄", "为您处理", "帮您处理", "跟进", "小时内", "工作日内",
}

// notCommitments are promises about the call itself, not follow-ups.
var notCommitments = []string{
	"i'll transfer", "i will transfer", "i'll put you on hold", "i will put you on hold", "i'll check",
	"i will check", "我会转接", "为您转接",
}

// actionItems are the agent's sentences that commit to doing something, in order, without repeats.
func actionItems(sents []sentence) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range sents {
		if s.speaker != record.SpeakerAgent || seen[s.text] {
			continue
		}
		norm := normalizeForMatch(s.text)
		for _, p := range notCommitments {
			// "I'll check and call you back" still commits, to the call back.
			norm = strings.ReplaceAll(norm, " "+p+" ", " ")
			norm = strings.ReplaceAll(norm, p, " ")
		}
		if !matchesAny(norm, commitments) {
			continue
		}
		seen[s.text] = true
		out = append(out, s.text)
	}
	return out
}

func matchesAny(norm string, phrases []string) bool {
	for _, p := range phrases {
		if isASCII(p) {
			// Whole words and phrases; a single word also as a prefix.
			if strings.Contains(norm, " "+p+" ") || (!strings.Contains(p, " ") && strings.Contains(norm, " "+p)) {
				return true
			}
			continue
		}
		if strings.Contains(norm, p) {
			return true
		}
	}
	return false
}
