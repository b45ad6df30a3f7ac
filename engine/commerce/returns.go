package commerce

// rma is one return authorisation.
type rma struct {
	id    ReturnID
	order int32
	at    int64
	l0, n int32 // lines in Engine.rmaLines
	next  int32
}

type rmaLine struct {
	line       int32 // index in Engine.lines
	qty        Qty   // authorised
	received   Qty
	restocked  Qty
	writtenOff Qty
	refund     Money
}

// authoriseReturn authorises the return of shipped units within the return
// window (counted from the line's last shipment): the order's, fixed at its
// first delivery, or before any delivery the rules' (orderReturnWindow).
func (e *Engine) authoriseReturn(c *Command) {
	o, ok := e.lookupOrder(c)
	if !ok || !e.refLines(c, o) {
		return
	}
	window := e.orderReturnWindow(o)
	for i := range c.Lines {
		in := &c.Lines[i]
		l := at(&e.lines, o.line0+int32(in.Line)-1)
		if in.Qty > l.shipped-l.retAuth {
			e.reject(c.Kind, ReasonReturnExceedsShipped, "lines.qty", in.Line)
			return
		}
		if e.now > satAdd(l.lastShip, window) { // a window of any length: no overflow
			e.reject(c.Kind, ReasonReturnWindowClosed, "lines.line", in.Line)
			return
		}
	}
	ri := int32(e.rmas.len())
	e.rmas.push(rma{id: ReturnID(ri + 1), order: int32(o.id - 1), at: e.now,
		l0: int32(e.rmaLines.len()), n: int32(len(c.Lines)), next: -1})
	if o.retTail >= 0 {
		at(&e.rmas, o.retTail).next = ri
	} else {
		o.retHead = ri
	}
	o.retTail = ri
	for i := range c.Lines {
		in := &c.Lines[i]
		li := o.line0 + int32(in.Line) - 1
		l := at(&e.lines, li)
		l.retAuth += in.Qty
		e.rmaLines.push(rmaLine{line: li, qty: in.Qty})
		e.emit(&Event{Kind: EvReturnAuthorised, Order: o.id, Return: ReturnID(ri + 1), Line: l.num,
			SKU: e.skus[l.sku].name, Qty: in.Qty})
	}
}

// receiveReturn books returned goods at a location (a store for buy online,
// return in store): resellable units are restocked there and offered to
// backorders, damaged units are written off. Every received unit is refunded
// at its line's unit price.
func (e *Engine) receiveReturn(c *Command) {
	if c.Return == 0 || uint64(c.Return) > uint64(e.rmas.len()) {
		e.reject(c.Kind, ReasonUnknownReturn, "return", 0)
		return
	}
	if !e.rmas.has(int64(c.Return)-1) || at(&e.rmas, c.Return-1).id == 0 {
		e.reject(c.Kind, ReasonOrderArchived, "return", 0)
		return
	}
	rm := at(&e.rmas, c.Return-1)
	o := at(&e.orders, rm.order)
	loc, known := e.locByID[c.Loc]
	if !known {
		e.reject(c.Kind, ReasonUnknownLocation, "loc", 0)
		return
	}
	if !e.refLines(c, o) || !e.validReturnLines(c, rm, o) {
		return
	}
	touched := e.touched[:0]
	for i := range c.Lines {
		in := &c.Lines[i]
		rl := e.rmaLineOf(rm, o.line0+int32(in.Line)-1)
		l := at(&e.lines, rl.line)
		refund := Money(in.Qty) * l.price
		rl.received += in.Qty
		rl.refund += refund
		l.retRecv += in.Qty
		if in.Condition == Resellable {
			rl.restocked += in.Qty
			sku, ci := e.ensureCell(e.skus[l.sku].name, loc)
			e.skus[sku].cells[ci].onHand += in.Qty
			e.cellChanged(sku, ci)
			touched = addTouched(touched, sku, ci)
		} else {
			rl.writtenOff += in.Qty
		}
		e.emit(&Event{Kind: EvReturnReceived, Order: o.id, Return: rm.id, Line: l.num, SKU: e.skus[l.sku].name,
			Loc: c.Loc, Qty: in.Qty, Condition: in.Condition, Amount: refund, Currency: e.curs.names[o.cur]})
		e.stats[o.channel].unitsReturned += int64(in.Qty)
	}
	e.settleTouched(touched)
}

func (e *Engine) rmaLineOf(rm *rma, li int32) *rmaLine {
	for i := rm.l0; i < rm.l0+rm.n; i++ {
		if rl := at(&e.rmaLines, i); rl.line == li {
			return rl
		}
	}
	return nil
}

// validReturnLines checks the lines of a ReceiveReturn against its RMA.
func (e *Engine) validReturnLines(c *Command, rm *rma, o *order) bool {
	for i := range c.Lines {
		in := &c.Lines[i]
		rl := e.rmaLineOf(rm, o.line0+int32(in.Line)-1)
		var why Reason
		field := "lines.qty"
		switch {
		case rl == nil:
			why, field = ReasonUnknownLine, "lines.line"
		case in.Condition == 0 || in.Condition >= conditionCount:
			why, field = ReasonInvalidCondition, "lines.condition"
		case in.Qty > rl.qty-rl.received:
			why = ReasonReturnExceedsAuthorised
		case in.Condition == Resellable:
			sku := at(&e.lines, rl.line).sku
			if ci := e.cellIndex(sku, c.Loc); ci >= 0 && e.skus[sku].cells[ci].onHand+in.Qty > MaxQty {
				why = ReasonInvalidQty
			}
		}
		if why != ReasonNone {
			e.reject(c.Kind, why, field, in.Line)
			return false
		}
	}
	return true
}
