package commerce

import (
	"fmt"
	"testing"
)

// BenchmarkBackorderFill measures a backorder fill behind a long queue of
// entries the arriving stock cannot serve: queue=N pickup orders for
// another store wait for the SKU, then each iteration places one order
// that is backordered at the end of the queue and receives one unit that
// fills it. to=pickup fills a pickup order at the receiving store, to=ship
// a shipping order at the receiving warehouse.
func BenchmarkBackorderFill(b *testing.B) {
	for _, queue := range []int{0, 10_000} {
		for _, to := range []string{"pickup", "ship"} {
			b.Run(fmt.Sprintf("queue=%d/to=%s", queue, to), func(b *testing.B) { benchFill(b, queue, to == "pickup") })
		}
	}
}

func benchFill(b *testing.B, queue int, pickup bool) {
	e := New()
	var out []Event
	at := Coord{Lat: 48e6, Lon: 2e6}
	for _, l := range []Location{
		{ID: 1, Kind: Warehouse, At: at, Ships: true, Active: true},
		{ID: 2, Kind: Store, At: at, Pickup: true, Active: true},
		{ID: 3, Kind: Store, At: at, Pickup: true, Active: true},
	} {
		out = e.Apply(&Command{Kind: CmdSetLocation, Location: l}, 0, out[:0])
	}
	out = e.Apply(&Command{Kind: CmdSetStock, SKU: "X", Loc: 1, Qty: 0, Version: 1}, 0, out[:0])
	out = e.Apply(&Command{Kind: CmdSetStock, SKU: "X", Loc: 2, Qty: 0, Version: 1}, 0, out[:0])
	out = e.Apply(&Command{Kind: CmdSetStock, SKU: "X", Loc: 3, Qty: 0, Version: 1}, 0, out[:0])
	place := Command{Kind: CmdPlaceOrder, Channel: Web, Customer: "c", Payment: PaymentAuthorised,
		ShipTo: at, Lines: []LineInput{{SKU: "X", Qty: 1, UnitPrice: 100, Currency: "EUR"}}}
	now := int64(1)
	for i := range queue {
		place.ChannelOrderID, place.PickupStore = fmt.Sprint("q", i), 3
		out = e.Apply(&place, now, out[:0])
		now++
	}
	place.PickupStore = 0
	recv := Command{Kind: CmdReceive, SKU: "X", Loc: 1, Qty: 1}
	if pickup {
		place.PickupStore, recv.Loc = 2, 2
	}
	ids := make([]string, 1<<20)
	for i := range ids {
		ids[i] = fmt.Sprint("o", i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		place.ChannelOrderID = ids[i&(len(ids)-1)]
		if i >= len(ids) {
			// Keys repeat: a different channel keeps them unique.
			place.Channel = Channel(1 + (i>>20)%int(channelCount-1))
		}
		out = e.Apply(&place, now, out[:0])
		out = e.Apply(&recv, now, out[:0])
		if last := out[len(out)-1]; last.Kind != EvOrderStatus || last.Status != StatusAllocated {
			b.Fatalf("the receipt did not fill the new order: %+v", last)
		}
		now++
		i++
	}
	b.ReportMetric(float64(len(e.BackorderQueue("X"))), "queued")
}
