package commerce

// releaseHold ends an order's review holds (value, quantity, credit): an
// operator's decision. The payment hold is not among them: it ends when the
// payment is authorised (setPayment), so that releasing the others cannot
// send an unpaid order to fulfilment; an operator who accepts the payment
// otherwise says so with SetPayment, which is journaled like any decision.
func (e *Engine) releaseHold(c *Command) {
	o, ok := e.lookupOrder(c)
	if !ok {
		return
	}
	h := o.holds &^ HoldPayment
	switch {
	case o.holds == 0:
		e.reject(c.Kind, ReasonNotOnHold, "order", 0)
		return
	case h == 0:
		e.reject(c.Kind, ReasonPaymentNotAuthorised, "order", 0)
		return
	}
	o.holds &^= h
	e.emit(&Event{Kind: EvHoldReleased, Order: o.id, Hold: h})
}

func (e *Engine) setPayment(c *Command) {
	o, ok := e.lookupOrder(c)
	if !ok {
		return
	}
	if c.Payment == 0 || c.Payment >= paymentCount {
		e.reject(c.Kind, ReasonInvalidPayment, "payment", 0)
		return
	}
	o.payment = c.Payment
	e.emit(&Event{Kind: EvPayment, Order: o.id, Payment: c.Payment})
	switch {
	case c.Payment == PaymentAuthorised && o.holds&HoldPayment != 0:
		o.holds &^= HoldPayment
		e.emit(&Event{Kind: EvHoldReleased, Order: o.id, Hold: HoldPayment})
	case c.Payment != PaymentAuthorised && e.rules.CheckPayment && o.holds&HoldPayment == 0 && e.hasUnreleased(o):
		// A hold can come at any point before release.
		o.holds |= HoldPayment
		e.emit(&Event{Kind: EvHeld, Order: o.id, Hold: HoldPayment})
	}
	oi := int32(o.id - 1)
	switch {
	case c.Payment == PaymentDeclined && o.holds&HoldPayment != 0:
		e.awaitPayment(oi)
	case c.Payment == PaymentAuthorised && e.hasUnpaid(o):
		e.sourceUnpaid(oi)
	}
}

// A declined payment frees the order's stock. An order on payment hold
// whose payment is declined keeps no allocation: its unreleased allocated
// units return to ATP, where the SKU's backorders may take them (as a
// cancel's do), and its backordered units leave the queue, so arriving
// stock is not held for it either. The units wait for the payment
// (line.unpaid, StatusAwaitingPayment, EvAwaitingPayment); the order is not
// cancelled: a decline is often put right (a soft decline retried, another
// card), and the customer keeps the order, its number and its place in the
// channel's records. When the payment is authorised the waiting units are
// sourced again, as a placement at that time would source them
// (sourceUnpaid): wherever stock is now, the rest backordered at the
// order's priority and placement time. Until then only a cancel ends the
// order; a pending payment (a new authorisation under way) leaves it
// waiting. A placement with a declined payment is never sourced
// (applyUnpaid). Units released to fulfilment stay with the WMS: the hold
// applies before release, and pulling released units back is the
// operator's cancel. The shipments the freed allocations were to make do
// not happen: what they counted against today's capacity is given back
// (giveBackCapacity), so that the authorisation's sourcing the same day
// counts them once, not twice.

// awaitPayment frees order oi's unreleased allocations and its backorders:
// their units wait for the payment.
func (e *Engine) awaitPayment(oi int32) {
	o := at(&e.orders, oi)
	touched := e.touched[:0]
	e.parkBackorders(oi)
	for i := int32(0); i < o.nLines; i++ {
		li := o.line0 + i
		l := at(&e.lines, li)
		for ai := o.allocHead; ai >= 0; ai = at(&e.allocs, ai).next {
			a := at(&e.allocs, ai)
			if a.line != li || a.qty == 0 || a.released {
				continue
			}
			x := a.qty
			a.qty = 0
			l.allocated -= x
			l.unpaid += x
			id := e.locs[a.loc].def.ID
			ci := e.cellIndex(l.sku, id)
			e.skus[l.sku].cells[ci].allocated -= x
			e.cellChanged(l.sku, ci)
			touched = addTouched(touched, l.sku, ci)
			e.emit(&Event{Kind: EvAwaitingPayment, Order: o.id, Line: l.num, SKU: e.skus[l.sku].name, Loc: id, Qty: x})
		}
	}
	e.giveBackCapacity(oi)
	e.updateStatus(oi)
	e.settleTouched(touched)
}

// awaitsPayment reports whether o's units wait for its payment: it was
// declined while o was on payment hold, and no authorisation came since.
// Such an order holds no stock and takes none.
func awaitsPayment(o *order) bool {
	return o.payment == PaymentDeclined && o.holds&HoldPayment != 0
}

// parkBackorders takes order oi's backordered units out of the queue: they
// wait for the payment instead (a stock shortfall that takes units from an
// order awaiting its payment backorders them first, and they must not take
// the next receipt).
func (e *Engine) parkBackorders(oi int32) {
	o := at(&e.orders, oi)
	for i := int32(0); i < o.nLines; i++ {
		li := o.line0 + i
		l := at(&e.lines, li)
		if b := l.backordered; b > 0 {
			l.backordered = 0
			e.dequeueBackorder(li)
			l.unpaid += b
			e.emit(&Event{Kind: EvAwaitingPayment, Order: o.id, Line: l.num, SKU: e.skus[l.sku].name, Qty: b})
		}
	}
}

// hasUnpaid reports whether some units of the order wait for the payment.
func (e *Engine) hasUnpaid(o *order) bool {
	for i := int32(0); i < o.nLines; i++ {
		if at(&e.lines, o.line0+i).unpaid > 0 {
			return true
		}
	}
	return false
}

// sourceUnpaid sources order oi's units that waited for the payment, now
// authorised, as a placement now would: the sourcing of a placement over
// those units (the day's capacity rolled first, capacity counted per
// location used), the rest backordered. The reservations the order had
// were consumed when it was placed. A ship-complete order that was
// released (and then lost units to a shortfall) may only be completed at
// the location it was released from: its units go back to the queue, where
// the fill rules say so (fillEligible), and are offered the stock at once.
func (e *Engine) sourceUnpaid(oi int32) {
	o := at(&e.orders, oi)
	if o.shipComplete && e.everReleased(o) {
		for i := int32(0); i < o.nLines; i++ {
			li := o.line0 + i
			l := at(&e.lines, li)
			if l.unpaid == 0 {
				continue
			}
			q := l.unpaid
			l.unpaid = 0
			if l.backordered == 0 {
				e.enqueueBackorder(oi, li)
			}
			l.backordered += q
			e.emit(&Event{Kind: EvBackordered, Order: o.id, Line: l.num, SKU: e.skus[l.sku].name, Qty: q})
			e.noteNewBackorder(l.sku)
		}
		e.updateStatus(oi)
		e.offerNewBackorders()
		return
	}
	e.rollCapacity()
	s := &e.src
	s.req = s.req[:0]
	lines := e.unpaidLines[:0]
	for i := int32(0); i < o.nLines; i++ {
		if l := at(&e.lines, o.line0+i); l.unpaid > 0 {
			s.req = append(s.req, lineReq{sku: l.sku, qty: l.unpaid, resLoc: -1})
			lines = append(lines, o.line0+i)
		}
	}
	e.unpaidLines = lines
	first := o.unpaidAtPlace && !e.everSourced(o)
	e.source(o.pickup, o.shipTo, o.shipComplete)
	o = at(&e.orders, oi)
	o.plan = s.score // the order's plan is its last sourcing's, as its new allocations'
	if first {
		e.countFirstSourcing(o)
	}
	for c := range s.cands {
		if s.inPlan[c] && e.planUses(s.cands[c].loc) {
			e.useCapacity(s.cands[c].loc)
		}
	}
	for _, a := range s.assigns {
		plan := s.score
		plan.Why, plan.DistanceKm = a.why, a.km
		at(&e.lines, lines[a.line]).unpaid -= a.qty
		e.allocate(oi, lines[a.line], a.loc, int(a.ci), a.qty, plan, false)
	}
	for i := range s.req {
		b := s.back[i]
		if b == 0 {
			continue
		}
		l := at(&e.lines, lines[i])
		l.unpaid -= b
		if l.backordered == 0 {
			e.enqueueBackorder(oi, lines[i])
		}
		l.backordered += b
		e.emit(&Event{Kind: EvBackordered, Order: o.id, Line: l.num, SKU: e.skus[l.sku].name, Qty: b})
		e.noteCapWaitCells(l.sku)
	}
	e.updateStatus(oi)
}

// everSourced reports whether some of the order's units were ever
// allocated or backordered (its history says so).
func (e *Engine) everSourced(o *order) bool {
	for hi := o.histHead; hi >= 0; hi = at(&e.hist, hi).next {
		if k := at(&e.hist, hi).kind; k == EvAllocated || k == EvBackordered {
			return true
		}
	}
	return false
}

// countFirstSourcing counts the sourcing just planned (e.src) in the
// channel's placement analytics, for an order placed with a declined
// payment and sourced for the first time now that it is authorised: its
// placement counted its units and lines but sourced nothing
// (countPlacement), so this sourcing is its placement's, counted once.
// Later sourcings (a decline and an authorisation again) are not.
func (e *Engine) countFirstSourcing(o *order) {
	s := &e.src
	st := &e.stats[o.channel]
	var allocated, back Qty
	for _, a := range s.assigns {
		allocated += a.qty
	}
	for i := range s.req {
		back += s.back[i]
	}
	st.unitsAllocated += int64(allocated)
	if s.score.Shipments > 1 {
		st.splitOrders++
	}
	if back > 0 {
		st.backorderedOrders++
	}
}

// hasUnreleased reports whether the order has units not yet released to
// fulfilment (allocated or backordered).
func (e *Engine) hasUnreleased(o *order) bool {
	for i := int32(0); i < o.nLines; i++ {
		l := at(&e.lines, o.line0+i)
		if l.backordered > 0 || l.allocated > l.released {
			return true
		}
	}
	return false
}

// hasBackordered reports whether some line of the order has backordered
// units.
func (e *Engine) hasBackordered(o *order) bool {
	for i := int32(0); i < o.nLines; i++ {
		if at(&e.lines, o.line0+i).backordered > 0 {
			return true
		}
	}
	return false
}

// release sends the order's unreleased allocations to fulfilment: one
// request per location, in location id order. A ship-complete order is
// released only whole: while any of its units is backordered the release
// is rejected (ReasonShipCompleteBackordered) and nothing is sent; it may be
// released once the backorder is filled (at one location, fillEligible).
func (e *Engine) release(c *Command) {
	o, ok := e.lookupOrder(c)
	if !ok {
		return
	}
	if o.holds != 0 {
		e.reject(c.Kind, ReasonOnHold, "order", 0)
		return
	}
	if o.shipComplete && e.hasBackordered(o) {
		e.reject(c.Kind, ReasonShipCompleteBackordered, "order", 0)
		return
	}
	prev := LocationID(0)
	any := false
	for {
		// The smallest location id above prev with unreleased units.
		next := LocationID(0)
		for ai := o.allocHead; ai >= 0; ai = at(&e.allocs, ai).next {
			a := at(&e.allocs, ai)
			if id := e.locs[a.loc].def.ID; !a.released && a.qty > 0 && id > prev && (next == 0 || id < next) {
				next = id
			}
		}
		if next == 0 {
			break
		}
		any = true
		e.releaseAt(o, next)
		e.closeShipment(o, e.locByID[next])
		prev = next
	}
	if !any {
		e.reject(c.Kind, ReasonNothingToRelease, "order", 0)
		return
	}
	e.updateStatus(int32(o.id - 1))
}

// releaseAt emits one fulfilment request for the order's unreleased
// allocations at location id: one fulfilment line per order line.
func (e *Engine) releaseAt(o *order, id LocationID) {
	e.nextFulfilment++
	f := e.nextFulfilment
	var n int32
	for i := int32(0); i < o.nLines; i++ {
		if e.unreleasedAt(o, o.line0+i, id, 0) > 0 {
			n++
		}
	}
	e.emit(&Event{Kind: EvFulfilmentRequest, Order: o.id, Loc: id, Fulfilment: f, Count: n,
		Customer: e.custs[o.cust].name, PickedUp: o.pickup >= 0})
	for i := int32(0); i < o.nLines; i++ {
		li := o.line0 + i
		q := e.unreleasedAt(o, li, id, f)
		if q == 0 {
			continue
		}
		l := at(&e.lines, li)
		l.released += q
		e.emit(&Event{Kind: EvFulfilmentLine, Order: o.id, Loc: id, Fulfilment: f, Line: l.num,
			SKU: e.skus[l.sku].name, Qty: q})
	}
}

// closeShipment follows the release of order o's shipment at loc: it went
// to fulfilment, and the next allocation there opens a new one (alloc's
// INVARIANT). Its capacity stays counted.
func (e *Engine) closeShipment(o *order, loc int32) {
	for ai := o.allocHead; ai >= 0; ai = at(&e.allocs, ai).next {
		if a := at(&e.allocs, ai); a.loc == loc {
			a.opened, a.openDay = false, 0
		}
	}
}

// unreleasedAt sums line li's unreleased open units at location id; with a
// non-zero fulfilment id it also marks them released under it.
func (e *Engine) unreleasedAt(o *order, li int32, id LocationID, f FulfilmentID) Qty {
	var q Qty
	for ai := o.allocHead; ai >= 0; ai = at(&e.allocs, ai).next {
		a := at(&e.allocs, ai)
		if a.line != li || a.released || a.qty == 0 || e.locs[a.loc].def.ID != id {
			continue
		}
		q += a.qty
		if f != 0 {
			a.released, a.fulfilment = true, f
		}
	}
	return q
}

// refLines validates line references (number, no duplicates, qty > 0).
func (e *Engine) refLines(c *Command, o *order) bool {
	if len(c.Lines) == 0 {
		e.reject(c.Kind, ReasonNoLines, "lines", 0)
		return false
	}
	if len(c.Lines) > MaxLines {
		e.reject(c.Kind, ReasonTooManyLines, "lines", 0)
		return false
	}
	for i := range c.Lines {
		in := &c.Lines[i]
		if in.Line == 0 || in.Line > uint32(o.nLines) {
			e.reject(c.Kind, ReasonUnknownLine, "lines.line", in.Line)
			return false
		}
		if in.Qty <= 0 || in.Qty > MaxQty {
			e.reject(c.Kind, ReasonInvalidQty, "lines.qty", in.Line)
			return false
		}
		for j := range i {
			if c.Lines[j].Line == in.Line {
				e.reject(c.Kind, ReasonDuplicateLine, "lines.line", in.Line)
				return false
			}
		}
	}
	return true
}

// openAt sums the order line's open allocated (and released) units at loc.
func (e *Engine) openAt(o *order, li, loc int32) (open, released Qty) {
	for ai := o.allocHead; ai >= 0; ai = at(&e.allocs, ai).next {
		if a := at(&e.allocs, ai); a.line == li && a.loc == loc {
			open += a.qty
			if a.released {
				released += a.qty
			}
		}
	}
	return open, released
}

func (e *Engine) ship(c *Command) {
	o, ok := e.lookupOrder(c)
	if !ok {
		return
	}
	loc, known := e.locByID[c.Loc]
	if !known {
		e.reject(c.Kind, ReasonUnknownLocation, "loc", 0)
		return
	}
	if o.pickup >= 0 {
		// The customer collects it at the store: ReadyForPickup, then
		// PickedUp (pickup.go).
		e.reject(c.Kind, ReasonPickupOrder, "order", 0)
		return
	}
	if c.Tracking == "" {
		e.reject(c.Kind, ReasonMissingTracking, "tracking", 0)
		return
	}
	if !e.refLines(c, o) {
		return
	}
	if c.RequestID == "" {
		if si := e.shipResent(o, loc, c); si >= 0 {
			e.replayShipment(o, si)
			return
		}
	}
	for i := range c.Lines {
		in := &c.Lines[i]
		open, rel := e.openAt(o, o.line0+int32(in.Line)-1, loc)
		if in.Qty > open {
			e.reject(c.Kind, ReasonShipExceedsAllocated, "lines.qty", in.Line)
			return
		}
		if in.Qty > rel {
			e.reject(c.Kind, ReasonNotReleased, "lines.qty", in.Line)
			return
		}
	}
	e.bookShipment(o, loc, c.Tracking, c.Lines)
	e.updateStatus(int32(o.id - 1))
}

// A WMS re-sends a ConfirmShipment whose answer it did not get. Without a
// request id (reqid.go) the shipment itself is the key: a tracking number
// names one parcel, so a ConfirmShipment with the tracking number, the
// location and the lines and quantities (in the same order) of a shipment
// the order already has is that shipment re-sent, whenever it comes. It
// is answered with the shipment's shipped events, marked Duplicate (the
// stock and status events are not repeated: nothing changed), and
// changes nothing. The same tracking number with other lines, quantities
// or location is a new shipment, as before: one consignment number over
// several parcels. NB: two identical parcels of one order under one
// tracking number must be confirmed as one shipment (their lines summed)
// or with request ids, which take precedence: a command with a request id
// is never taken for a re-send of a shipment.

// shipResent returns the shipment of o that c re-sends, or -1.
func (e *Engine) shipResent(o *order, loc int32, c *Command) int32 {
	for si := o.shipHead; si >= 0; si = at(&e.ships, si).next {
		sh := at(&e.ships, si)
		if sh.tracking != c.Tracking || sh.loc != loc || int(sh.n) != len(c.Lines) {
			continue
		}
		same := true
		for i := range c.Lines {
			sl := at(&e.shipLines, sh.l0+int32(i))
			if sl.line != o.line0+int32(c.Lines[i].Line)-1 || sl.qty != c.Lines[i].Qty {
				same = false
				break
			}
		}
		if same {
			return si
		}
	}
	return -1
}

// replayShipment re-emits the shipped events of shipment si of o, marked
// Duplicate.
func (e *Engine) replayShipment(o *order, si int32) {
	sh := at(&e.ships, si)
	id := e.locs[sh.loc].def.ID
	for i := sh.l0; i < sh.l0+sh.n; i++ {
		sl := at(&e.shipLines, i)
		l := at(&e.lines, sl.line)
		e.emit(&Event{Kind: EvShipped, Duplicate: true, Order: o.id, Shipment: sh.id, Tracking: sh.tracking,
			Loc: id, Line: l.num, SKU: e.skus[l.sku].name, Qty: sl.qty})
	}
}

// bookShipment makes one shipment of order o from loc of the given lines
// (checked: released there), takes them off the released allocations and
// the stock, and reports it; it returns the shipment.
func (e *Engine) bookShipment(o *order, loc int32, tracking string, lines []LineInput) int32 {
	id := e.locs[loc].def.ID
	sh := e.newShipment(o, loc, tracking)
	for i := range lines {
		in := &lines[i]
		li := o.line0 + int32(in.Line) - 1
		e.shipLine(o, li, loc, in.Qty)
		e.shipLines.push(shipLine{line: li, qty: in.Qty})
		at(&e.ships, sh).n++
		l := at(&e.lines, li)
		e.emit(&Event{Kind: EvShipped, Order: o.id, Shipment: at(&e.ships, sh).id, Tracking: tracking,
			Loc: id, Line: l.num, SKU: e.skus[l.sku].name, Qty: in.Qty})
		e.emitStock(l.sku, e.cellIndex(l.sku, id), -in.Qty, 0)
	}
	e.stats[o.channel].unitsShipped += int64(sumQty(lines))
	return sh
}

func sumQty(lines []LineInput) Qty {
	var t Qty
	for i := range lines {
		t += lines[i].Qty
	}
	return t
}

// shipLine takes qty of line li from its released allocations at loc.
func (e *Engine) shipLine(o *order, li, loc int32, qty Qty) {
	l := at(&e.lines, li)
	for ai := o.allocHead; ai >= 0 && qty > 0; ai = at(&e.allocs, ai).next {
		a := at(&e.allocs, ai)
		if a.line != li || a.loc != loc || !a.released || a.qty == 0 {
			continue
		}
		q := min(a.qty, qty)
		a.qty -= q
		qty -= q
		l.allocated -= q
		l.released -= q
		l.shipped += q
		ci := e.cellIndex(l.sku, e.locs[loc].def.ID)
		cl := &e.skus[l.sku].cells[ci]
		cl.onHand -= q
		cl.allocated -= q
		e.cellChanged(l.sku, ci)
	}
	l.lastShip = e.now
}

// shipment is one shipment of an order from one location.
type shipment struct {
	id          ShipmentID
	order       int32
	loc         int32
	tracking    string
	at          int64
	delivered   bool
	deliveredAt int64
	l0, n       int32 // lines in Engine.shipLines
	next        int32
}

type shipLine struct {
	line int32
	qty  Qty
}

func (e *Engine) newShipment(o *order, loc int32, tracking string) int32 {
	si := int32(e.ships.len())
	e.newShipmentAt(o, si, loc, tracking)
	return si
}

// newShipmentAt stores shipment si+1 of order o and links it.
func (e *Engine) newShipmentAt(o *order, si, loc int32, tracking string) {
	e.ships.place(si, shipment{id: ShipmentID(si + 1), order: int32(o.id - 1), loc: loc,
		tracking: tracking, at: e.now, l0: int32(e.shipLines.len()), next: -1})
	if o.shipTail >= 0 {
		at(&e.ships, o.shipTail).next = si
	} else {
		o.shipHead = si
	}
	o.shipTail = si
}

func (e *Engine) deliver(c *Command) {
	o, ok := e.lookupOrder(c)
	if !ok {
		return
	}
	if c.Shipment == 0 || !e.ships.has(int64(c.Shipment)-1) || at(&e.ships, c.Shipment-1).id == 0 ||
		at(&e.ships, c.Shipment-1).order != int32(o.id-1) {
		e.reject(c.Kind, ReasonUnknownShipment, "shipment", 0)
		return
	}
	sh := at(&e.ships, c.Shipment-1)
	if sh.delivered {
		e.reject(c.Kind, ReasonAlreadyDelivered, "shipment", 0)
		return
	}
	e.deliverShipment(o, int32(c.Shipment-1))
	e.updateStatus(int32(o.id - 1))
}

// deliverShipment books shipment si of order o as delivered (picked up,
// for a pickup order).
func (e *Engine) deliverShipment(o *order, si int32) {
	sh := at(&e.ships, si)
	sh.delivered, sh.deliveredAt = true, e.now
	if o.retWindow == 0 {
		// The customer has the goods under the policy in force now: a
		// later change of the rules does not shorten or lengthen it.
		o.retWindow = e.returnWindow()
	}
	var value Money
	for i := sh.l0; i < sh.l0+sh.n; i++ {
		sl := at(&e.shipLines, i)
		l := at(&e.lines, sl.line)
		l.delivered += sl.qty
		value += Money(sl.qty) * l.price
	}
	e.reduceExposure(o, value)
	e.emit(&Event{Kind: EvDelivered, Order: o.id, Shipment: sh.id, Tracking: sh.tracking,
		Loc: e.locs[sh.loc].def.ID, PickedUp: o.pickup >= 0})
}

// everDelivered reports whether some shipment of the order was delivered.
func (e *Engine) everDelivered(o *order) bool {
	for si := o.shipHead; si >= 0; si = at(&e.ships, si).next {
		if at(&e.ships, si).delivered {
			return true
		}
	}
	return false
}

// reduceExposure takes value off a B2B customer's open exposure.
func (e *Engine) reduceExposure(o *order, value Money) {
	if o.credit {
		cu := &e.custs[o.cust]
		cu.exposure = max(0, cu.exposure-value)
	}
}
