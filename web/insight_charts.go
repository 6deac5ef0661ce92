package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"

	"github.com/hotline-cc/hotline/insights"
	"github.com/hotline-cc/hotline/web/chart"
)

// chartNames are the charts of /insights, as /api/insights/charts/<name>.svg.
var chartNames = []string{"calls", "service_level", "handle_time", "sentiment", "intents", "categories", "unanswered"}

// chartTitles are the charts' titles in English and Chinese.
var chartTitles = map[string][2]string{
	"calls":         {"Calls per period: answered, abandoned, other", "各时段通话量：接通、放弃、其他"},
	"service_level": {"Service level (answered within 20 s)", "服务水平（20 秒内接通）"},
	"handle_time":   {"Average handle time", "平均处理时长"},
	"sentiment":     {"Caller sentiment (0 negative · 50 neutral · 100 positive)", "客户情绪（0 负面 · 50 中性 · 100 正面）"},
	"intents":       {"Top intents", "主要意图"},
	"categories":    {"Top categories", "主要类别"},
	"unanswered":    {"Questions the bot could not answer", "机器人未能回答的问题"},
}

// drawChart draws one chart of the report as SVG.
func drawChart(name string, r *insights.Report, zh bool) (string, bool) {
	titles, ok := chartTitles[name]
	if !ok {
		return "", false
	}
	title := titles[0]
	if zh {
		title = titles[1]
	}
	labels := make([]string, len(r.Buckets))
	for i, b := range r.Buckets {
		if r.Bucket >= insights.Day {
			labels[i] = b.Start.Format("01-02")
		} else {
			labels[i] = b.Start.Format("15:04")
		}
	}
	series := func(f func(b insights.Bucket) float64) []float64 {
		out := make([]float64, len(r.Buckets))
		for i, b := range r.Buckets {
			out[i] = f(b)
		}
		return out
	}
	pick := func(en, cn string) string {
		if zh {
			return cn
		}
		return en
	}
	switch name {
	case "calls":
		return chart.StackedBars(chart.Chart{Title: title, Labels: labels, Series: []chart.Series{
			{Name: pick("answered", "接通"), Values: series(func(b insights.Bucket) float64 { return float64(b.Answered) }), Color: "#1a7f37"},
			{Name: pick("abandoned", "放弃"), Values: series(func(b insights.Bucket) float64 { return float64(b.Abandoned) }), Color: "#cf222e"},
			{Name: pick("other", "其他"), Values: series(func(b insights.Bucket) float64 { return float64(b.Other) }), Color: "#8c959f"},
		}}), true
	case "service_level":
		return chart.Lines(chart.Chart{Title: title, Labels: labels, Unit: "%", Series: []chart.Series{
			{Name: pick("service level", "服务水平"), Values: series(func(b insights.Bucket) float64 {
				if b.Answered+b.Abandoned == 0 {
					return math.NaN()
				}
				return 100 * b.ServiceLevel
			}), Color: "#0969da"},
		}}), true
	case "handle_time":
		return chart.Lines(chart.Chart{Title: title, Labels: labels, Unit: " s", Series: []chart.Series{
			{Name: pick("handle time", "处理时长"), Values: series(func(b insights.Bucket) float64 {
				if b.Answered == 0 {
					return math.NaN()
				}
				return b.AvgHandle.Seconds()
			}), Color: "#8250df"},
		}}), true
	case "sentiment":
		return chart.Lines(chart.Chart{Title: title, Labels: labels, Series: []chart.Series{
			{Name: pick("caller", "客户"), Values: series(func(b insights.Bucket) float64 {
				if b.Analysed == 0 {
					return math.NaN()
				}
				return 50 * (b.AvgSentiment + 1)
			}), Color: "#bf8700"},
		}}), true
	}
	var counts []insights.Count
	switch name {
	case "intents":
		counts = r.Intents
	case "categories":
		counts = r.Categories
	case "unanswered":
		counts = r.Unanswered
	}
	counts = counts[:min(len(counts), 10)]
	ls, vs := make([]string, len(counts)), make([]float64, len(counts))
	for i, c := range counts {
		ls[i], vs[i] = c.Label, float64(c.N)
	}
	return chart.Ranked(title, ls, vs, 640), true
}

// decodeJSON reads a small JSON request body strictly: unknown fields and trailing data are errors
// that say what was wrong.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return fmt.Errorf("the body is not valid JSON (at byte %d): %v", se.Offset, err)
		case errors.As(err, &te):
			return fmt.Errorf("field %q must be a %s", te.Field, te.Type)
		case errors.Is(err, io.EOF):
			return errors.New("the body is empty: send a JSON object")
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return fmt.Errorf("%v (the fields are documented in docs/api.md)", err)
		}
		return err
	}
	if dec.More() {
		return errors.New("the body has data after its JSON object")
	}
	return nil
}
