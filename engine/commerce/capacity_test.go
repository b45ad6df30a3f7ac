package commerce

import (
	"testing"

	"github.com/ordercore/oms/engine/wire"
	"github.com/stretchr/testify/require"
)

// TestRestoreVersion7Opened: a snapshot from before the opening allocations
// were kept (version 7) restores them (deriveOpened), so a cancel the same
// day gives the shipment back as in the engine that wrote it.
func TestRestoreVersion7Opened(t *testing.T) {
	e := New()
	apply := accepting(t)
	place := func(id string, qty Qty) Command { return webPlacement(id, "A", qty) }
	apply(e, Command{Kind: CmdSetLocation, Location: Location{ID: 1, Kind: Warehouse, Ships: true, Active: true, Capacity: 1}}, 0)
	apply(e, Command{Kind: CmdSetStock, SKU: "A", Loc: 1, Qty: 10, Version: 1}, 0)
	apply(e, place("o1", 2), Hour) // the day's shipment
	apply(e, place("o2", 1), 2*Hour)
	require.Equal(t, StatusBackordered, at(&e.orders, 1).status)

	w := wire.NewWriter(nil)
	e.snapshotAs(w, 7)
	f := New()
	require.NoError(t, f.Restore(wire.NewReader(w.Bytes())))
	require.Equal(t, snapshotBytes(e), snapshotBytes(f))

	// The cancel gives the shipment back: o2 takes it at once.
	want := apply(e, Command{Kind: CmdCancel, Order: 1}, 3*Hour)
	got := apply(f, Command{Kind: CmdCancel, Order: 1}, 3*Hour)
	require.Equal(t, want, got)
	require.Equal(t, StatusAllocated, at(&f.orders, 1).status)
}
