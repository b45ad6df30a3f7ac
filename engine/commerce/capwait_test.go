package commerce

import (
	"testing"

	"github.com/ordercore/oms/engine/wire"
	"github.com/stretchr/testify/require"
)

// TestRestoreOldSnapshotCapWait: a snapshot from before the waiting cells
// were kept (here version 1) restores them, so the next capacity day
// retries them as the engine that wrote it does.
func TestRestoreOldSnapshotCapWait(t *testing.T) {
	e := New()
	apply := accepting(t)
	place := func(id string, sku SKU) Command { return webPlacement(id, sku, 1) }
	apply(e, Command{Kind: CmdSetLocation, Location: Location{ID: 1, Kind: Warehouse, Ships: true, Active: true, Capacity: 1}}, 0)
	apply(e, Command{Kind: CmdSetStock, SKU: "A", Loc: 1, Qty: 0, Version: 1}, 0)
	apply(e, Command{Kind: CmdSetStock, SKU: "B", Loc: 1, Qty: 1, Version: 1}, 0)
	apply(e, place("o1", "A"), Hour)   // backordered
	apply(e, place("o2", "B"), 2*Hour) // the day's shipment
	apply(e, Command{Kind: CmdReceive, SKU: "A", Loc: 1, Qty: 1}, 3*Hour)
	require.Len(t, e.capWait, 1)

	w := wire.NewWriter(nil)
	e.snapshotV1(w)
	f := New()
	require.NoError(t, f.Restore(wire.NewReader(w.Bytes())))
	require.NoError(t, f.CheckInvariants())
	require.Equal(t, e.capWait, f.capWait)
	require.Equal(t, e.capRollAt, f.capRollAt)
	forgetPlaceHashes(e)
	require.Equal(t, snapshotBytes(e), snapshotBytes(f))

	// Day 1: both fill o1 before the new order is sourced.
	want := apply(e, place("o3", "B"), Day+Hour)
	got := apply(f, place("o3", "B"), Day+Hour)
	require.Equal(t, want, got)
	require.Equal(t, EvAllocated, got[0].Kind)
	require.Equal(t, OrderID(1), got[0].Order)
}

// accepting returns an apply function for e that fails the test on any
// rejection and returns a copy of the events.
func accepting(t *testing.T) func(e *Engine, c Command, now int64) []Event {
	var out []Event
	return func(e *Engine, c Command, now int64) []Event {
		t.Helper()
		out = e.Apply(&c, now, out[:0])
		for _, ev := range out {
			require.NotEqual(t, EvRejected, ev.Kind, "%+v", ev)
		}
		return append([]Event(nil), out...)
	}
}

// webPlacement is an authorised one-line web order shipping to Paris.
func webPlacement(id string, sku SKU, qty Qty) Command {
	return Command{Kind: CmdPlaceOrder, Channel: Web, ChannelOrderID: id, Customer: "c", Payment: PaymentAuthorised,
		ShipTo: Coord{Lat: 48856600, Lon: 2352200}, Lines: []LineInput{{SKU: sku, Qty: qty, UnitPrice: 1, Currency: "EUR"}}}
}
