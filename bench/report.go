package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// RecordVersion is the version of the JSON record's layout.
const RecordVersion = 1

// Summary is a latency distribution reduced to the figures in the table.
// Latencies are in nanoseconds.
type Summary struct {
	Count      int64   `json:"count"`
	Errors     int64   `json:"errors"`
	Throughput float64 `json:"throughput_per_sec"`
	Mean       float64 `json:"mean_ns"`
	P50        int64   `json:"p50_ns"`
	P90        int64   `json:"p90_ns"`
	P99        int64   `json:"p99_ns"`
	P999       int64   `json:"p99_9_ns"`
	P9999      int64   `json:"p99_99_ns"`
	Max        int64   `json:"max_ns"`
}

// Summarise reduces a histogram.
func Summarise(h *hdrhistogram.Histogram) Summary {
	if h.TotalCount() == 0 {
		return Summary{}
	}
	return Summary{Count: h.TotalCount(), Mean: h.Mean(), P50: h.ValueAtQuantile(50), P90: h.ValueAtQuantile(90),
		P99: h.ValueAtQuantile(99), P999: h.ValueAtQuantile(99.9), P9999: h.ValueAtQuantile(99.99), Max: h.Max()}
}

// Result is one scenario run at one offered rate.
type Result struct {
	Scenario    string  `json:"scenario"` // engine, durable, grpc, fix
	Workload    string  `json:"workload"` // trade, commerce
	OfferedRate float64 `json:"offered_rate_per_sec"`
	Ops         int     `json:"ops"`
	Warmup      int     `json:"warmup_ops"`
	Workers     int     `json:"workers"`
	// Rejected counts measured commands the engine refused (a business
	// outcome, still a measured response).
	Rejected  int64  `json:"rejected"`
	Saturated bool   `json:"saturated,omitempty"`
	FirstErr  string `json:"first_error,omitempty"`
	Summary
	// Step is the find-the-maximum step number (from 1), zero otherwise.
	Step int `json:"step,omitempty"`
	// Hist is the full distribution, for the .hgrm file and the chart.
	Hist *hdrhistogram.Histogram `json:"-"`
}

// Name is "<scenario>/<workload>".
func (r *Result) Name() string { return r.Scenario + "/" + r.Workload }

// Label names the result's files: scenario, workload and offered rate.
func (r *Result) Label() string {
	return fmt.Sprintf("%s-%s-%g", r.Scenario, r.Workload, r.OfferedRate)
}

// Title names the result in the chart's legend.
func (r *Result) Title() string {
	return fmt.Sprintf("%s/%s @ %g/s", r.Scenario, r.Workload, r.OfferedRate)
}

// Machine describes where a run happened.
type Machine struct {
	CPU         string `json:"cpu"`
	Cores       int    `json:"cores"`
	MemoryBytes int64  `json:"memory_bytes"`
	OS          string `json:"os"`
	Arch        string `json:"arch"`
	Hostname    string `json:"hostname,omitempty"`
}

// Params are the options a run was given.
type Params struct {
	Args      []string `json:"args"`
	Scenarios []string `json:"scenarios"`
	Workloads []string `json:"workloads"`
	Seed      uint64   `json:"seed"`
	Duration  string   `json:"duration"`
	Warmup    string   `json:"warmup"`
	Short     bool     `json:"short"`
	FindMax   bool     `json:"find_max"`
	MaxP99    string   `json:"max_p99,omitempty"`
	Addr      string   `json:"addr,omitempty"`
	Workers   int      `json:"workers"`
}

// Record is one run, as written to results.json.
type Record struct {
	Version   int       `json:"version"`
	Started   time.Time `json:"started"`
	Machine   Machine   `json:"machine"`
	GoVersion string    `json:"go_version"`
	Commit    string    `json:"commit"`
	Modified  bool      `json:"modified,omitempty"` // the tree had uncommitted changes
	// CommitSource is "build" (stamped into the binary) or "git" (the
	// working directory's HEAD when the run started: the binary may be
	// older).
	CommitSource string   `json:"commit_source,omitempty"`
	Params       Params   `json:"params"`
	Results      []Result `json:"results"`
}

// WriteJSON writes the record, indented.
func (r *Record) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ReadRecord reads a record written by WriteJSON.
func ReadRecord(path string) (*Record, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bench: read record: %w", err)
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("bench: record %s: %w", path, err)
	}
	if r.Version != RecordVersion {
		return nil, fmt.Errorf("bench: record %s: version %d, want %d", path, r.Version, RecordVersion)
	}
	return &r, nil
}

// FormatLatency prints nanoseconds with a unit that keeps 3 digits.
func FormatLatency(ns int64) string {
	d := float64(ns)
	switch {
	case ns < 1000:
		return fmt.Sprintf("%dns", ns)
	case ns < 1e6:
		return fmt.Sprintf("%.3gµs", d/1e3)
	case ns < 1e9:
		return fmt.Sprintf("%.3gms", d/1e6)
	}
	return fmt.Sprintf("%.3gs", d/1e9)
}

// WriteTable prints one line per result: throughput and percentiles.
func WriteTable(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tworkload\toffered/s\tachieved/s\tops\terrors\trejected\tp50\tp90\tp99\tp99.9\tp99.99\tmax\t")
	for i := range results {
		r := &results[i]
		note := ""
		if r.Saturated {
			note = " (saturated)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.0f%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Scenario, r.Workload, r.OfferedRate,
			r.Throughput, note, r.Count, r.Errors, r.Rejected, FormatLatency(r.P50), FormatLatency(r.P90), FormatLatency(r.P99),
			FormatLatency(r.P999), FormatLatency(r.P9999), FormatLatency(r.Max))
	}
	return tw.Flush()
}

// WriteHGRM writes the histogram's percentile distribution in the
// HdrHistogram text format, values in microseconds (as HdrHistogram's
// plotter expects).
func WriteHGRM(w io.Writer, h *hdrhistogram.Histogram) error {
	bw := bufio.NewWriter(w)
	if _, err := h.PercentilesPrint(bw, 5, 1000); err != nil {
		return err
	}
	return bw.Flush()
}

// Header prints what a record was measured on.
func (r *Record) Header() string {
	var b strings.Builder
	fmt.Fprintf(&b, "machine: %s, %d cores, %.1f GiB; %s/%s\n", r.Machine.CPU, r.Machine.Cores,
		float64(r.Machine.MemoryBytes)/(1<<30), r.Machine.OS, r.Machine.Arch)
	mod := ""
	if r.Modified {
		mod = " (modified)"
	}
	if r.CommitSource == "git" {
		mod += " (from git at run time)"
	}
	fmt.Fprintf(&b, "go: %s, commit: %s%s, started: %s\n", r.GoVersion, r.Commit, mod, r.Started.UTC().Format(time.RFC3339))
	return b.String()
}
