package bench

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
	"strings"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Point is one step of a percentile distribution: Percentile in [0, 100],
// Value in nanoseconds.
type Point struct {
	Percentile float64
	Value      int64
}

// Series is one line of the chart.
type Series struct {
	Label  string
	Points []Point
	Count  int64 // values recorded, which bounds how far right the line goes
}

// SeriesOf is the percentile distribution of h, as HdrHistogram's plotter
// draws it (5 ticks per half distance).
func SeriesOf(label string, h *hdrhistogram.Histogram) Series {
	s := Series{Label: label, Count: h.TotalCount()}
	if s.Count == 0 {
		return s
	}
	for _, b := range h.CumulativeDistributionWithTicks(5) {
		s.Points = append(s.Points, Point{Percentile: b.Quantile, Value: b.ValueAt})
	}
	return s
}

// chart geometry, in SVG user units.
const (
	chartW, chartH                 = 960, 540
	padL, padR, padT, padB         = 80, 230, 50, 60
	plotW, plotH                   = chartW - padL - padR, chartH - padT - padB
	maxNines               float64 = 6   // the x axis ends at 99.9999% at most
	maxTitle                       = 100 // characters of the title that fit
)

var palette = [...]string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"}

// axes holds the scales of one chart: x is the number of nines,
// log10(1/(1-p)), and y is log10 of the latency in ns.
type axes struct {
	nines      float64 // right end of the x axis
	yLo, yHi   float64 // decades
	yTickEvery float64
}

func (a *axes) x(percentile float64) float64 {
	n := a.nines
	if percentile < 100 {
		n = math.Min(a.nines, math.Log10(100/(100-percentile)))
	}
	return padL + plotW*n/a.nines
}

func (a *axes) y(ns int64) float64 {
	v := math.Log10(math.Max(1, float64(ns)))
	return padT + plotH*(1-(v-a.yLo)/(a.yHi-a.yLo))
}

func scale(series []Series) axes {
	a := axes{nines: 1, yLo: math.Inf(1), yHi: math.Inf(-1)}
	for _, s := range series {
		if s.Count > 0 {
			a.nines = math.Max(a.nines, math.Min(maxNines, math.Ceil(math.Log10(float64(s.Count)))))
		}
		for _, p := range s.Points {
			v := math.Log10(math.Max(1, float64(p.Value)))
			a.yLo, a.yHi = math.Min(a.yLo, v), math.Max(a.yHi, v)
		}
	}
	if math.IsInf(a.yLo, 1) {
		a.yLo, a.yHi = 0, 1
	}
	a.yLo, a.yHi = math.Floor(a.yLo), math.Ceil(a.yHi)
	if a.yHi <= a.yLo {
		a.yHi = a.yLo + 1
	}
	return a
}

// WriteSVG draws latency by percentile for each series: the x axis is
// logarithmic in 1/(1-percentile), so 90%, 99%, 99.9%... are equally
// spaced, as in HdrHistogram's plotter; the y axis is logarithmic too, so
// that scenarios microseconds and milliseconds apart fit on one chart.
func WriteSVG(w io.Writer, title string, series []Series) error {
	if r := []rune(title); len(r) > maxTitle {
		title = string(r[:maxTitle-1]) + "…"
	}
	a := scale(series)
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		chartW, chartH, chartW, chartH)
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="white"/>`+"\n", chartW, chartH)
	fmt.Fprintf(bw, `<text x="%d" y="28" font-size="16" font-weight="bold">%s</text>`+"\n", padL, html.EscapeString(title))
	writeGrid(bw, &a)
	for i, s := range series {
		writeLine(bw, &a, s, palette[i%len(palette)], i)
	}
	fmt.Fprintln(bw, `</svg>`)
	return bw.Flush()
}

func writeGrid(w io.Writer, a *axes) {
	fmt.Fprintf(w, `<g stroke="#ddd" stroke-width="1">`+"\n")
	for n := 0.0; n <= a.nines; n++ {
		x := padL + plotW*n/a.nines
		fmt.Fprintf(w, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d"/>`+"\n", x, padT, x, padT+plotH)
	}
	for d := a.yLo; d <= a.yHi; d++ {
		y := padT + plotH*(1-(d-a.yLo)/(a.yHi-a.yLo))
		fmt.Fprintf(w, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`+"\n", padL, y, padL+plotW, y)
	}
	fmt.Fprintln(w, `</g>`)
	fmt.Fprintf(w, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>`+"\n", padL, padT, plotW, plotH)
	for n := 0.0; n <= a.nines; n++ {
		x := padL + plotW*n/a.nines
		fmt.Fprintf(w, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", x, padT+plotH+18, ninesLabel(int(n)))
	}
	fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="middle">Percentile</text>`+"\n", padL+plotW/2, chartH-14)
	for d := a.yLo; d <= a.yHi; d++ {
		y := padT + plotH*(1-(d-a.yLo)/(a.yHi-a.yLo))
		fmt.Fprintf(w, `<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n",
			padL-6, y, FormatLatency(int64(math.Pow(10, d))))
	}
	fmt.Fprintf(w, `<text transform="translate(18 %d) rotate(-90)" text-anchor="middle">Latency</text>`+"\n", padT+plotH/2)
}

// ninesLabel is 0%, 90%, 99%, 99.9%...
func ninesLabel(n int) string {
	if n == 0 {
		return "0%"
	}
	return strings.TrimSuffix(strconv.FormatFloat(100-100/math.Pow(10, float64(n)), 'f', max(0, n-2), 64), ".") + "%"
}

func writeLine(w io.Writer, a *axes, s Series, color string, i int) {
	if len(s.Points) > 0 {
		var pts strings.Builder
		for _, p := range s.Points {
			fmt.Fprintf(&pts, "%.1f,%.1f ", a.x(p.Percentile), a.y(p.Value))
		}
		fmt.Fprintf(w, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", color, strings.TrimSpace(pts.String()))
	}
	ly := padT + 10 + 20*i
	fmt.Fprintf(w, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"/>`+"\n",
		padL+plotW+12, ly, padL+plotW+32, ly, color)
	fmt.Fprintf(w, `<text x="%d" y="%d" dominant-baseline="middle">%s</text>`+"\n", padL+plotW+38, ly, html.EscapeString(s.Label))
}
