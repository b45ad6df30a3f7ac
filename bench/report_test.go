package bench

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// uniform records 1..n microseconds.
func uniform(n int) Result {
	h := NewHistogram()
	for i := 1; i <= n; i++ {
		_ = h.RecordValue(int64(i) * 1000)
	}
	s := Summarise(h)
	s.Throughput = 1234
	return Result{Scenario: "engine", Workload: "trade", OfferedRate: 1000, Ops: n, Workers: 1, Summary: s, Hist: h}
}

func TestSummarise(t *testing.T) {
	r := uniform(10000)
	h := r.Hist
	require.EqualValues(t, 10000, r.Count)
	require.True(t, h.ValuesAreEquivalent(5000e3, r.P50))
	require.True(t, h.ValuesAreEquivalent(9000e3, r.P90))
	require.True(t, h.ValuesAreEquivalent(9900e3, r.P99))
	require.True(t, h.ValuesAreEquivalent(9990e3, r.P999))
	require.True(t, h.ValuesAreEquivalent(9999e3, r.P9999))
	require.True(t, h.ValuesAreEquivalent(10000e3, r.Max))
	require.Equal(t, Summary{}, Summarise(NewHistogram()))
}

func TestFormatLatency(t *testing.T) {
	for ns, want := range map[int64]string{999: "999ns", 1500: "1.5µs", 123456: "123µs", 2_500_000: "2.5ms", 3e9: "3s"} {
		require.Equal(t, want, FormatLatency(ns))
	}
}

func TestTable(t *testing.T) {
	r := uniform(1000)
	r.Saturated = true
	var b bytes.Buffer
	require.NoError(t, WriteTable(&b, []Result{r}))
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, 2)
	for _, col := range []string{"scenario", "achieved/s", "p50", "p99.99", "max"} {
		require.Contains(t, lines[0], col)
	}
	require.Contains(t, lines[1], "engine")
	require.Contains(t, lines[1], "1234 (saturated)")
	require.Contains(t, lines[1], "1ms") // max 1000µs
}

func testRecord(results ...Result) *Record {
	return &Record{Version: RecordVersion, Started: time.Date(2026, 11, 23, 19, 0, 0, 0, time.UTC),
		Machine:   Machine{CPU: "Test CPU", Cores: 2, MemoryBytes: 8 << 30, OS: "linux", Arch: "amd64"},
		GoVersion: "go1.26", Commit: "abc123", Params: Params{Seed: 1, Scenarios: []string{"engine"}}, Results: results}
}

func TestRecordRoundTrip(t *testing.T) {
	rec := testRecord(uniform(100))
	path := filepath.Join(t.TempDir(), "results.json")
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, rec.WriteJSON(f))
	require.NoError(t, f.Close())
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, k := range []string{`"cpu": "Test CPU"`, `"go_version"`, `"commit": "abc123"`, `"p99_9_ns"`, `"offered_rate_per_sec": 1000`} {
		require.Contains(t, string(raw), k)
	}
	got, err := ReadRecord(path)
	require.NoError(t, err)
	rec.Results[0].Hist = nil
	require.Equal(t, rec, got)

	require.NoError(t, os.WriteFile(path, []byte(`{"version": 99}`), 0o600))
	_, err = ReadRecord(path)
	require.ErrorContains(t, err, "version 99")
	_, err = ReadRecord(filepath.Join(t.TempDir(), "missing.json"))
	require.Error(t, err)
}

func TestCompare(t *testing.T) {
	a := uniform(1000)
	b := uniform(1000)
	b.Throughput = 2468
	b.P99 = a.P99 / 2
	onlyA := uniform(10)
	onlyA.Scenario = "durable"
	onlyB := uniform(10)
	onlyB.Workload = "commerce"
	ra, rb := testRecord(a, onlyA), testRecord(b, onlyB)
	rb.Machine.CPU = "Other CPU"
	var out bytes.Buffer
	require.NoError(t, Compare(&out, ra, rb))
	s := out.String()
	require.Contains(t, s, "the machines differ")
	require.Regexp(t, `engine +trade +1000 +throughput/s +1234 +2468 +\+100\.0%`, s)
	require.Regexp(t, `p99 +[0-9.]+µs +[0-9.]+µs +-50\.[0-9]%`, s)
	require.Contains(t, s, "only in a: durable/trade@1000")
	require.Contains(t, s, "only in b: engine/commerce@1000")
	require.Equal(t, "n/a", change(0, 5))
	require.Equal(t, "0%", change(0, 0))
}

func TestHGRM(t *testing.T) {
	r := uniform(1000)
	var b bytes.Buffer
	require.NoError(t, WriteHGRM(&b, r.Hist))
	s := b.String()
	require.True(t, strings.HasPrefix(s, "       Value     Percentile TotalCount 1/(1-Percentile)") || strings.Contains(s, "Value\tPercentile\tTotalCount"))
	require.Contains(t, s, "#[Max     =     1000.447") // µs, upper edge of the 1ms bucket
	require.Contains(t, s, "Total count    =         1000]")
}

func TestSVG(t *testing.T) {
	a, b := uniform(10000), uniform(100)
	b.Workload = "commerce & <co>"
	var out bytes.Buffer
	require.NoError(t, WriteSVG(&out, "oms bench", []Series{SeriesOf(a.Label(), a.Hist), SeriesOf(b.Label(), b.Hist), SeriesOf("empty", NewHistogram())}))

	// Well-formed XML with one polyline per non-empty series.
	type poly struct {
		Points string `xml:"points,attr"`
	}
	var doc struct {
		XMLName   xml.Name `xml:"svg"`
		Polylines []poly   `xml:"polyline"`
		Texts     []string `xml:"text"`
	}
	require.NoError(t, xml.Unmarshal(out.Bytes(), &doc))
	require.Len(t, doc.Polylines, 2)
	for _, label := range []string{"0%", "90%", "99%", "99.9%", "99.99%", "Percentile", "Latency", "oms bench", "engine-commerce & <co>-1000"} {
		require.Contains(t, doc.Texts, label)
	}
	require.NotContains(t, doc.Texts, "99.999%", "10000 values: the axis stops at 4 nines")

	// Each line goes right and up: x and y (SVG y grows downwards) monotone.
	for _, p := range doc.Polylines {
		prevX, prevY := -1.0, 1e9
		for _, xy := range strings.Fields(p.Points) {
			xs, ys, ok := strings.Cut(xy, ",")
			require.True(t, ok)
			x, err := strconv.ParseFloat(xs, 64)
			require.NoError(t, err)
			y, err := strconv.ParseFloat(ys, 64)
			require.NoError(t, err)
			require.GreaterOrEqual(t, x, prevX)
			require.LessOrEqual(t, y, prevY)
			require.True(t, x >= padL && x <= padL+plotW && y >= padT && y <= padT+plotH, "in the plot: %v,%v", x, y)
			prevX, prevY = x, y
		}
	}
	require.Equal(t, "99.999%", ninesLabel(5))

	out.Reset()
	require.NoError(t, WriteSVG(&out, strings.Repeat("x", 300), nil))
	require.NoError(t, xml.Unmarshal(out.Bytes(), &doc))
	require.Contains(t, doc.Texts, strings.Repeat("x", maxTitle-1)+"…")
}
