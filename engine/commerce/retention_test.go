package commerce

import (
	"fmt"
	"testing"

	"github.com/ordercore/oms/engine/wire"
	"github.com/stretchr/testify/require"
)

func TestChunkedFree(t *testing.T) {
	var c chunked[int64]
	for i := range int64(3 * chunkSize) {
		c.push(i + 1)
	}
	// Freeing all of chunk 0 but one keeps it; the last one drops it.
	for i := int32(0); i < chunkSize-1; i++ {
		c.free(i)
	}
	require.Equal(t, 3, c.held())
	require.True(t, c.has(0))
	require.Equal(t, int64(0), *at(&c, 1), "a freed element reads as zero")
	c.free(chunkSize - 1)
	require.Equal(t, 2, c.held())
	require.False(t, c.has(0))
	require.True(t, c.has(chunkSize))
	// The tail chunk is not dropped while it can still grow.
	c.push(99)
	last := int32(c.len() - 1)
	c.free(last)
	require.Equal(t, 3, c.held())
	// place fills holes and grows; grow leaves holes.
	c.grow(5 * chunkSize)
	require.Equal(t, 5*chunkSize, c.len())
	require.False(t, c.has(4*chunkSize+1))
	c.place(4*chunkSize+1, 7)
	require.True(t, c.has(4*chunkSize+1))
	require.Equal(t, int64(7), *at(&c, 4*chunkSize+1))
	require.NoError(t, checkChunks(&c, func(v *int64) bool { return *v != 0 }))
}

// TestArchiveFreesMemory places and closes more orders than three chunks
// hold, and requires a tick past their due time to drop their chunks, keep
// their keys for the dedup window, and restore to the same state.
func TestArchiveFreesMemory(t *testing.T) {
	e := New()
	var out []Event
	out = e.Apply(&Command{Kind: CmdSetRetention, Retention: Retention{ArchiveAfter: Day, DedupWindow: 2 * Day}}, 0, out[:0])
	out = e.Apply(&Command{Kind: CmdSetLocation, Location: Location{ID: 1, Kind: Warehouse, Ships: true, Active: true}}, 0, out[:0])
	out = e.Apply(&Command{Kind: CmdSetStock, SKU: "A", Loc: 1, Qty: 1 << 30, Version: 1}, 0, out[:0])
	const n = 3*chunkSize + 10
	for i := range n {
		out = e.Apply(&Command{Kind: CmdPlaceOrder, Channel: Web, ChannelOrderID: fmt.Sprint("w", i), Customer: "c",
			Payment: PaymentAuthorised, Lines: []LineInput{{SKU: "A", Qty: 1, UnitPrice: 1, Currency: "EUR"}}}, 0, out[:0])
		out = e.Apply(&Command{Kind: CmdCancel, Order: OrderID(i + 1)}, Hour, out[:0])
	}
	// One order stays open.
	out = e.Apply(&Command{Kind: CmdPlaceOrder, Channel: Web, ChannelOrderID: "open", Customer: "c",
		Payment: PaymentAuthorised, Lines: []LineInput{{SKU: "A", Qty: 1, UnitPrice: 1, Currency: "EUR"}}}, Hour, out[:0])
	require.Equal(t, 4, e.orders.held())
	s := e.ArchiveStats()
	require.Equal(t, ArchiveStats{Live: n + 1, Closed: n, OrderChunks: 4, LineChunks: 4}, s)

	// Archiving is bounded per tick: it takes a few ticks.
	archived := 0
	for now := 2 * Day; archived < n; now += Hour {
		out = e.Tick(now, out[:0])
		for i := range out {
			if out[i].Kind == EvArchived {
				archived++
			}
		}
		require.NoError(t, e.CheckInvariants())
	}
	require.Equal(t, n, archived)
	s = e.ArchiveStats()
	require.Equal(t, int64(1), s.Live)
	require.Equal(t, int64(n), s.Tombstones)
	require.Equal(t, 1, s.OrderChunks, "only the chunk of the open order stays")
	require.Equal(t, []OrderID{n + 1}, e.OrdersByCustomer("c"))
	_, found := e.Order(1)
	require.False(t, found)
	require.True(t, e.Archived(1))
	require.False(t, e.Archived(n+2))
	require.Equal(t, OrderID(n+1), e.LastOrderID())
	checkRoundTrip(t, e)

	// After the dedup window the keys go too, a tick's worth at a time.
	for now := 5 * Day; e.ArchiveStats().Tombstones > 0; now += Hour {
		out = e.Tick(now, out[:0])
	}
	require.LessOrEqual(t, e.tombs.held(), 1, "only a tail chunk still filling may stay")
	_, known := e.OrderByChannelID(Web, "w1")
	require.False(t, known)
	checkRoundTrip(t, e)
}

// TestRandomStreamsArchive requires the random streams to archive orders,
// replay archived orders' results and forget keys, so the stream and
// snapshot tests cover retention; and to re-submit placements both as
// retries and as conflicts (placeHash); and to retry keyed commands under
// their request ids, and to reuse ids for other commands (reqid.go).
func TestRandomStreamsArchive(t *testing.T) {
	var archived, replayed, retried, conflicts, reqRetried, reqConflicts int
	for seed := uint64(1); seed <= 60; seed++ {
		e := New()
		g := &gen{src: &byteSource{b: seededBytes(seed, 6000)}}
		var c Command
		var out []Event
		for !g.src.done() {
			if g.next(&c) {
				out = e.Tick(g.now, out[:0])
			} else {
				out = e.Apply(&c, g.now, out[:0])
			}
			for i := range out {
				switch {
				case out[i].Kind == EvArchived:
					archived++
				case out[i].Duplicate && out[i].Kind == EvOrderCreated && e.Archived(out[i].Order):
					replayed++
				case out[i].Duplicate && out[i].Kind == EvOrderCreated:
					retried++
				case out[i].Reason == ReasonChannelOrderIDConflict:
					conflicts++
				case out[i].Duplicate && i == 0 && keyed(c.Kind) && c.RequestID != "":
					reqRetried++
				case out[i].Reason == ReasonRequestIDConflict:
					reqConflicts++
				}
			}
		}
		require.NoError(t, e.CheckInvariants())
		checkRoundTrip(t, e)
	}
	t.Logf("archived %d, replayed %d, retried %d, conflicts %d, request ids retried %d, in conflict %d",
		archived, replayed, retried, conflicts, reqRetried, reqConflicts)
	require.Positive(t, reqRetried)
	require.Positive(t, reqConflicts)
	require.Positive(t, archived)
	require.Positive(t, replayed)
	require.Positive(t, retried)
	require.Positive(t, conflicts)
}

// TestRestoreVersion1 writes a version 1 snapshot (no retention) and
// requires it to restore, deriving the closed state.
func TestRestoreVersion1(t *testing.T) {
	e := New()
	var out []Event
	out = e.Apply(&Command{Kind: CmdSetLocation, Location: Location{ID: 1, Kind: Warehouse, Ships: true, Active: true}}, 0, out[:0])
	out = e.Apply(&Command{Kind: CmdSetStock, SKU: "A", Loc: 1, Qty: 5, Version: 1}, 0, out[:0])
	for i := range 2 {
		out = e.Apply(&Command{Kind: CmdPlaceOrder, Channel: Web, ChannelOrderID: fmt.Sprint("w", i), Customer: "c",
			Payment: PaymentAuthorised, Lines: []LineInput{{SKU: "A", Qty: 1, UnitPrice: 1, Currency: "EUR"}}}, 0, out[:0])
	}
	_ = e.Apply(&Command{Kind: CmdCancel, Order: 1}, 3*Hour, out[:0])
	w := wire.NewWriter(nil)
	e.snapshotV1(w)
	f := New()
	require.NoError(t, f.Restore(wire.NewReader(w.Bytes())))
	require.Equal(t, ArchiveStats{Live: 2, Closed: 1, OrderChunks: 1, LineChunks: 1}, f.ArchiveStats())
	require.Equal(t, 3*Hour, at(&f.orders, 0).closedAt)
	forgetPlaceHashes(e)
	require.Equal(t, snapshotBytes(e), snapshotBytes(f))
}

// forgetPlaceHashes clears every order's and tombstone's placement
// fingerprint, as a restore from a snapshot older than version 4 leaves
// them.
func forgetPlaceHashes(e *Engine) {
	for _, o := range e.liveOrders {
		o.placeHash = 0
	}
	for ti := e.tombHead; int(ti) < e.tombs.len(); ti++ {
		at(&e.tombs, ti).placeHash = 0
	}
}

// snapshotV1 writes the version 1 layout, as engines before retention did.
// REQUIRES: nothing archived.
func (e *Engine) snapshotV1(w *wire.Writer) {
	w.Byte(1)
	w.Varint(int64(e.rules.MaxValue))
	w.Varint(int64(e.rules.MaxQty))
	w.Bool(e.rules.CheckCredit)
	w.Bool(e.rules.CheckPayment)
	w.Varint(e.rules.ReturnWindow)
	w.Uvarint(uint64(e.nextFulfilment))
	for i := 1; i < len(e.stats); i++ {
		st := &e.stats[i]
		for _, v := range [...]int64{st.orders, st.lines, st.splitOrders, st.backorderedOrders,
			st.units, st.unitsAllocated, st.unitsShipped, st.unitsReturned} {
			w.Varint(v)
		}
	}
	locs := e.sortedLocs()
	w.Uvarint(uint64(len(locs)))
	for _, i := range locs {
		encodeLocation(w, &e.locs[i].def)
		w.Varint(e.locs[i].capDay)
		w.Varint(int64(e.locs[i].capUsed))
	}
	skus := e.sortedSKUs()
	w.Uvarint(uint64(len(skus)))
	for _, si := range skus {
		e.snapSKU(w, si)
	}
	w.Uvarint(uint64(len(e.res)))
	for i := range e.res {
		r := &e.res[i]
		w.String(string(e.skus[r.sku].name))
		w.Uvarint(uint64(e.locs[r.loc].def.ID))
		w.Varint(int64(r.qty))
		w.Varint(r.expires)
		w.Byte(byte(r.state))
	}
	e.snapCustomers(w)
	w.Uvarint(uint64(e.orders.len()))
	for i := range e.orders.len() {
		e.snapOrderAs(w, int32(i), 1)
	}
	w.Uvarint(uint64(e.ships.len()))
	w.Uvarint(uint64(e.rmas.len()))
}

// TestRestoreOldFixesReturnWindow: a snapshot from before return windows
// were fixed at delivery (version < 6) gives a delivered order the rules'
// window at restore, the one older engines applied to it then; a later
// change of the rules no longer moves it.
func TestRestoreOldFixesReturnWindow(t *testing.T) {
	e := New()
	var out []Event
	out = e.Apply(&Command{Kind: CmdSetLocation, Location: Location{ID: 1, Kind: Warehouse, Ships: true, Active: true}}, 0, out[:0])
	out = e.Apply(&Command{Kind: CmdSetStock, SKU: "A", Loc: 1, Qty: 5, Version: 1}, 0, out[:0])
	for i := range 2 {
		out = e.Apply(&Command{Kind: CmdPlaceOrder, Channel: Web, ChannelOrderID: fmt.Sprint("w", i), Customer: "c",
			Payment: PaymentAuthorised, Lines: []LineInput{{SKU: "A", Qty: 1, UnitPrice: 1, Currency: "EUR"}}}, 0, out[:0])
		out = e.Apply(&Command{Kind: CmdRelease, Order: OrderID(i + 1)}, 0, out[:0])
		out = e.Apply(&Command{Kind: CmdShip, Order: OrderID(i + 1), Loc: 1, Tracking: "T",
			Lines: []LineInput{{Line: 1, Qty: 1}}}, Day, out[:0])
	}
	out = e.Apply(&Command{Kind: CmdSetRules, Rules: HoldRules{ReturnWindow: 5 * Day}}, Day, out[:0])
	out = e.Apply(&Command{Kind: CmdDeliver, Order: 1, Shipment: 1}, 2*Day, out[:0])
	require.Equal(t, 5*Day, at(&e.orders, 0).retWindow)
	// An engine of version 5 or older did not fix the window.
	at(&e.orders, 0).retWindow = 0
	w := wire.NewWriter(nil)
	e.snapshotV1(w)
	f := New()
	require.NoError(t, f.Restore(wire.NewReader(w.Bytes())))
	require.Equal(t, 5*Day, at(&f.orders, 0).retWindow, "delivered: the rules' window at restore")
	require.Zero(t, at(&f.orders, 1).retWindow, "not delivered: the rules in force apply")
	out = f.Apply(&Command{Kind: CmdSetRules, Rules: HoldRules{ReturnWindow: Day}}, 3*Day, out[:0])
	out = f.Apply(&Command{Kind: CmdAuthoriseReturn, Order: 1, Lines: []LineInput{{Line: 1, Qty: 1}}}, 4*Day, out[:0])
	require.Equal(t, EvReturnAuthorised, out[0].Kind, "%+v", out[0])
	out = f.Apply(&Command{Kind: CmdAuthoriseReturn, Order: 2, Lines: []LineInput{{Line: 1, Qty: 1}}}, 4*Day, out[:0])
	require.Equal(t, ReasonReturnWindowClosed, out[0].Reason, "%+v", out[0])
}
