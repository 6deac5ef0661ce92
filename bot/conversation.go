package bot

import (
	"strings"
	"time"

	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/record"
)

// conversation is what the bot knows of the call so far. The loop is the
// only goroutine that reads or writes it; work beside the loop gets copies.
type conversation struct {
	transcript []record.Turn
	history    []dialog.Message // what the dialog engine is shown
	slots      map[string]string
	sentiment  float64 // the lowest score of any caller utterance
	zh         bool    // the caller speaks Chinese: canned lines in Chinese
	lastReply  string  // what the "repeat" key says again
	failed     int     // turns in a row that produced nothing usable
	turns      int     // caller turns taken up (Profile.MaxTurns)
}

// callerSaid adds a recognised utterance and returns its sentiment score.
func (c *conversation) callerSaid(text string, start, end time.Time) float64 {
	c.transcript = append(c.transcript, record.Turn{Speaker: "caller", Text: text, Start: start, End: end})
	c.history = append(c.history, dialog.Message{Role: dialog.RoleCaller, Text: text})
	c.zh = dialog.IsChinese(text) || (c.zh && !isLatin(text))
	sc := dialog.Sentiment(text)
	c.sentiment = min(c.sentiment, sc)
	return sc
}

// botSaid adds a finished bot turn; false when nothing of it was played.
// An interrupted turn keeps only what the caller heard.
func (c *conversation) botSaid(td turnDone) (record.Turn, bool) {
	r := td.r
	if r.started.IsZero() {
		return record.Turn{}, false
	}
	text := r.text
	if r.interrupted {
		text = r.heard
	}
	t := record.Turn{Speaker: "bot", Text: text, Start: r.started, End: r.ended, Interrupted: r.interrupted}
	if !td.timing.EndOfSpeech.IsZero() {
		tm := td.timing
		t.Timing = &tm
	}
	c.transcript = append(c.transcript, t)
	c.history = append(c.history, dialog.Message{Role: dialog.RoleBot, Text: text})
	if !r.interrupted {
		c.lastReply = r.text
	}
	return t, true
}

// addSlots keeps what an HTTP tool call filled in, for the handoff.
func (c *conversation) addSlots(args map[string]string) {
	for k, v := range args {
		c.slots[k] = v
	}
}

// line is a canned line in the caller's language.
func (c *conversation) line(key string) string {
	if c.zh {
		return lines[key][1]
	}
	return lines[key][0]
}

// Canned lines, English and Chinese.
var lines = map[string][2]string{
	"filler":     {"One moment, please.", "请稍等。"},
	"notHeard":   {"Sorry, I didn't catch that. Could you say it again?", "抱歉，我没有听清，请再说一遍。"},
	"transfer":   {"I'll connect you to a colleague now.", "好的，我为您转接人工客服。"},
	"goodbye":    {"Thank you for calling. Goodbye.", "感谢您的来电，再见。"},
	"trouble":    {"I'm sorry, I'm having trouble right now.", "抱歉，系统暂时出现问题。"},
	"timeUp":     {"Let me pass you to a colleague who can help further.", "我为您转接人工客服继续为您服务。"},
	"noTransfer": {"I'm sorry, I can't help with that right now. Goodbye.", "抱歉，目前无法为您处理，再见。"},
	// Written conversations (chat) have their own wording where speech would sound wrong.
	"notUnderstood": {"Sorry, I couldn't answer that. Could you put it another way?", "抱歉，我没能回答这个问题，能换个说法吗？"},
	"goodbyeChat":   {"Thank you for chatting with us. Goodbye.", "感谢您的咨询，再见。"},
	"troubleChat":   {"I'm sorry, I'm having trouble right now. Let me find a colleague.", "抱歉，系统暂时出现问题，我为您转接人工客服。"},
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

func isLatin(s string) bool {
	for _, r := range s {
		if r > 0x2000 {
			return false
		}
	}
	return true
}
