package sequencer_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/cockroachdb/pebble/v2"
	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/journal"
	"github.com/ordercore/oms/journal/journaltest"
	"github.com/ordercore/oms/sequencer"
)

// TestAckLatencyReport is a load report, not a test: it runs only with
// OMS_BENCH_LATENCY=1 (make bench-durable) and asserts nothing about the
// figures. On the real disk (a temp dir) it measures:
//
//  1. the fsync latency of raw Pebble synced one-record commits;
//  2. the sequencer's peak throughput under a closed-loop load;
//  3. ack latency percentiles under an open-loop load at several offered
//     rates (fixed ones and fractions of the peak). Latency is measured from
//     each command's scheduled send time, so a stalled sequencer is charged
//     for the commands it delayed (no coordinated omission).
//
// OMS_BENCH_SECONDS sets the duration of each phase (default 3);
// OMS_BENCH_RATES=r1,r2,... runs only those offered rates, without the
// peak phase.
func TestAckLatencyReport(t *testing.T) {
	if os.Getenv("OMS_BENCH_LATENCY") == "" {
		t.Skip("load report: set OMS_BENCH_LATENCY=1 (make bench-durable)")
	}
	phase := 3 * time.Second
	if s := os.Getenv("OMS_BENCH_SECONDS"); s != "" {
		var n int
		_, err := fmt.Sscan(s, &n)
		require.NoError(t, err)
		phase = time.Duration(n) * time.Second
	}
	var report strings.Builder
	fmt.Fprintf(&report, "%s, GOMAXPROCS=%d, disk=%s\n", runtime.Version(), runtime.GOMAXPROCS(0), t.TempDir())
	fs := fsyncLatency(t, phase)
	fmt.Fprintf(&report, "raw pebble synced 1-record commits: %s\n", pct(fs))

	rates := []float64{1000, 5000, 20000}
	if s := os.Getenv("OMS_BENCH_RATES"); s != "" {
		// Fixed rates only, for a focused run (say, under a profiler).
		rates = rates[:0]
		for _, f := range strings.Split(s, ",") {
			var r float64
			_, err := fmt.Sscan(f, &r)
			require.NoError(t, err, "OMS_BENCH_RATES: want comma-separated commands/s")
			rates = append(rates, r)
		}
	} else {
		peak := peakThroughput(t, phase)
		fmt.Fprintf(&report, "sequencer peak (closed loop, 1024 submitters): %.0f cmds/s\n", peak)
		rates = append(rates, peak/4, peak/2, peak*3/4)
	}
	fmt.Fprintf(&report, "%-12s %-12s %-10s %s\n", "offered/s", "achieved/s", "overloads", "ack latency (from scheduled send)")
	for _, rate := range rates {
		gc0 := readGC()
		h, writes, sizes, achieved, over := openLoop(t, rate, phase)
		gc := gcSince(gc0)
		fmt.Fprintf(&report, "%-12.0f %-12.0f %-10d %s\n", rate, achieved, over, pct(h))
		fmt.Fprintf(&report, "%36s journal writes %s; batch p50=%d p99=%d max=%d\n", "", pct(writes),
			sizes.ValueAtQuantile(50), sizes.ValueAtQuantile(99), sizes.Max())
		fmt.Fprintf(&report, "%36s %s\n", "", gc)
	}
	t.Log("\n" + report.String())
}

// gcReading is the collector's cycles, pause time and CPU so far.
type gcReading struct {
	cycles        uint64
	pause, gc, cp float64 // seconds: stop-the-world pauses, collector CPU, all CPU
}

func readGC() gcReading {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/cpu/classes/gc/pause:cpu-seconds"},
		{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/cpu/classes/total:cpu-seconds"}}
	metrics.Read(s)
	return gcReading{cycles: s[0].Value.Uint64(), pause: s[1].Value.Float64(), gc: s[2].Value.Float64(), cp: s[3].Value.Float64()}
}

// gcSince describes the collector's work since r0: cycles, the CPU its
// stop-the-world pauses took, and its share of the process's CPU.
func gcSince(r0 gcReading) string {
	r1 := readGC()
	share := 0.0
	if d := r1.cp - r0.cp; d > 0 {
		share = 100 * (r1.gc - r0.gc) / d
	}
	return fmt.Sprintf("gc cycles=%d pause cpu=%s gc share of cpu=%.1f%%", r1.cycles-r0.cycles,
		time.Duration((r1.pause-r0.pause)*1e9).Round(time.Microsecond), share)
}

func pct(h *hdrhistogram.Histogram) string {
	us := func(q float64) string { return time.Duration(h.ValueAtQuantile(q) * 1000).String() }
	return fmt.Sprintf("n=%d p50=%s p90=%s p99=%s p99.9=%s max=%s",
		h.TotalCount(), us(50), us(90), us(99), us(99.9), time.Duration(h.Max()*1000))
}

func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(1, 60_000_000, 3) } // 1µs .. 60s

func fsyncLatency(t *testing.T, d time.Duration) *hdrhistogram.Histogram {
	db, err := pebble.Open(t.TempDir(), &pebble.Options{MemTableSize: 16 << 20, FormatMajorVersion: pebble.FormatNewest, Logger: nopLogger{}})
	require.NoError(t, err)
	defer db.Close()
	h := newHist()
	val := make([]byte, 80)
	key := []byte("c00000000")
	for end := time.Now().Add(d); time.Now().Before(end); {
		t0 := time.Now()
		require.NoError(t, db.Set(key, val, pebble.Sync))
		_ = h.RecordValue(time.Since(t0).Microseconds())
		key[8]++
	}
	return h
}

func benchSeq(t *testing.T, inbox int, onBatch func(int, time.Duration)) (*sequencer.Sequencer, func()) {
	j, err := journal.Open(t.TempDir(), journal.Options{Logger: quiet()})
	require.NoError(t, err)
	s, err := sequencer.New(engine.New(), j, sequencer.Options{MaxBatch: 4096, InboxSize: inbox, Logger: quiet(),
		OnBatch: onBatch})
	require.NoError(t, err)
	s.Start()
	return s, func() { require.NoError(t, s.Close()); require.NoError(t, j.Close()) }
}

func peakThroughput(t *testing.T, d time.Duration) float64 {
	s, done := benchSeq(t, 1<<16, nil)
	defer done()
	cmds := journaltest.NewGen(2).Batch(1 << 16)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range 1024 {
		wg.Go(func() {
			for i := w; !stop.Load(); i += 1024 {
				if _, err := s.Submit(context.Background(), cmds[i%len(cmds)]); err != nil && !errors.Is(err, sequencer.ErrOverloaded) {
					t.Error(err)
					return
				}
			}
		})
	}
	time.Sleep(d / 5) // warm up
	c0, t0 := s.Stats().Commands, time.Now()
	time.Sleep(d)
	c1, el := s.Stats().Commands, time.Since(t0)
	stop.Store(true)
	wg.Wait()
	return float64(c1-c0) / el.Seconds()
}

// The open loop runs the sequencer with oms serve's default inbox, and a
// pool of submitters half as large again, so that a stall long enough to
// fill the inbox shows as overloads (as it would to gRPC clients, with
// RESOURCE_EXHAUSTED) rather than only as queueing for a free submitter.
const (
	openLoopInbox      = 8192
	openLoopSubmitters = openLoopInbox * 3 / 2
)

// openLoop offers rate commands/s for d/5 of warm-up (unrecorded: the
// runtime grows its goroutine stacks and heap for the load, and the
// sequencer its slabs) and then for d, recording each ack's latency from
// its scheduled send time.
func openLoop(t *testing.T, rate float64, d time.Duration) (h, writes, sizes *hdrhistogram.Histogram, achieved float64, overloads int64) {
	// The journal writes (append + fsync) and batch sizes, from the
	// writer goroutine: an ack waits for about one write in progress and
	// then its own, so their sum is what the sequencer adds.
	writes, sizes = newHist(), hdrhistogram.New(1, 1<<20, 3)
	s, done := benchSeq(t, openLoopInbox, func(n int, d time.Duration) {
		_ = writes.RecordValue(d.Microseconds())
		_ = sizes.RecordValue(int64(n))
	})
	cmds := journaltest.NewGen(3).Batch(1 << 16)
	h = newHist()
	var (
		mu   sync.Mutex
		over atomic.Int64
		wg   sync.WaitGroup
	)
	// A fixed pool of submitters takes the commands as their times come:
	// a goroutine per command cost the generator a goroutine start and
	// stack growth each, on the same two cores as the sequencer. A command
	// that waits for a free submitter is still charged from its scheduled
	// time.
	type slot struct {
		i      int
		sched  time.Time
		record bool
	}
	slots := make(chan slot, 1<<16)
	for range openLoopSubmitters {
		wg.Go(func() {
			for sl := range slots {
				_, err := s.Submit(context.Background(), cmds[sl.i%len(cmds)])
				lat := time.Since(sl.sched)
				if errors.Is(err, sequencer.ErrOverloaded) {
					if sl.record {
						over.Add(1)
					}
					continue
				}
				if err != nil {
					t.Error(err)
					continue
				}
				if !sl.record {
					continue
				}
				mu.Lock()
				_ = h.RecordValue(lat.Microseconds())
				mu.Unlock()
			}
		})
	}
	interval := time.Duration(float64(time.Second) / rate)
	start := time.Now()
	warm := int(rate * d.Seconds() / 5)
	n := warm + int(rate*d.Seconds())
	var measureFrom time.Time
	for i := 0; i < n; {
		now := time.Now()
		// Hand out every command whose scheduled time has come.
		for ; i < n && start.Add(time.Duration(i)*interval).Before(now); i++ {
			sched := start.Add(time.Duration(i) * interval)
			if i == warm {
				measureFrom = sched
			}
			slots <- slot{i: i, sched: sched, record: i >= warm}
		}
		time.Sleep(min(interval, 200*time.Microsecond))
	}
	close(slots)
	wg.Wait()
	done() // the writer has stopped: writes and sizes are complete
	return h, writes, sizes, float64(h.TotalCount()) / time.Since(measureFrom).Seconds(), over.Load()
}
