package workload_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/bench/workload"
	"github.com/ordercore/oms/engine/commerce"
)

func TestTradeDeterministic(t *testing.T) {
	cfg := workload.TradeConfig{Seed: 7, Resting: 200, Commands: 2000}
	a, b := workload.NewTrade(cfg), workload.NewTrade(cfg)
	require.Equal(t, a.Setup, b.Setup)
	require.Equal(t, a.Steady, b.Steady)
	c := workload.NewTrade(workload.TradeConfig{Seed: 8, Resting: 200, Commands: 2000})
	require.NotEqual(t, a.Steady, c.Steady, "another seed gives another stream")
}

func TestCommerceDeterministic(t *testing.T) {
	cfg := workload.CommerceConfig{Seed: 7, SKUs: 300, Commands: 3000}
	a, b := workload.NewCommerce(cfg), workload.NewCommerce(cfg)
	require.Equal(t, a.Setup, b.Setup)
	require.Equal(t, a.Steady, b.Steady)
	require.Equal(t, a.PlacedBy, b.PlacedBy)
	c := workload.NewCommerce(workload.CommerceConfig{Seed: 8, SKUs: 300, Commands: 3000})
	require.NotEqual(t, a.Steady, c.Steady)
}

// TestCommerceShape checks the mix, the skew and that the stream, run in
// order on a fresh engine, is mostly accepted: cancels address live orders.
func TestCommerceShape(t *testing.T) {
	w := workload.NewCommerce(workload.CommerceConfig{Seed: 1, Commands: 20000})
	require.Len(t, w.Steady, 20000)
	require.Len(t, w.PlacedBy, 20000)
	require.Equal(t, 20000, w.Mix.Place+w.Mix.Cancel+w.Mix.Receive)
	require.InDelta(t, 0.10, float64(w.Mix.Receive)/20000, 0.02)
	require.InDelta(t, 0.08, float64(w.Mix.Cancel)/20000, 0.02)

	locs := 0
	for _, c := range w.Setup {
		if c.Kind == commerce.CmdSetLocation {
			locs++
		}
	}
	require.Equal(t, 100, locs)

	hot := map[commerce.SKU]int{}
	lines := 0
	for i, c := range w.Steady {
		switch c.Kind {
		case commerce.CmdPlaceOrder:
			require.GreaterOrEqual(t, len(c.Lines), 1)
			require.LessOrEqual(t, len(c.Lines), 5)
			for _, l := range c.Lines {
				hot[l.SKU]++
				lines++
			}
		case commerce.CmdCancel:
			ref := w.PlacedBy[i]
			require.GreaterOrEqual(t, ref, int32(0))
			require.Less(t, ref, int32(i))
			require.Equal(t, commerce.CmdPlaceOrder, w.Steady[ref].Kind)
		default:
			require.Equal(t, int32(-1), w.PlacedBy[i])
		}
	}
	// Skew: the hottest SKU alone takes several percent of all lines.
	require.Greater(t, float64(hot[workload.SKUName(0)])/float64(lines), 0.03)

	e := commerce.New()
	var out []commerce.Event
	now := workload.CommerceEpoch
	for i := range w.Setup {
		out = e.Apply(&w.Setup[i], now, out[:0])
		for _, ev := range out {
			require.NotEqual(t, commerce.EvRejected, ev.Kind, "setup %d: %+v", i, ev)
		}
		now += workload.CommerceStep
	}
	rejected := 0
	for i := range w.Steady {
		out = e.Apply(&w.Steady[i], now, out[:0])
		now += workload.CommerceStep
		for _, ev := range out {
			if ev.Kind == commerce.EvRejected {
				rejected++
			}
		}
	}
	require.Less(t, rejected, len(w.Steady)/100, "few rejections in order")
}
