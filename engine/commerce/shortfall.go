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
// A ship-complete order that has not been released goes back whole: all
// its allocations, at every line, are freed and backordered, so that it is
// filled again only as a whole from one location and the stock it held
// serves others meanwhile. Once released, a ship-complete order gives up
// only the missing units, and its remainder may be filled only at the
// location it was released from (fillEligible). Whenever an order is left
// with nothing unreleased at a location, the shipment it counted against
// that location's capacity today is given back (giveBackCapacity).
//
// Every step is an event carrying ReasonStockShortage. The backorder queue
// then fills from whatever ATP is left, as for any arrival, the counted
// cell first, then the cells a whole order freed, then every other cell of
// each SKU the shortfall backordered, in location id order (fillFreed):
// units a count takes away are re-sourced at once wherever the fill rules
// allow, never left waiting for the next arrival while another location has
// stock, and no later order can take that stock first. Both walks go
// in canonical order (reservation id, order id and each order's allocation
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
			SKU: e.skus[sku].name, Loc: c.locID, Qty: r.qty, Expires: r.expires, Channel: r.channel})
		short -= r.qty
	}
	for pass := 0; pass < 2 && short > 0; pass++ {
		for oi, o := range e.liveOrdersDesc {
			if short <= 0 {
				break
			}
			if !o.closed {
				short = e.deallocateOrder(oi, sku, c.loc, pass == 1, short)
				if awaitsPayment(o) {
					// What it lost waits for the payment, not for stock.
					e.parkBackorders(oi)
					e.updateStatus(oi)
				}
			}
		}
	}
}

// deallocateOrder takes up to short units of sku at loc off order oi's
// allocations (released or not, newest allocation first) and backorders
// them. It returns what is still short.
func (e *Engine) deallocateOrder(oi, sku, loc int32, released bool, short Qty) Qty {
	o := at(&e.orders, oi)
	if o.shipComplete && !released && !e.everReleased(o) {
		return e.backorderWhole(oi, sku, loc, short)
	}
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
			l.ready = min(l.ready, l.released)
			e.emit(&Event{Kind: EvFulfilmentCancelled, Reason: ReasonStockShortage, Order: o.id, Line: l.num,
				SKU: e.skus[sku].name, Loc: e.locs[loc].def.ID, Qty: x, Fulfilment: a.fulfilment})
		}
		if l.backordered == 0 {
			e.enqueueBackorder(oi, a.line)
		}
		l.backordered += x
		e.noteNewBackorder(sku)
		e.emit(&Event{Kind: EvBackordered, Reason: ReasonStockShortage, Order: o.id, Line: l.num,
			SKU: e.skus[sku].name, Loc: e.locs[loc].def.ID, Qty: x})
	}
	if !released {
		e.giveBackCapacity(oi)
	}
	e.updateStatus(oi)
	return short
}

// everReleased reports whether some allocation of the order was released
// to fulfilment (shipped units were).
func (e *Engine) everReleased(o *order) bool {
	for ai := o.allocHead; ai >= 0; ai = at(&e.allocs, ai).next {
		if at(&e.allocs, ai).released {
			return true
		}
	}
	return false
}

// backorderWhole is deallocateOrder for a ship-complete order not yet
// released: if it holds sku at loc, every open allocation of the order is
// freed and backordered, in allocation order. Freed cells other than the
// short one are noted in e.touched for fillFreed. It returns what is still
// short.
func (e *Engine) backorderWhole(oi, sku, loc int32, short Qty) Qty {
	o := at(&e.orders, oi)
	hit := false
	for ai := o.allocHead; ai >= 0 && !hit; ai = at(&e.allocs, ai).next {
		a := at(&e.allocs, ai)
		hit = a.qty > 0 && a.loc == loc && at(&e.lines, a.line).sku == sku
	}
	if !hit {
		return short
	}
	for ai := o.allocHead; ai >= 0; ai = at(&e.allocs, ai).next {
		a := at(&e.allocs, ai)
		if a.qty == 0 {
			continue
		}
		l := at(&e.lines, a.line)
		x := a.qty
		a.qty = 0
		l.allocated -= x
		id := e.locs[a.loc].def.ID
		ci := e.cellIndex(l.sku, id)
		e.skus[l.sku].cells[ci].allocated -= x
		e.cellChanged(l.sku, ci)
		if l.sku == sku && a.loc == loc {
			short -= x
		} else {
			e.touched = addTouched(e.touched, l.sku, ci)
		}
		if l.backordered == 0 {
			e.enqueueBackorder(oi, a.line)
		}
		l.backordered += x
		e.noteNewBackorder(l.sku)
		e.emit(&Event{Kind: EvBackordered, Reason: ReasonStockShortage, Order: o.id, Line: l.num,
			SKU: e.skus[l.sku].name, Loc: id, Qty: x})
	}
	e.giveBackCapacity(oi)
	e.updateStatus(oi)
	return short
}

// shipmentOpen reports whether order o has open unreleased units at loc:
// a shipment there, counted against its capacity, that has not gone to
// fulfilment yet.
func (e *Engine) shipmentOpen(o *order, loc int32) bool {
	for ai := o.allocHead; ai >= 0; ai = at(&e.allocs, ai).next {
		if a := at(&e.allocs, ai); a.loc == loc && a.qty > 0 && !a.released {
			return true
		}
	}
	return false
}

// giveBackCapacity follows every freeing of order oi's unreleased
// allocations (a shortfall, a declined payment, a cancel): at each location
// where the order had a shipment open (see alloc's INVARIANT) and now has
// nothing open and unreleased, that shipment will not happen. If it was
// counted against the location's current capacity day, the unit is given
// back, so that the order (or another) sourced there again the same day is
// a new shipment, not a second one. A shipment counted on an earlier day is
// not: today's capacity never had it. Units already released stay counted:
// their shipment went to the WMS, which may have worked on it.
//
// Call it after the freeing and before the freed stock is offered to the
// backorders, which may then use the capacity.
func (e *Engine) giveBackCapacity(oi int32) {
	o := at(&e.orders, oi)
	for ai := o.allocHead; ai >= 0; ai = at(&e.allocs, ai).next {
		a := at(&e.allocs, ai)
		if !a.opened || e.shipmentOpen(o, a.loc) {
			continue
		}
		a.opened = false
		day := a.openDay
		a.openDay = 0
		l := &e.locs[a.loc]
		if day != l.capDay || l.capDay != e.now/Day || l.capUsed <= 0 {
			continue
		}
		l.capUsed--
		// The location may have capacity again: its waiting cells are due
		// (the next fill rolls them, capwait.go).
		e.capRollAt = e.nextCapRoll()
	}
}

// fillFreed follows a count or adjustment of cell ci of sku, after its
// stock event: it reports the other cells the shortfall freed, then offers
// the counted cell's ATP and theirs to the backorders, then the ATP at
// every location of the SKUs it backordered (offerNewBackorders).
func (e *Engine) fillFreed(sku int32, ci int) {
	t := e.touched
	for _, r := range t {
		e.emitStock(r.sku, r.ci, 0, 0)
	}
	e.fillBackorders(sku, ci)
	for _, r := range t {
		e.fillBackorders(r.sku, r.ci)
	}
	e.touched = t[:0]
	e.offerNewBackorders()
}
