package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Compare prints b against a: for each scenario, workload and offered rate
// present in both, the throughput and every percentile with the change in
// percent (negative latency change is better). Results present in only one
// record are listed at the end.
func Compare(w io.Writer, a, b *Record) error {
	for _, r := range []struct {
		name string
		rec  *Record
	}{{"a", a}, {"b", b}} {
		fmt.Fprintf(w, "%s: %s", r.name, strings.ReplaceAll(strings.TrimSuffix(r.rec.Header(), "\n"), "\n", "\n   "))
		fmt.Fprintln(w)
	}
	if a.Machine != b.Machine {
		fmt.Fprintln(w, "note: the machines differ; compare with care")
	}
	fmt.Fprintln(w)
	index := func(r *Record) map[string]*Result {
		m := make(map[string]*Result, len(r.Results))
		for i := range r.Results {
			m[compareKey(&r.Results[i])] = &r.Results[i]
		}
		return m
	}
	ia, ib := index(a), index(b)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tworkload\toffered/s\tmetric\ta\tb\tchange\t")
	var onlyA, onlyB []string
	for i := range a.Results {
		ra := &a.Results[i]
		rb, ok := ib[compareKey(ra)]
		if !ok {
			onlyA = append(onlyA, compareKey(ra))
			continue
		}
		writeComparison(tw, ra, rb)
	}
	for i := range b.Results {
		if _, ok := ia[compareKey(&b.Results[i])]; !ok {
			onlyB = append(onlyB, compareKey(&b.Results[i]))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, k := range onlyA {
		fmt.Fprintf(w, "only in a: %s\n", k)
	}
	for _, k := range onlyB {
		fmt.Fprintf(w, "only in b: %s\n", k)
	}
	return nil
}

func compareKey(r *Result) string {
	return fmt.Sprintf("%s/%s@%g", r.Scenario, r.Workload, r.OfferedRate)
}

func writeComparison(w io.Writer, a, b *Result) {
	row := func(metric, va, vb string, x, y float64) {
		fmt.Fprintf(w, "%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t\n", a.Scenario, a.Workload, a.OfferedRate, metric, va, vb, change(x, y))
	}
	row("throughput/s", fmt.Sprintf("%.0f", a.Throughput), fmt.Sprintf("%.0f", b.Throughput), a.Throughput, b.Throughput)
	for _, m := range []struct {
		name string
		x, y int64
	}{{"p50", a.P50, b.P50}, {"p90", a.P90, b.P90}, {"p99", a.P99, b.P99}, {"p99.9", a.P999, b.P999},
		{"p99.99", a.P9999, b.P9999}, {"max", a.Max, b.Max}} {
		row(m.name, FormatLatency(m.x), FormatLatency(m.y), float64(m.x), float64(m.y))
	}
}

// change is the relative change from x to y in percent.
func change(x, y float64) string {
	if x == 0 {
		if y == 0 {
			return "0%"
		}
		return "n/a"
	}
	return fmt.Sprintf("%+.1f%%", 100*(y-x)/x)
}
