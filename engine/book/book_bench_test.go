package book_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/ordercore/oms/bench/workload"
	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/engine/wire"
)

// BenchmarkBook applies a realistic message mix (half replaces, a sixth
// cancels, a sixth marketable IOC orders, the rest new passive orders) to
// books of about 1,000 and 20,000 resting orders. Commands are generated
// before the timer starts; when the stream runs out the engine is restored
// from its starting snapshot with the timer stopped.
//
//	go test ./engine/book -run '^$' -bench BenchmarkBook -benchmem -count 10
func BenchmarkBook(b *testing.B) {
	for _, resting := range []int{1000, 20000} {
		b.Run(fmt.Sprintf("resting=%d", resting), func(b *testing.B) {
			w, e, restore := benchBook(b, resting)
			var out []book.Event
			// One pass warms the code and the runtime's heap. Its engine
			// state is not kept: Restore starts from New, so every measured
			// pass grows the day's client order id index and done log from
			// the snapshot's size, on memory it touches for the first time
			// (in this VM some 20,000 fresh pages a million commands, at
			// 11-15 us each): the figures are those of a first day.
			for i := range w.Steady {
				out = e.Apply(&w.Steady[i], 0, out[:0])
			}
			restore()
			// cpu-ns/op is the measured loop's CPU time on this thread (where
			// the platform tells it): unlike ns/op it leaves out the time the
			// thread waits for the processor, which on a shared machine is
			// most of the noise.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var cpu time.Duration
			i := 0
			b.ReportAllocs()
			b.ResetTimer()
			t0 := threadCPU()
			for b.Loop() {
				if i == len(w.Steady) {
					b.StopTimer()
					cpu += threadCPU() - t0
					restore()
					i = 0
					t0 = threadCPU()
					b.StartTimer()
				}
				out = e.Apply(&w.Steady[i], 0, out[:0])
				i++
			}
			cpu += threadCPU() - t0
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
			if t0 >= 0 {
				b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}

// BenchmarkSnapshot serialises a busy day's state: a book of 20,000 resting
// orders after a million commands (a million client order ids and the
// day's finished orders). The sequencer runs this on the engine goroutine,
// so it is how long a snapshot stops the world.
//
//	go test ./engine/book -run '^$' -bench BenchmarkSnapshot -benchmem -count 10
func BenchmarkSnapshot(b *testing.B) {
	w := workload.NewTrade(workload.TradeConfig{Seed: 1, Resting: 20000, Commands: 1 << 20})
	e := book.New()
	var out []book.Event
	for i := range w.Setup {
		out = e.Apply(&w.Setup[i], 0, out[:0])
	}
	for i := range w.Steady {
		out = e.Apply(&w.Steady[i], 0, out[:0])
	}
	var buf wire.Writer
	e.Snapshot(&buf)
	size := buf.Len()
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		e.Snapshot(&buf)
	}
	b.ReportMetric(float64(size)/1e6, "MB")
}

// BenchmarkBookLatency times every Apply of the same mix (1,000 resting
// orders) into an HdrHistogram and reports its percentiles and maximum: the
// stalls a mean hides, such as an index rehashing a busy day's ids inside one
// command. The per-call clock reads add some tens of nanoseconds to each
// figure; ns/op is not comparable with BenchmarkBook.
//
//	go test ./engine/book -run '^$' -bench BenchmarkBookLatency -benchtime 3000000x -count 5
func BenchmarkBookLatency(b *testing.B) {
	w, e, restore := benchBook(b, 1000)
	var out []book.Event
	h := hdrhistogram.New(1, 10e9, 3)
	i := 0
	b.ResetTimer()
	for b.Loop() {
		if i == len(w.Steady) {
			b.StopTimer()
			restore()
			i = 0
			b.StartTimer()
		}
		t0 := time.Now()
		out = e.Apply(&w.Steady[i], 0, out[:0])
		h.RecordValue(int64(time.Since(t0)))
		i++
	}
	for _, q := range []float64{50, 99, 99.9, 99.99} {
		b.ReportMetric(float64(h.ValueAtQuantile(q)), fmt.Sprintf("p%g-ns", q))
	}
	b.ReportMetric(float64(h.Max()), "max-ns")
}

// benchBook generates the trading mix for a book of about resting orders and
// returns it with an engine at the state after its setup, and a function
// that restores the engine to that state.
//
// restore ends with a collection. The generated stream (a million commands
// and their strings, some 350 MB of pointers) and the discarded engine are
// the benchmark's, not the engine's: left to the pacer, the collector's
// marking of them ran through the measured loop (on one P, with write
// barriers on and a quarter of the processor taken by the mark worker,
// which made ns/op depend on when the cycle happened to start). The
// measured loop allocates under 100 bytes per command, far from the next
// cycle.
func benchBook(b *testing.B, resting int) (*workload.Trade, *book.Engine, func()) {
	w := workload.NewTrade(workload.TradeConfig{Seed: 1, Resting: resting, Commands: 1 << 20})
	start := book.New()
	var out []book.Event
	for i := range w.Setup {
		out = start.Apply(&w.Setup[i], 0, out[:0])
	}
	var snap wire.Writer
	start.Snapshot(&snap)
	e := book.New()
	restore := func() {
		if err := e.Restore(wire.NewReader(snap.Bytes())); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
	}
	restore()
	return w, e, restore
}
