package main

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/ordercore/oms/bench/workload"
	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/commerce"
	"github.com/ordercore/oms/journal"
	"github.com/ordercore/oms/sequencer"
	"github.com/stretchr/testify/require"
)

func TestOrderStatesSkipsWhatTheLoadSaw(t *testing.T) {
	st := newOrderStates(nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	// Orders 1 and 2 were read at seq 10 as allocated and backordered.
	st.status = []commerce.Status{commerce.StatusAllocated, commerce.StatusBackordered}
	st.marks = []uint64{10}
	st.counts[commerce.StatusAllocated], st.counts[commerce.StatusBackordered] = 1, 1
	st.ready = true

	ev := func(seq uint64, es ...commerce.Event) *sequencer.Result {
		return &sequencer.Result{Seq: seq, Commerce: es}
	}
	// Seen by the load: ignored.
	st.apply(ev(9, commerce.Event{Kind: commerce.EvOrderStatus, Order: 2, Status: commerce.StatusBackordered}))
	// After it: counted; a line's status and a duplicate are not.
	st.apply(ev(11, commerce.Event{Kind: commerce.EvOrderStatus, Order: 2, Status: commerce.StatusAllocated},
		commerce.Event{Kind: commerce.EvOrderStatus, Order: 2, Line: 1, Status: commerce.StatusShipped}))
	st.apply(ev(12, commerce.Event{Kind: commerce.EvOrderCreated, Order: 3},
		commerce.Event{Kind: commerce.EvOrderStatus, Order: 3, Status: commerce.StatusBackordered}))
	st.apply(ev(13, commerce.Event{Kind: commerce.EvOrderCreated, Order: 3, Duplicate: true},
		commerce.Event{Kind: commerce.EvOrderStatus, Order: 3, Duplicate: true, Status: commerce.StatusBackordered}))
	counts, ok := st.snapshot()
	require.True(t, ok)
	require.Equal(t, int64(2), counts[commerce.StatusAllocated])
	require.Equal(t, int64(1), counts[commerce.StatusBackordered])
	require.Zero(t, counts[commerce.StatusCreated])
	require.Zero(t, counts[commerce.StatusShipped])
}

// TestOrderStatesArchived runs a real sequencer: three orders are placed,
// one is cancelled and archived on a tick. A fresh load counts only the two
// in memory, and following the archive event takes a counted order out.
func TestOrderStatesArchived(t *testing.T) {
	now := workload.CommerceEpoch
	seq := testSequencer(t, func() int64 { return now })
	ctx := context.Background()
	submit := func(c engine.Command) *sequencer.Result {
		t.Helper()
		r, err := seq.Submit(ctx, c)
		require.NoError(t, err)
		return r
	}
	commerceCmd := func(c commerce.Command) engine.Command {
		return engine.Command{Kind: engine.KindCommerce, Commerce: c}
	}
	w := workload.NewCommerce(workload.CommerceConfig{Seed: 1, Locations: 5, SKUs: 20, Customers: 10, Commands: 200})
	for _, c := range w.Setup {
		submit(commerceCmd(c))
	}
	placed := 0
	for _, c := range w.Steady {
		if c.Kind == commerce.CmdPlaceOrder && placed < 3 {
			submit(commerceCmd(c))
			placed++
		}
	}
	require.Equal(t, 3, placed)
	submit(commerceCmd(commerce.Command{Kind: commerce.CmdSetRetention,
		Retention: commerce.Retention{ArchiveAfter: 1, DedupWindow: commerce.Day}}))
	submit(commerceCmd(commerce.Command{Kind: commerce.CmdCancel, Order: 2}))

	st := newOrderStates(seq, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, st.load(nil))
	before, _ := st.snapshot()
	require.Equal(t, int64(1), before[commerce.StatusCancelled])

	now += commerce.Day
	tick := submit(engine.Command{Kind: engine.KindTick})
	archived := false
	for _, e := range tick.Commerce {
		archived = archived || (e.Kind == commerce.EvArchived && e.Order == 2)
	}
	require.True(t, archived, "order 2 archived on the tick")
	st.apply(tick)
	after, _ := st.snapshot()
	require.Zero(t, after[commerce.StatusCancelled], "the archived order left the counts")

	fresh := newOrderStates(seq, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, fresh.load(nil))
	reloaded, _ := fresh.snapshot()
	for k, v := range after {
		require.Equal(t, v, reloaded[k], "a load after archiving agrees with following the events: %v", k)
	}
	var n int64
	for _, v := range reloaded {
		n += v
	}
	require.Equal(t, int64(2), n, "the load went past the archived id to order 3")
}

// testSequencer runs a sequencer over a fresh journal in a temporary
// directory, stamping time from now; the test's cleanup closes both.
func testSequencer(t *testing.T, now func() int64) *sequencer.Sequencer {
	t.Helper()
	j, err := journal.Open(t.TempDir(), journal.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	seq, err := sequencer.New(engine.New(), j, sequencer.Options{Now: now, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	seq.Start()
	t.Cleanup(func() {
		require.NoError(t, seq.Close())
		require.NoError(t, j.Close())
	})
	return seq
}
