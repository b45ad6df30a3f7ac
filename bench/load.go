package bench

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Clock is the load driver's time: the wall clock in use, a fake one in
// tests. Times are durations since an arbitrary origin.
type Clock interface {
	Now() time.Duration
	// SleepUntil returns at t or as soon after it as it can, never before.
	SleepUntil(t time.Duration)
}

// wallClock sleeps until spin before the target time, then yields in a loop:
// timer wake-ups are late by tens of microseconds, which would otherwise be
// measured as latency at high rates.
type wallClock struct {
	origin time.Time
	spin   time.Duration
}

// NewWallClock returns the monotonic wall clock. SleepUntil sleeps until
// spin before the target and yields in a loop from there: a larger spin
// sends closer to the schedule (timer wake-ups on a busy machine are late
// by hundreds of microseconds) at the price of a busy core.
func NewWallClock(spin time.Duration) Clock { return wallClock{origin: time.Now(), spin: spin} }

func (c wallClock) Now() time.Duration { return time.Since(c.origin) }

func (c wallClock) SleepUntil(t time.Duration) {
	if d := t - c.Now(); d > c.spin {
		time.Sleep(d - c.spin)
	}
	for c.Now() < t {
		runtime.Gosched()
	}
}

// Load is one open-loop run: Warmup+Ops operations at Rate per second,
// operation i scheduled at start + i/Rate whatever happened before it.
type Load struct {
	Rate   float64 // offered operations per second, > 0
	Ops    int     // measured operations, > 0
	Warmup int     // operations before the measured ones, not recorded
	// Workers is how many operations may be in flight at once. 1 runs each
	// operation on the pacing goroutine itself (the engine scenario: one
	// thread, no hand-off); more hands them to a pool.
	Workers int
	// MaxLag stops the run early when the system falls this far behind
	// the schedule (the result is then marked Saturated); zero means 10s.
	MaxLag time.Duration
}

func (l *Load) validate() error {
	switch {
	case !(l.Rate > 0):
		return fmt.Errorf("bench: rate %v: must be positive", l.Rate)
	case l.Ops <= 0:
		return fmt.Errorf("bench: ops %d: must be positive", l.Ops)
	case l.Warmup < 0:
		return fmt.Errorf("bench: warmup %d: must not be negative", l.Warmup)
	case l.Workers <= 0:
		return fmt.Errorf("bench: workers %d: must be positive", l.Workers)
	case l.MaxLag < 0:
		return fmt.Errorf("bench: max lag %v: must not be negative", l.MaxLag)
	}
	return nil
}

// Scheduled is operation i's intended send time relative to the start.
func (l *Load) Scheduled(i int) time.Duration {
	return time.Duration(float64(i) * float64(time.Second) / l.Rate)
}

// Op performs operation i and returns when its response has arrived. An
// error counts the operation as failed; its latency is not recorded.
type Op func(i int) error

// Outcome is what an open-loop run measured.
type Outcome struct {
	// Hist holds the latency of every measured, successful operation in
	// nanoseconds, from its scheduled send time to its response: queueing
	// behind a slow operation is included (no coordinated omission).
	Hist *hdrhistogram.Histogram
	// Done counts completed measured operations (successful or not);
	// Errors the failed ones, FirstErr the first failure.
	Done, Errors int64
	FirstErr     error
	// Elapsed runs from the first measured operation's scheduled time to
	// the last measured response.
	Elapsed time.Duration
	// Saturated: the run was stopped early because the system fell more
	// than MaxLag behind the schedule.
	Saturated bool
}

// Throughput is completed measured operations per second.
func (o *Outcome) Throughput() float64 {
	if o.Elapsed <= 0 {
		return 0
	}
	return float64(o.Done) / o.Elapsed.Seconds()
}

// Progress is a snapshot of a run for the terminal.
type Progress struct {
	Elapsed         time.Duration
	Issued, Done    int64 // operations, warm-up included
	Total           int
	Errors          int64
	Lag             time.Duration // how far the last issued op was behind its schedule
	WarmingUp       bool
	OfferedRate     float64
	CompletedPerSec float64
}

// NewHistogram returns a latency histogram for 1ns..100s at 3 significant
// digits.
func NewHistogram() *hdrhistogram.Histogram { return hdrhistogram.New(1, 100e9, 3) }

// driver is one run's state.
type driver struct {
	load     Load
	clk      Clock
	op       Op
	start    time.Duration
	measured time.Duration // scheduled time of the first measured op
	issued   atomic.Int64
	done     atomic.Int64 // successful operations, warm-up included
	errsAll  atomic.Int64 // failed operations, warm-up included
	errs     atomic.Int64 // failed measured operations
	lastEnd  atomic.Int64 // latest measured completion, ns since origin
	lag      atomic.Int64
	errOnce  sync.Once
	firstErr error
	stopped  atomic.Bool
}

// Drive drives the load against op on clk. progress, when not nil, is called
// about every interval from another goroutine while the run lasts. Run
// returns early, with what it measured, if ctx ends.
func Drive(ctx context.Context, clk Clock, l Load, op Op, progress func(Progress), interval time.Duration) (*Outcome, error) {
	if err := l.validate(); err != nil {
		return nil, err
	}
	if l.MaxLag == 0 {
		l.MaxLag = 10 * time.Second
	}
	d := &driver{load: l, clk: clk, op: op, start: clk.Now()}
	d.measured = d.start + l.Scheduled(l.Warmup)
	stopProgress := d.reportProgress(progress, interval)
	var hists []*hdrhistogram.Histogram
	if l.Workers == 1 {
		h := NewHistogram()
		hists = append(hists, h)
		d.pace(ctx, func(i int) { d.execute(i, h) })
	} else {
		hists = d.pool(ctx)
	}
	stopProgress()
	out := &Outcome{Hist: NewHistogram(), Done: d.done.Load(), Errors: d.errs.Load(), FirstErr: d.firstErr,
		Saturated: d.stopped.Load()}
	for _, h := range hists {
		out.Hist.Merge(h)
	}
	// Done counted warm-up ops too; keep only the measured ones.
	out.Done = out.Hist.TotalCount() + out.Errors
	if end := time.Duration(d.lastEnd.Load()); end > d.measured {
		out.Elapsed = end - d.measured
	}
	if err := ctx.Err(); err != nil {
		return out, fmt.Errorf("bench: run interrupted: %w", err)
	}
	return out, nil
}

// pace issues each operation at its scheduled time, or at once when
// behind, and stops early on ctx or when the lag passes MaxLag.
func (d *driver) pace(ctx context.Context, issue func(i int)) {
	total := d.load.Warmup + d.load.Ops
	for i := range total {
		if ctx.Err() != nil {
			return
		}
		at := d.start + d.load.Scheduled(i)
		d.clk.SleepUntil(at)
		lag := d.clk.Now() - at
		d.lag.Store(int64(lag))
		if d.behind(i, lag) {
			d.stopped.Store(true)
			return
		}
		d.issued.Add(1)
		issue(i)
	}
}

// behind reports whether the run has fallen more than MaxLag behind: the
// pacer itself is late (one worker), or the backlog of issued but
// unfinished operations is worth more than MaxLag at the offered rate.
func (d *driver) behind(i int, lag time.Duration) bool {
	if lag > d.load.MaxLag {
		return true
	}
	backlog := int64(i) - d.done.Load() - d.errsAll.Load()
	return float64(backlog) > d.load.Rate*d.load.MaxLag.Seconds()
}

func (d *driver) execute(i int, h *hdrhistogram.Histogram) {
	err := d.op(i)
	end := d.clk.Now()
	if err != nil {
		d.errsAll.Add(1)
		if i >= d.load.Warmup {
			d.errs.Add(1)
		}
		d.errOnce.Do(func() { d.firstErr = fmt.Errorf("op %d: %w", i, err) })
		return
	}
	d.done.Add(1)
	if i < d.load.Warmup {
		return
	}
	lat := int64(end - (d.start + d.load.Scheduled(i)))
	if lat < 1 {
		lat = 1
	}
	if err := h.RecordValue(lat); err != nil {
		_ = h.RecordValue(h.HighestTrackableValue()) // beyond 100s: clamp, never drop
	}
	for {
		prev := d.lastEnd.Load()
		if int64(end) <= prev || d.lastEnd.CompareAndSwap(prev, int64(end)) {
			break
		}
	}
}

// pool runs the operations on Workers goroutines fed by the pacer; the
// queue holds every operation, so a slow system makes it grow (and the
// latency with it) rather than slowing the pacer.
func (d *driver) pool(ctx context.Context) []*hdrhistogram.Histogram {
	jobs := make(chan int, d.load.Warmup+d.load.Ops)
	hists := make([]*hdrhistogram.Histogram, d.load.Workers)
	var wg sync.WaitGroup
	for w := range hists {
		h := NewHistogram()
		hists[w] = h
		wg.Go(func() {
			for i := range jobs {
				if ctx.Err() != nil {
					continue // drain without working
				}
				d.execute(i, h)
			}
		})
	}
	d.pace(ctx, func(i int) { jobs <- i })
	close(jobs)
	wg.Wait()
	return hists
}

func (d *driver) reportProgress(progress func(Progress), interval time.Duration) (stop func()) {
	if progress == nil || interval <= 0 {
		return func() {}
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		var lastDone int64
		last := d.clk.Now()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
			}
			now := d.clk.Now()
			done := d.done.Load() + d.errsAll.Load()
			rate := float64(done-lastDone) / (now - last).Seconds()
			lastDone, last = done, now
			progress(Progress{Elapsed: now - d.start, Issued: d.issued.Load(), Done: done,
				Total: d.load.Warmup + d.load.Ops, Errors: d.errsAll.Load(), Lag: time.Duration(d.lag.Load()),
				WarmingUp: now < d.measured, OfferedRate: d.load.Rate, CompletedPerSec: rate})
		}
	})
	return func() { close(quit); wg.Wait() }
}
