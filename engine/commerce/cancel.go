package commerce

// cellRef names one cell touched by a command.
type cellRef struct {
	sku int32
	ci  int
}

// cancel cancels open (unshipped) units of an order: the lines given, or
// every open unit. Units come off those waiting for the payment first
// (they hold nothing), then the backorder, then unreleased
// allocations, then released ones (the WMS is told with
// EvFulfilmentCancelled). Freed stock goes to the SKU's backorders, and a
// shipment left with nothing to ship gives back the capacity it counted
// today (giveBackCapacity).
func (e *Engine) cancel(c *Command) {
	o, ok := e.lookupOrder(c)
	if !ok {
		return
	}
	oi := int32(o.id - 1)
	if len(c.Lines) == 0 {
		var open Qty
		for i := int32(0); i < o.nLines; i++ {
			open += at(&e.lines, o.line0+i).open()
		}
		if open == 0 {
			e.reject(c.Kind, ReasonOrderClosed, "order", 0)
			return
		}
	} else {
		if !e.refLines(c, o) {
			return
		}
		for i := range c.Lines {
			in := &c.Lines[i]
			if in.Qty > at(&e.lines, o.line0+int32(in.Line)-1).open() {
				e.reject(c.Kind, ReasonCancelShipped, "lines.qty", in.Line)
				return
			}
		}
	}
	touched := e.touched[:0]
	var value Money
	if len(c.Lines) == 0 {
		for i := int32(0); i < o.nLines; i++ {
			li := o.line0 + i
			if q := at(&e.lines, li).open(); q > 0 {
				touched = e.cancelLine(o, li, q, touched)
				value += Money(q) * at(&e.lines, li).price
			}
		}
	} else {
		for i := range c.Lines {
			li := o.line0 + int32(c.Lines[i].Line) - 1
			touched = e.cancelLine(o, li, c.Lines[i].Qty, touched)
			value += Money(c.Lines[i].Qty) * at(&e.lines, li).price
		}
	}
	e.giveBackCapacity(oi)
	e.reduceExposure(o, value)
	if o.holds != 0 && !e.hasOpen(o) {
		h := o.holds
		o.holds = 0
		e.emit(&Event{Kind: EvHoldReleased, Order: o.id, Hold: h, Reason: ReasonNone, Cmd: CmdCancel})
	}
	e.updateStatus(oi)
	e.settleTouched(touched)
	if o.shipComplete {
		// Fewer units to fill may let a location that could not fill all
		// of the order's backorders fill them now: its stock is offered
		// to them, not kept for the next arrival.
		for i := int32(0); i < o.nLines; i++ {
			if l := at(&e.lines, o.line0+i); l.backordered > 0 {
				e.noteNewBackorder(l.sku)
			}
		}
		e.offerNewBackorders()
	}
}

func (e *Engine) hasOpen(o *order) bool {
	for i := int32(0); i < o.nLines; i++ {
		if at(&e.lines, o.line0+i).open() > 0 {
			return true
		}
	}
	return false
}

// cancelLine cancels q open units of line li. REQUIRES: q <= open.
func (e *Engine) cancelLine(o *order, li int32, q Qty, touched []cellRef) []cellRef {
	l := at(&e.lines, li)
	l.cancelled += q
	e.emit(&Event{Kind: EvCancelled, Order: o.id, Line: l.num, SKU: e.skus[l.sku].name, Qty: q})
	if u := min(l.unpaid, q); u > 0 {
		l.unpaid -= u // they hold nothing
		q -= u
	}
	if b := min(l.backordered, q); b > 0 {
		l.backordered -= b
		q -= b
		if l.backordered == 0 {
			e.dequeueBackorder(li)
		}
	}
	for pass := 0; pass < 2 && q > 0; pass++ {
		released := pass == 1
		for ai := o.allocHead; ai >= 0 && q > 0; ai = at(&e.allocs, ai).next {
			a := at(&e.allocs, ai)
			if a.line != li || a.qty == 0 || a.released != released {
				continue
			}
			x := min(a.qty, q)
			a.qty -= x
			q -= x
			l.allocated -= x
			id := e.locs[a.loc].def.ID
			if released {
				l.released -= x
				l.ready = min(l.ready, l.released) // the units not ready go back first
				e.emit(&Event{Kind: EvFulfilmentCancelled, Order: o.id, Line: l.num, SKU: e.skus[l.sku].name,
					Loc: id, Qty: x, Fulfilment: a.fulfilment})
			}
			ci := e.cellIndex(l.sku, id)
			e.skus[l.sku].cells[ci].allocated -= x
			e.cellChanged(l.sku, ci)
			touched = addTouched(touched, l.sku, ci)
		}
	}
	return touched
}

// settleTouched follows a change of the cells in touched (e.touched's
// storage, which it gives back): each cell's stock is reported, then its
// backorders are offered what it now has.
func (e *Engine) settleTouched(touched []cellRef) {
	for _, t := range touched {
		e.emitStock(t.sku, t.ci, 0, 0)
	}
	for _, t := range touched {
		e.fillBackorders(t.sku, t.ci)
	}
	e.touched = touched[:0]
}

func addTouched(t []cellRef, sku int32, ci int) []cellRef {
	for _, r := range t {
		if r.sku == sku && r.ci == ci {
			return t
		}
	}
	return append(t, cellRef{sku, ci})
}
