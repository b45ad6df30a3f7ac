package commerce

import (
	"testing"

	"github.com/ordercore/oms/engine/wire"
	"github.com/stretchr/testify/require"
)

// reqEngine returns an engine holding request ids of several kinds.
func reqEngine(t *testing.T) *Engine {
	e := New()
	var out []Event
	apply := func(c Command) []Event {
		out = e.Apply(&c, 0, out[:0])
		for i := range out {
			require.NotEqual(t, EvRejected, out[i].Kind, "%+v", out[i])
		}
		return out
	}
	apply(Command{Kind: CmdSetLocation, Location: Location{ID: 1, Kind: Warehouse, Ships: true, Active: true}})
	apply(Command{Kind: CmdSetStock, SKU: "A", Loc: 1, Qty: 10, Version: 1})
	apply(Command{Kind: CmdAdjustStock, SKU: "A", Loc: 1, Qty: -2, Adjust: AdjustDamage, RequestID: "a1", Caller: "wms"})
	apply(Command{Kind: CmdAddInbound, SKU: "A", Loc: 1, Qty: 3, Date: Day, RequestID: "a1", Caller: "erp"})
	apply(Command{Kind: CmdReserve, SKU: "A", Loc: 1, Qty: 1, TTL: Hour, Channel: Web, RequestID: "r1", Caller: "shop"})
	apply(Command{Kind: CmdPlaceOrder, Channel: Web, ChannelOrderID: "o1", Customer: "c", Payment: PaymentAuthorised,
		Lines: []LineInput{{SKU: "A", Qty: 2, UnitPrice: 100, Currency: "EUR"}}})
	apply(Command{Kind: CmdRelease, Order: 1})
	apply(Command{Kind: CmdShip, Order: 1, Loc: 1, Tracking: "T1", Lines: []LineInput{{Line: 1, Qty: 2}},
		RequestID: "s1", Caller: "wms"})
	require.Equal(t, 4, e.reqs.len())
	return e
}

// TestRequestIDSnapshot: request ids are in the snapshot, restore answers
// retries as the engine did, and an older snapshot restores with none.
func TestRequestIDSnapshot(t *testing.T) {
	e := reqEngine(t)
	checkRoundTrip(t, e)
	w := wire.NewWriter(nil)
	e.Snapshot(w)
	f := New()
	require.NoError(t, f.Restore(wire.NewReader(w.Bytes())))
	require.Equal(t, e.reqs.len(), f.reqs.len())

	retry := Command{Kind: CmdShip, Order: 1, Loc: 1, Tracking: "T1", Lines: []LineInput{{Line: 1, Qty: 2}},
		RequestID: "s1", Caller: "wms"}
	a := e.Apply(&retry, Hour, nil)
	b := f.Apply(&retry, Hour, nil)
	require.Equal(t, a, b)
	require.NotEmpty(t, a)
	for i := range a {
		require.True(t, a[i].Duplicate, "%+v", a[i])
	}
	require.Equal(t, snapshotBytes(e), snapshotBytes(f))

	// The digest covers the ids: an engine without them differs.
	g := reqEngine(t)
	g.reqs.byKey, g.reqs.head = nil, int32(g.reqs.recs.len())
	require.NotEqual(t, snapshotBytes(reqEngine(t)), snapshotBytes(g))

	// Version 8 has no request ids: it restores, holding none.
	w8 := wire.NewWriter(nil)
	e.snapshotAs(w8, 8)
	h := New()
	r := wire.NewReader(w8.Bytes())
	require.NoError(t, h.Restore(r))
	require.NoError(t, r.Done())
	require.Zero(t, h.reqs.len())
	out := h.Apply(&retry, Hour, nil)
	require.False(t, out[0].Duplicate, "no id to recognise the retry by: the shipment re-send is")
}

// TestRequestIDSweep: ids are forgotten on the tick the window passes,
// oldest first, and the arena drops what they held.
func TestRequestIDSweep(t *testing.T) {
	e := New()
	e.Apply(&Command{Kind: CmdSetLocation, Location: Location{ID: 1, Kind: Warehouse, Ships: true, Active: true}}, 0, nil)
	e.Apply(&Command{Kind: CmdSetRetention, Retention: Retention{ArchiveAfter: -1, DedupWindow: Day}}, 0, nil)
	n := 2*chunkSize + 10
	for i := range n {
		c := Command{Kind: CmdReceive, SKU: "A", Loc: 1, Qty: 1, RequestID: "r" + string(rune('a'+i%26)) + itoa(i), Caller: "wms"}
		out := e.Apply(&c, int64(i), nil)
		require.Equal(t, EvStock, out[0].Kind)
	}
	require.Equal(t, n, e.reqs.len())
	e.Tick(Day+chunkSize-1, nil) // the first chunkSize are due
	require.Equal(t, n-chunkSize, e.reqs.len())
	require.Equal(t, 2, e.reqs.recs.held())
	e.Tick(2*Day, nil) // at most maxSweepPerTick a tick
	require.Equal(t, n-chunkSize-maxSweepPerTick, e.reqs.len())
	e.Tick(2*Day, nil)
	require.Zero(t, e.reqs.len())
	require.Empty(t, e.reqs.byKey)
	require.NoError(t, e.CheckInvariants())
	checkRoundTrip(t, e)
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// TestRequestIDCodecV4: from version 4 Cancel, ReadyForPickup and PickedUp
// carry their request id and caller; a version 3 record of them has
// neither and still decodes.
func TestRequestIDCodecV4(t *testing.T) {
	for _, k := range []CmdKind{CmdCancel, CmdReadyForPickup, CmdPickedUp} {
		c := Command{Kind: k, Order: 7, Lines: []LineInput{{Line: 1, Qty: 2}}, RequestID: "x-1", Caller: "store"}
		var got Command
		r := wire.NewReader(encode(&c))
		DecodeCommandVersion(r, &got, CodecV4)
		require.NoError(t, r.Done(), "%s", k)
		require.Equal(t, c, got, "%s", k)

		w := wire.NewWriter(nil)
		encodeBody(w, &c) // what version 3 wrote for the kind
		r = wire.NewReader(w.Bytes())
		DecodeCommandVersion(r, &got, CodecV3)
		require.NoError(t, r.Done(), "%s v3", k)
		c.RequestID, c.Caller = "", ""
		require.Equal(t, c, got, "%s v3", k)
	}
}
