package chart

import (
	"encoding/xml"
	"io"
	"math"
	"strings"
	"testing"
)

// wellFormed parses the SVG as XML and counts elements by name.
func wellFormed(t *testing.T, svg string) map[string]int {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	n := map[string]int{}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return n
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, svg)
		}
		if s, ok := tok.(xml.StartElement); ok {
			n[s.Name.Local]++
		}
	}
}

func TestStackedBars(t *testing.T) {
	svg := StackedBars(Chart{Title: "Calls <per day>", Labels: []string{"mon", "tue", "wed"},
		Series: []Series{{Name: "answered", Values: []float64{10, 0, 7}}, {Name: "abandoned", Values: []float64{2, 1, 0}}}})
	n := wellFormed(t, svg)
	if n["rect"] != 4+2 { // 4 non-zero bars and 2 legend swatches
		t.Fatalf("rects %d:\n%s", n["rect"], svg)
	}
	if !strings.Contains(svg, "Calls &lt;per day&gt;") || strings.Contains(svg, "<per day>") {
		t.Fatal("the title is not escaped")
	}
	if !strings.Contains(svg, "mon answered: 10") || !strings.Contains(svg, ">20<") { // 12 rounds up to a nice 20
		t.Fatalf("values or axis:\n%s", svg)
	}
}

func TestLinesGapsAndRanked(t *testing.T) {
	svg := Lines(Chart{Title: "Service level", Unit: "%", Labels: []string{"1", "2", "3", "4"},
		Series: []Series{{Name: "sl", Values: []float64{80, math.NaN(), 90, 95}}}})
	if n := wellFormed(t, svg); n["polyline"] != 2 || n["circle"] != 3 {
		t.Fatalf("a gap should split the line: %v", n)
	}
	r := Ranked("Top questions", []string{"where is my order", "退款多久到账"}, []float64{5, 3}, 0)
	if n := wellFormed(t, r); n["rect"] != 2 || !strings.Contains(r, "退款多久到账") {
		t.Fatalf("ranked: %v\n%s", n, r)
	}
	if n := wellFormed(t, Ranked("Empty", nil, nil, 0)); n["rect"] != 0 {
		t.Fatal("empty ranked chart")
	}
	if n := wellFormed(t, StackedBars(Chart{Title: "none"})); n["svg"] != 1 {
		t.Fatal("empty chart")
	}
}

func TestNiceCeil(t *testing.T) {
	for in, want := range map[float64]float64{0.7: 1, 1: 1, 1.2: 2, 3: 5, 7: 10, 12: 20, 480: 500, 501: 1000} {
		if got := niceCeil(in); got != want {
			t.Errorf("niceCeil(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestLinesWithGapsKeepTheirAxis(t *testing.T) {
	svg := Lines(Chart{Title: "sl", Labels: []string{"a", "b", "c"}, Unit: "%", Series: []Series{{Name: "x", Values: []float64{math.NaN(), 80, math.NaN()}}}})
	if strings.Contains(svg, "NaN") {
		t.Fatalf("a gap reached the drawing: %s", svg)
	}
	if !strings.Contains(svg, "<circle") {
		t.Error("the one value is not drawn")
	}
}
