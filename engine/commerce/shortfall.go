package commerce

// A count or an adjustment can find fewer units than are promised: the
// physical count wins. coverShortfall then brings allocated + reserved back
// within on hand at that SKU and location:
//
//  1. active reservations there end, newest first (a cart hold yields
//     before an accepted order);
//  2. then order allocations there go back to the backorder queue, the
//     unreleased before the released (the WMS is told with
//     EvFulfilmentCancelled), newest order first.
//
// Every step is an event carrying ReasonStockShortage. The backorder queue
// then fills from whatever ATP is left, as for any arrival. Both walks go in
// canonical order (reservation id, order id and each order's allocation
// list), never in arena order, so replays after a restore agree. They scan
// all reservations and allocations: shortfalls are rare.
func (e *Engine) coverShortfall(sku int32, ci int) {
	c := &e.skus[sku].cells[ci]
	short := c.allocated + c.reserved - c.onHand
	for id := len(e.res); id >= 1 && short > 0; id-- {
		r := &e.res[id-1]
		if r.state != resActive || r.sku != sku || r.loc != c.loc {
			continue
		}
		e.endReservation(ReservationID(id), resReleased)
		e.emit(&Event{Kind: EvReservationReleased, Reason: ReasonStockShortage, Reservation: ReservationID(id),
			SKU: e.skus[sku].name, Loc: c.locID, Qty: r.qty, Expires: r.expires})
		short -= r.qty
	}
	for pass := 0; pass < 2 && short > 0; pass++ {
		for oi, o := range e.liveOrdersDesc {
			if short <= 0 {
				break
			}
			if !o.closed {
				short = e.deallocateOrder(oi, sku, c.loc, pass == 1, short)
			}
		}
	}
}

// deallocateOrder takes up to short units of sku at loc off order oi's
// allocations (released or not, newest allocation first) and backorders
// them. It returns what is still short.
func (e *Engine) deallocateOrder(oi, sku, loc int32, released bool, short Qty) Qty {
	o := at(&e.orders, oi)
	list := e.allocScratch[:0]
	for ai := o.allocHead; ai >= 0; ai = at(&e.allocs, ai).next {
		a := at(&e.allocs, ai)
		if a.qty > 0 && a.loc == loc && a.released == released && at(&e.lines, a.line).sku == sku {
			list = append(list, ai)
		}
	}
	e.allocScratch = list[:0]
	if len(list) == 0 {
		return short
	}
	for i := len(list) - 1; i >= 0 && short > 0; i-- {
		a := at(&e.allocs, list[i])
		l := at(&e.lines, a.line)
		x := min(a.qty, short)
		short -= x
		a.qty -= x
		l.allocated -= x
		ci := e.cellIndex(sku, e.locs[loc].def.ID)
		e.skus[sku].cells[ci].allocated -= x
		e.cellChanged(sku, ci)
		if released {
			l.released -= x
			e.emit(&Event{Kind: EvFulfilmentCancelled, Reason: ReasonStockShortage, Order: o.id, Line: l.num,
				SKU: e.skus[sku].name, Loc: e.locs[loc].def.ID, Qty: x, Fulfilment: a.fulfilment})
		}
		if l.backordered == 0 {
			e.enqueueBackorder(oi, a.line)
		}
		l.backordered += x
		e.emit(&Event{Kind: EvBackordered, Reason: ReasonStockShortage, Order: o.id, Line: l.num,
			SKU: e.skus[sku].name, Loc: e.locs[loc].def.ID, Qty: x})
	}
	e.updateStatus(oi)
	return short
}
