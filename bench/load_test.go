package bench

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeClock only moves when told: SleepUntil jumps to the target, and the
// operation under test advances it by its service time.
type fakeClock struct {
	mu  sync.Mutex
	now time.Duration
}

func (c *fakeClock) Now() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) SleepUntil(t time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t > c.now {
		c.now = t
	}
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now += d
}

func TestLoadValidate(t *testing.T) {
	op := func(int) error { return nil }
	for _, tc := range []struct {
		load Load
		want string
	}{
		{Load{Rate: 0, Ops: 1, Workers: 1}, "rate"},
		{Load{Rate: 1, Ops: 0, Workers: 1}, "ops"},
		{Load{Rate: 1, Ops: 1, Warmup: -1, Workers: 1}, "warmup"},
		{Load{Rate: 1, Ops: 1, Workers: 0}, "workers"},
		{Load{Rate: 1, Ops: 1, Workers: 1, MaxLag: -1}, "max lag"},
	} {
		_, err := Drive(context.Background(), &fakeClock{}, tc.load, op, nil, 0)
		require.ErrorContains(t, err, tc.want)
	}
}

// A system faster than the arrival interval: every latency is the service
// time, and sends happen exactly on schedule.
func TestOpenLoopUnderCapacity(t *testing.T) {
	clk := &fakeClock{}
	var sent []time.Duration
	op := func(i int) error {
		sent = append(sent, clk.Now())
		clk.Advance(300 * time.Microsecond)
		return nil
	}
	out, err := Drive(context.Background(), clk, Load{Rate: 1000, Ops: 100, Warmup: 10, Workers: 1}, op, nil, 0)
	require.NoError(t, err)
	require.Len(t, sent, 110)
	for i, s := range sent {
		require.Equal(t, time.Duration(i)*time.Millisecond, s, "op %d sent on schedule", i)
	}
	require.EqualValues(t, 100, out.Done)
	require.EqualValues(t, 100, out.Hist.TotalCount(), "warm-up not recorded")
	require.True(t, out.Hist.ValuesAreEquivalent(300e3, out.Hist.Min()))
	require.True(t, out.Hist.ValuesAreEquivalent(300e3, out.Hist.Max()))
	// From the first measured schedule (10ms) to the last response (109.3ms).
	require.Equal(t, 99300*time.Microsecond, out.Elapsed)
	require.False(t, out.Saturated)
}

// A system twice slower than the offered rate: the queue grows and each
// latency counts the wait from the scheduled send time, not from when the
// system got round to it (no coordinated omission). Op i is scheduled at
// i ms and completes at 2(i+1) ms: latency i+2 ms.
func TestOpenLoopCountsQueueing(t *testing.T) {
	clk := &fakeClock{}
	op := func(int) error { clk.Advance(2 * time.Millisecond); return nil }
	out, err := Drive(context.Background(), clk, Load{Rate: 1000, Ops: 100, Workers: 1}, op, nil, 0)
	require.NoError(t, err)
	h := out.Hist
	require.True(t, h.ValuesAreEquivalent(int64(2*time.Millisecond), h.Min()))
	require.True(t, h.ValuesAreEquivalent(int64(101*time.Millisecond), h.Max()), "max %d", h.Max())
	require.True(t, h.ValuesAreEquivalent(int64(51*time.Millisecond), h.ValueAtQuantile(50)), "p50 %d", h.ValueAtQuantile(50))
	// A closed-loop driver would have measured 2ms everywhere.
	require.InDelta(t, 500, out.Throughput(), 1)
}

func TestOpenLoopErrorsAndLag(t *testing.T) {
	clk := &fakeClock{}
	boom := errors.New("boom")
	op := func(i int) error {
		clk.Advance(time.Millisecond)
		if i%10 == 0 {
			return boom
		}
		return nil
	}
	out, err := Drive(context.Background(), clk, Load{Rate: 1000, Ops: 50, Workers: 1}, op, nil, 0)
	require.NoError(t, err)
	require.EqualValues(t, 5, out.Errors)
	require.EqualValues(t, 50, out.Done)
	require.EqualValues(t, 45, out.Hist.TotalCount())
	require.ErrorIs(t, out.FirstErr, boom)

	// 10x too slow with a 50ms lag bound: the run stops early, saturated.
	clk = &fakeClock{}
	slow := func(int) error { clk.Advance(10 * time.Millisecond); return nil }
	out, err = Drive(context.Background(), clk, Load{Rate: 1000, Ops: 1000, Workers: 1, MaxLag: 50 * time.Millisecond}, slow, nil, 0)
	require.NoError(t, err)
	require.True(t, out.Saturated)
	require.Less(t, out.Done, int64(20))
}

// The pool on the wall clock: every op runs once, concurrently, and the
// run takes about Ops/Rate.
func TestOpenLoopPool(t *testing.T) {
	var seen [200]atomic.Int32
	var inFlight, peak atomic.Int32
	op := func(i int) error {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		seen[i].Add(1)
		time.Sleep(2 * time.Millisecond)
		inFlight.Add(-1)
		return nil
	}
	var progressed atomic.Int32
	start := time.Now()
	out, err := Drive(context.Background(), NewWallClock(100*time.Microsecond), Load{Rate: 2000, Ops: 180, Warmup: 20, Workers: 16}, op,
		func(Progress) { progressed.Add(1) }, 20*time.Millisecond)
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), 99*time.Millisecond)
	for i := range seen {
		require.EqualValues(t, 1, seen[i].Load(), "op %d", i)
	}
	require.EqualValues(t, 180, out.Hist.TotalCount())
	require.Greater(t, peak.Load(), int32(1), "ops overlapped")
	require.Positive(t, progressed.Load())
	require.GreaterOrEqual(t, out.Hist.Min(), int64(2*time.Millisecond))
}

func TestOpenLoopCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	clk := &fakeClock{}
	op := func(i int) error {
		clk.Advance(time.Millisecond)
		if i == 5 {
			cancel()
		}
		return nil
	}
	out, err := Drive(ctx, clk, Load{Rate: 1000, Ops: 100, Workers: 1}, op, nil, 0)
	require.ErrorIs(t, err, context.Canceled)
	require.EqualValues(t, 6, out.Done)
}
