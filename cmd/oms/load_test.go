package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLoadFlagsValidate(t *testing.T) {
	ok := func() loadFlags {
		return loadFlags{clients: 64, rates: "1000, max", duration: time.Second, mode: "unary", skus: 10, pipeline: 1,
			maxLag: time.Second}
	}
	f := ok()
	rates, err := f.validate()
	require.NoError(t, err)
	require.Equal(t, []float64{1000, 0}, rates, "max is unpaced, as rate 0")
	require.Equal(t, 64, f.conns, "one connection per client by default")

	for _, tc := range []struct {
		name string
		edit func(*loadFlags)
		want string
	}{
		{"bad rate", func(f *loadFlags) { f.rates = "fast" }, "--rate"},
		{"negative rate", func(f *loadFlags) { f.rates = "-5" }, "--rate"},
		{"no clients", func(f *loadFlags) { f.clients = 0 }, "--clients"},
		{"more conns than clients", func(f *loadFlags) { f.conns = 65 }, "--conns"},
		{"unknown mode", func(f *loadFlags) { f.mode = "bidi" }, "--mode"},
		{"pipelined unary", func(f *loadFlags) { f.pipeline = 2 }, "--pipeline"},
		{"pipeline too deep", func(f *loadFlags) { f.mode, f.pipeline = "stream", maxPipeline+1 }, "--pipeline"},
		{"no skus", func(f *loadFlags) { f.skus = 0 }, "--skus"},
		{"no duration", func(f *loadFlags) { f.duration = 0 }, "--duration"},
		{"no max lag", func(f *loadFlags) { f.maxLag = 0 }, "--max-lag"},
		{"bad pid", func(f *loadFlags) { f.serverPID = -1 }, "--server-pid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := ok()
			tc.edit(&f)
			_, err := f.validate()
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestLoadClientSchedule(t *testing.T) {
	s := &loadSchedule{origin: time.Now().Add(-time.Hour), warmEnd: time.Hour + time.Minute, end: 2 * time.Hour,
		interval: time.Millisecond, maxLag: time.Second}
	c := newLoadClient(0, "t", []string{"A", "B"}, 0)
	// An hour behind schedule: saturated, nothing sent.
	_, _, ok := c.sendTime(s, 0)
	require.False(t, ok)
	require.True(t, c.saturated)

	c = newLoadClient(1, "t", []string{"A", "B"}, 0)
	s.maxLag = 2 * time.Hour
	from, measured, ok := c.sendTime(s, 0)
	require.True(t, ok)
	require.False(t, measured, "scheduled in the warm-up")
	require.Equal(t, time.Duration(0), from, "behind schedule: latency runs from the scheduled time")
	_, _, ok = c.sendTime(s, int(2*time.Hour/time.Millisecond))
	require.False(t, ok, "past the end")

	r1 := c.next()
	id1, sku1 := r1.GetChannelOrderId(), r1.GetLines()[0].GetSku()
	r2 := c.next()
	require.NotEqual(t, id1, r2.GetChannelOrderId(), "each order a fresh channel order id")
	require.Equal(t, "t-1-1", r2.GetChannelOrderId())
	require.NotEqual(t, sku1, r2.GetLines()[0].GetSku(), "SKUs round robin")
}
