// Package chart draws the insights page's charts as SVG on the server: bars over time, a line
// of a ratio over time, and ranked horizontal bars. No script and no CDN; presentation
// attributes only (the pages' Content-Security-Policy allows no inline styles), and every text
// escaped. It knows nothing of calls: it draws labelled numbers.
package chart

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Series is one named row of values, one per label.
type Series struct {
	Name   string
	Values []float64
	Color  string // a fill or stroke colour, e.g. "#0969da"
}

// Chart is a chart over labels (hours, days, categories).
type Chart struct {
	Title  string
	Labels []string
	Series []Series
	Unit   string // appended to axis values ("%", " s")
	Width  int    // default 640
	Height int    // default 220
}

const (
	padLeft   = 48
	padRight  = 12
	padTop    = 28
	padBottom = 36
)

func (c *Chart) size() (w, h int) {
	w, h = c.Width, c.Height
	if w <= 0 {
		w = 640
	}
	if h <= 0 {
		h = 220
	}
	return w, h
}

// max is the largest value over every series, at least 1 (an empty chart still has an axis);
// gaps (NaN) do not count.
func (c *Chart) max(stacked bool) float64 {
	m := 0.0
	for i := range c.Labels {
		sum := 0.0
		for _, s := range c.Series {
			if i < len(s.Values) && !math.IsNaN(s.Values[i]) {
				if stacked {
					sum += s.Values[i]
				} else {
					m = math.Max(m, s.Values[i])
				}
			}
		}
		m = math.Max(m, sum)
	}
	if m <= 0 {
		return 1
	}
	return niceCeil(m)
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten, for readable axes.
func niceCeil(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, f := range []float64{1, 2, 5, 10} {
		if v <= f*p {
			return f * p
		}
	}
	return 10 * p
}

func esc(s string) string { return html.EscapeString(s) }

func num(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	if math.Abs(v) < 10 {
		return fmt.Sprintf("%.2g", v)
	}
	return fmt.Sprintf("%.0f", v)
}

// frame opens the SVG and draws the title, the y axis with three gridlines and the legend.
func (c *Chart) frame(b *strings.Builder, top float64) {
	w, h := c.size()
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`, w, h, w, h, esc(c.Title))
	fmt.Fprintf(b, `<title>%s</title>`, esc(c.Title))
	fmt.Fprintf(b, `<text x="%d" y="16" font-size="13" font-weight="600" fill="#1f2328">%s</text>`, padLeft, esc(c.Title))
	plotH := float64(h - padTop - padBottom)
	for i := 0; i <= 2; i++ {
		v := top * float64(i) / 2
		y := float64(h-padBottom) - plotH*float64(i)/2
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#d0d7de" stroke-width="1"/>`, padLeft, y, w-padRight, y)
		fmt.Fprintf(b, `<text x="%d" y="%.1f" font-size="10" text-anchor="end" fill="#57606a">%s%s</text>`, padLeft-4, y+3, num(v), esc(c.Unit))
	}
	x := float64(w - padRight)
	for i := len(c.Series) - 1; i >= 0 && len(c.Series) > 1; i-- {
		s := c.Series[i]
		x -= float64(10 + 7*len([]rune(s.Name)) + 12)
		fmt.Fprintf(b, `<rect x="%.1f" y="7" width="10" height="10" fill="%s"/><text x="%.1f" y="16" font-size="11" fill="#57606a">%s</text>`,
			x, esc(color(s, i)), x+13, esc(s.Name))
	}
}

var palette = []string{"#0969da", "#cf222e", "#1a7f37", "#9a6700", "#8250df"}

func color(s Series, i int) string {
	if s.Color != "" {
		return s.Color
	}
	return palette[i%len(palette)]
}

// labels writes at most about ten x-axis labels, evenly spread.
func (c *Chart) labels(b *strings.Builder, xAt func(i int) float64) {
	_, h := c.size()
	step := max(1, (len(c.Labels)+9)/10)
	for i := 0; i < len(c.Labels); i += step {
		fmt.Fprintf(b, `<text x="%.1f" y="%d" font-size="10" text-anchor="middle" fill="#57606a">%s</text>`, xAt(i), h-padBottom+14, esc(c.Labels[i]))
	}
}

// StackedBars draws one bar per label with the series stacked (answered and abandoned calls per
// day, say).
func StackedBars(c Chart) string {
	var b strings.Builder
	top := c.max(true)
	c.frame(&b, top)
	w, h := c.size()
	n := max(1, len(c.Labels))
	slot := float64(w-padLeft-padRight) / float64(n)
	barW := math.Max(1, slot*0.7)
	plotH := float64(h - padTop - padBottom)
	for i := range c.Labels {
		y := float64(h - padBottom)
		for si, s := range c.Series {
			if i >= len(s.Values) || s.Values[i] <= 0 {
				continue
			}
			bh := plotH * s.Values[i] / top
			y -= bh
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s</title></rect>`,
				padLeft+slot*float64(i)+(slot-barW)/2, y, barW, bh, esc(color(s, si)), esc(c.Labels[i]), esc(s.Name), num(s.Values[i]))
		}
	}
	c.labels(&b, func(i int) float64 { return padLeft + slot*(float64(i)+0.5) })
	b.WriteString(`</svg>`)
	return b.String()
}

// Lines draws each series as a line over the labels (service level, sentiment, handle time);
// a NaN value is a gap.
func Lines(c Chart) string {
	var b strings.Builder
	top := c.max(false)
	c.frame(&b, top)
	w, h := c.size()
	n := max(1, len(c.Labels)-1)
	plotW, plotH := float64(w-padLeft-padRight), float64(h-padTop-padBottom)
	xAt := func(i int) float64 { return padLeft + plotW*float64(i)/float64(n) }
	for si, s := range c.Series {
		var pts []string
		flush := func() {
			if len(pts) > 0 {
				fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.Join(pts, " "), esc(color(s, si)))
			}
			pts = nil
		}
		for i, v := range s.Values {
			if i >= len(c.Labels) || math.IsNaN(v) {
				flush()
				continue
			}
			y := float64(h-padBottom) - plotH*math.Max(0, v)/top
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xAt(i), y))
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"><title>%s %s: %s%s</title></circle>`, xAt(i), y, esc(color(s, si)),
				esc(c.Labels[i]), esc(s.Name), num(v), esc(c.Unit))
		}
		flush()
	}
	c.labels(&b, xAt)
	b.WriteString(`</svg>`)
	return b.String()
}

// Ranked draws horizontal bars, largest first as given (top intents, categories, questions).
func Ranked(title string, labels []string, values []float64, width int) string {
	if width <= 0 {
		width = 640
	}
	rowH := 22
	h := padTop + rowH*max(1, len(labels)) + 8
	top := 1.0
	for _, v := range values {
		top = math.Max(top, v)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`, width, h, width, h, esc(title))
	fmt.Fprintf(&b, `<title>%s</title><text x="4" y="16" font-size="13" font-weight="600" fill="#1f2328">%s</text>`, esc(title), esc(title))
	labelW := width * 2 / 5
	barMax := float64(width - labelW - 48)
	for i, l := range labels {
		y := padTop + rowH*i
		v := 0.0
		if i < len(values) {
			v = values[i]
		}
		r := []rune(l)
		if len(r) > 40 {
			l = string(r[:39]) + "…"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="end" fill="#1f2328">%s</text>`, labelW-6, y+14, esc(l))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="14" fill="#0969da"/>`, labelW, y+3, math.Max(1, barMax*v/top))
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" fill="#57606a">%s</text>`, float64(labelW)+math.Max(1, barMax*v/top)+4, y+14, num(v))
	}
	if len(labels) == 0 {
		fmt.Fprintf(&b, `<text x="4" y="%d" font-size="11" fill="#57606a">nothing in this period</text>`, padTop+14)
	}
	b.WriteString(`</svg>`)
	return b.String()
}
