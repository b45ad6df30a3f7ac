package main

import (
	"io"
	"log/slog"
	"testing"

	"github.com/ordercore/oms/engine/commerce"
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
