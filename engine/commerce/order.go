package commerce

// order is one commerce order. Its lines are contiguous in Engine.lines; its
// allocations, shipments, returns and history are linked lists through the
// engine's arenas (index -1 ends a list), so placing an order allocates
// nothing once the arenas have grown.
type order struct {
	id            OrderID
	channel       Channel
	cid           idKey // the channel order id, inline: an order holds no pointers
	placedAt      int64
	shipTo        Coord
	pickup        int32 // location index of the pickup store, or -1
	shipComplete  bool
	priority      uint8
	payment       Payment
	cur           uint16 // index in Engine.curs
	value         Money
	units         Qty
	line0, nLines int32

	allocHead, allocTail int32
	shipHead, shipTail   int32
	retHead, retTail     int32
	histHead, histTail   int32
	cust                 int32 // index in Engine.custs: the customer

	closed    bool  // delivered or cancelled (retention.go)
	closedAt  int64 // when it closed
	archiveAt int64 // its key in the archive queue

	holds         Hold
	holdsAtPlace  Hold
	status        Status
	statusAtPlace Status
	plan          PlanScore // the score of the last sourcing plan: the placement's, or the authorisation's that sourced the units waiting for it (sourceUnpaid)
	credit        bool      // the order's value counts against its B2B customer's credit
	placeHash     uint64    // what the placement asked for (placeHash); 0: not recorded
	// unpaidAtPlace: the order was placed with a declined payment under
	// CheckPayment, so every unit waited for the payment from the start
	// (replayPlacement reports it).
	unpaidAtPlace bool
	// retWindow is the return window that applies to the order, fixed at
	// its first delivery (the rules' window then); 0 until then, when the
	// rules in force apply (orderReturnWindow).
	retWindow int64
	// readyHist is the history record of the first EvReadyForPickup of the
	// last ReadyForPickup carried out, or -1; readyAll says it asked for
	// every released unit (no lines). A re-send is recognised by them
	// (pickup.go, readyResent).
	readyHist int32
	readyAll  bool
}

// line is one order line.
//
// INVARIANT: qty = cancelled + backordered + allocated + shipped + unpaid,
// all >= 0; ready <= released <= allocated; ready > 0 only on a pickup
// order; delivered <= shipped; retRecv <= retAuth
// <= shipped. unpaid > 0 only while the order is on payment hold with its
// payment not authorised (awaitPayment).
type line struct {
	order       int32
	num         uint32
	sku         int32
	qty         Qty
	price       Money
	reservation ReservationID
	cancelled   Qty
	backordered Qty
	allocated   Qty // open: allocated and not shipped
	released    Qty // of allocated, released to fulfilment
	shipped     Qty
	delivered   Qty
	retAuth     Qty
	retRecv     Qty
	boAtPlace   Qty
	// unpaid units wait for the order's declined payment: neither
	// allocated nor backordered, they hold no stock (awaitPayment).
	unpaid Qty
	// ready units of a pickup order's released ones are ready for
	// collection at the store (pickup.go): ready <= released.
	ready    Qty
	lastShip int64
	status   Status
}

func (l *line) open() Qty { return l.qty - l.cancelled - l.shipped }

// alloc is units of one line allocated at one location.
//
// INVARIANT: the order's unreleased open allocations at a location are
// one shipment, counted once against the location's daily capacity, by
// the allocation that opened it (the first made while the order had none
// open and unreleased there): exactly that allocation has opened set,
// with the capacity day it counted on, until the shipment is released or
// freed whole (giveBackCapacity). An opened allocation may itself have
// been freed (qty 0) while later ones at its location keep the shipment.
type alloc struct {
	line       int32 // index in Engine.lines
	loc        int32
	qty        Qty // open: not shipped, not cancelled
	orig       Qty
	released   bool
	atPlace    bool
	opened     bool  // it opened the order's shipment at loc (see INVARIANT)
	openDay    int64 // if opened, the capacity day (now / Day) it counted on
	fulfilment FulfilmentID
	shipBy     int64
	deliverBy  int64
	plan       PlanScore
	next       int32
}

// histRec is one entry of an order's history: the events that concerned it.
type histRec struct {
	at     int64
	qty    Qty
	ref    uint64 // shipment, return or fulfilment id
	line   uint32
	loc    LocationID
	next   int32
	kind   EventKind
	status Status
}

func (e *Engine) record(ev *Event) {
	o := at(&e.orders, ev.Order-1)
	ref := uint64(ev.Shipment)
	if ev.Return != 0 {
		ref = uint64(ev.Return)
	} else if ev.Fulfilment != 0 {
		ref = uint64(ev.Fulfilment)
	}
	i := e.hist.push(histRec{at: e.now, kind: ev.Kind, line: ev.Line, loc: ev.Loc, qty: ev.Qty,
		status: ev.Status, ref: ref, next: -1})
	if o.histTail >= 0 {
		at(&e.hist, o.histTail).next = i
	} else {
		o.histHead = i
	}
	o.histTail = i
}

// lookupOrder resolves an order id or rejects.
func (e *Engine) lookupOrder(c *Command) (*order, bool) {
	if c.Order == 0 || uint64(c.Order) > uint64(e.orders.len()) {
		e.reject(c.Kind, ReasonUnknownOrder, "order", 0)
		return nil, false
	}
	o := e.liveOrder(int32(c.Order - 1))
	if o == nil {
		e.reject(c.Kind, ReasonOrderArchived, "order", 0)
		return nil, false
	}
	return o, true
}

// validatePlace checks a PlaceOrder command without changing state. It
// fills e.src.req and returns the pickup location index (or -1).
func (e *Engine) validatePlace(c *Command) (pickup int32, value Money, units Qty, ok bool) {
	rej := func(r Reason, f string, l uint32) (int32, Money, Qty, bool) {
		e.reject(c.Kind, r, f, l)
		return 0, 0, 0, false
	}
	switch {
	case c.Customer == "":
		return rej(ReasonMissingCustomer, "customer", 0)
	case len(c.Lines) == 0:
		return rej(ReasonNoLines, "lines", 0)
	case len(c.Lines) > MaxLines:
		return rej(ReasonTooManyLines, "lines", 0)
	case c.Payment == 0 || c.Payment >= paymentCount:
		return rej(ReasonInvalidPayment, "payment", 0)
	}
	pickup = -1
	if c.PickupStore != 0 {
		p, known := e.locByID[c.PickupStore]
		if !known {
			return rej(ReasonUnknownLocation, "pickup_store", 0)
		}
		if !e.locs[p].def.takesPickups() {
			return rej(ReasonNotPickupStore, "pickup_store", 0)
		}
		pickup = p
	} else if !c.ShipTo.Valid() {
		return rej(ReasonInvalidCoord, "ship_to", 0)
	}
	s := &e.src
	s.req = s.req[:0]
	resLoc := int32(-1)
	for i := range c.Lines {
		in := &c.Lines[i]
		r, why, field := e.validateLine(c, i, pickup, &resLoc)
		if why != ReasonNone {
			return rej(why, field, uint32(i+1))
		}
		value += Money(in.Qty) * in.UnitPrice
		units += in.Qty
		if value > MaxMoney*MaxLines {
			return rej(ReasonOverflow, "lines", uint32(i+1))
		}
		s.req = append(s.req, r)
	}
	return pickup, value, units, true
}

// resolveSKUs looks the SKUs of a PlaceOrder's lines up (into
// e.src.skuOf, -1 for unknown) and starts loading their records, before
// the idempotency and customer lookups: an order's SKUs, customer and key
// are scattered over large tables, and their cache misses overlap when
// the loads are issued together rather than each after the last is used.
// It changes no state: validatePlace rejects what it must.
func (e *Engine) resolveSKUs(c *Command) {
	s := &e.src
	s.skuOf = s.skuOf[:0]
	var w Qty
	for i := range min(len(c.Lines), MaxLines) {
		sku, ok := e.skuIndex(c.Lines[i].SKU)
		if !ok {
			sku = -1
		} else if r := e.hotRef[sku]; r.off >= 0 && r.n > 0 {
			// Through the dense hotRef, not the SKU record: the record
			// and the hot cells load together (hotarena.go).
			w += warmHot(e.hotArena.cells(r))
		} else if h := e.skus[sku].hot; len(h) > 0 {
			w += warmHot(h)
		}
		s.skuOf = append(s.skuOf, sku)
	}
	s.warm += w
}

// warmHot loads one word of each cache line of h (4 cells a line), for
// the sourcing scan that follows: the first and last cells alone left the
// middle line of the usual 10 cells to miss there.
// REQUIRES: len(h) > 0.
func warmHot(h []hotCell) Qty {
	w := h[len(h)-1].atp
	for j := 0; j < len(h); j += 4 {
		w += h[j].atp
	}
	return w
}

// validateLine checks line i of a PlaceOrder. resLoc carries the location
// of the order's reservations, for the ship-complete check.
func (e *Engine) validateLine(c *Command, i int, pickup int32, resLoc *int32) (lineReq, Reason, string) {
	in := &c.Lines[i]
	sku := e.src.skuOf[i]
	known := sku >= 0
	switch {
	case !known:
		return lineReq{}, ReasonUnknownSKU, "lines.sku"
	case in.Qty <= 0 || in.Qty > MaxQty:
		return lineReq{}, ReasonInvalidQty, "lines.qty"
	case in.UnitPrice < 0 || in.UnitPrice > MaxMoney:
		return lineReq{}, ReasonInvalidPrice, "lines.unit_price"
	case in.Currency == "" || in.Currency != c.Lines[0].Currency:
		return lineReq{}, ReasonCurrencyMismatch, "lines.currency"
	case e.curs.full() && !e.curs.has(in.Currency):
		// Only reachable by 65,536 distinct codes (the gateways accept
		// three-letter ISO 4217 ones): orders keep a 16-bit index.
		return lineReq{}, ReasonCurrencyMismatch, "lines.currency"
	// Both factors are bounded by 2^40 and there are at most 100 lines, so
	// a product can overflow but a checked sum cannot.
	case in.UnitPrice != 0 && Money(in.Qty) > (MaxMoney*MaxLines)/in.UnitPrice:
		return lineReq{}, ReasonOverflow, "lines.unit_price"
	}
	for j := range i {
		if c.Lines[j].SKU == in.SKU {
			return lineReq{}, ReasonDuplicateLine, "lines.sku"
		}
	}
	r := lineReq{sku: sku, qty: in.Qty, resLoc: -1}
	if in.Reservation == 0 {
		return r, ReasonNone, ""
	}
	if why := e.usableReservation(in.Reservation, c.Channel); why != ReasonNone {
		return r, why, "lines.reservation"
	}
	res := &e.res[in.Reservation-1]
	if res.sku != sku || res.qty < in.Qty || pickup >= 0 && res.loc != pickup {
		return r, ReasonReservationMismatch, "lines.reservation"
	}
	for j := range i {
		if c.Lines[j].Reservation == in.Reservation {
			return r, ReasonReservationUsed, "lines.reservation"
		}
	}
	if c.ShipComplete && *resLoc >= 0 && *resLoc != res.loc {
		return r, ReasonShipCompleteConflict, "lines.reservation"
	}
	if !e.reservationServes(res.loc, pickup) {
		return r, ReasonReservationIneligible, "lines.reservation"
	}
	r.resLoc, *resLoc = res.loc, res.loc
	return r, ReasonNone, ""
}

// reservationServes reports whether an order with pickup store pickup (or
// -1) may be sourced at a reservation's location loc: the checks gather
// makes of every other candidate. Sourcing forces the reservation's
// location into the plan, so a location that fails them must not get that
// far: the placement is rejected rather than sourced elsewhere, since the
// channel that reserved expects that stock.
// REQUIRES: pickup < 0 or loc == pickup.
func (e *Engine) reservationServes(loc, pickup int32) bool {
	return e.serves(loc, pickup) && e.capacityLeft(loc)
}

// placeOrder accepts an order, sources it, and applies holds. A re-submit of
// the same (channel, channel order id) replays the first result instead.
func (e *Engine) placeOrder(c *Command) {
	if c.Channel == 0 || c.Channel >= channelCount {
		e.reject(c.Kind, ReasonInvalidChannel, "channel", 0)
		return
	}
	if c.ChannelOrderID == "" {
		e.reject(c.Kind, ReasonMissingChannelOrderID, "channel_order_id", 0)
		return
	}
	if len(c.ChannelOrderID) > MaxChannelOrderID {
		e.reject(c.Kind, ReasonChannelOrderIDTooLong, "channel_order_id", 0)
		return
	}
	e.resolveSKUs(c)
	// The customer is looked up now, not when the order is linked (an
	// unknown one is created only once the order is accepted): its misses
	// overlap those of the SKU records and the key lookup.
	cust, known := e.custByKey[c.Customer]
	if !known {
		cust = -1
	}
	oi, dup, key := e.idemFind(c.Channel, c.ChannelOrderID)
	if dup {
		e.resubmitted(c, oi)
		return
	}
	// A new capacity day goes to the waiting backorders before the new
	// order can take its capacity or their stock (capwait.go), and before
	// the order is checked: a reservation's location must have capacity
	// left once they have taken theirs. The roll is a time effect; it
	// stands even if the placement is rejected.
	e.rollCapacity()
	pickup, value, units, ok := e.validatePlace(c)
	if !ok {
		return
	}
	// An order whose payment is declined when payments are checked holds
	// no stock (awaitPayment): it is not sourced until the payment is
	// authorised.
	unpaid := e.rules.CheckPayment && c.Payment == PaymentDeclined
	if !unpaid {
		e.source(pickup, c.ShipTo, c.ShipComplete)
		e.warmCells()
	}
	oi = e.newOrder(c, key, pickup, value, units, cust)
	o := at(&e.orders, oi)
	ev := e.push(EvOrderCreated)
	ev.Order, ev.Channel, ev.ChannelOrderID, ev.Customer = o.id, o.channel, c.ChannelOrderID, c.Customer
	ev.Qty, ev.Amount, ev.Currency, ev.Status = units, value, e.curs.names[o.cur], StatusCreated
	e.pushed(ev)
	if unpaid {
		e.applyUnpaid(oi)
	} else {
		e.applyPlan(oi)
	}
	e.applyHolds(oi, c)
	e.updateStatus(oi)
	o = at(&e.orders, oi)
	o.holdsAtPlace, o.statusAtPlace = o.holds, o.status
	e.countPlacement(oi)
	// A reservation larger than its line returns the rest to ATP. One whose
	// line was backordered (a ship-complete order its location cannot
	// complete, planComplete) or waits for the payment returns all of it,
	// and as no allocation there reported the cell's new levels, a stock
	// event does.
	for i := int32(0); i < o.nLines; i++ {
		l := at(&e.lines, o.line0+i)
		if l.reservation == 0 {
			continue
		}
		if r := &e.res[l.reservation-1]; r.qty > l.qty || l.backordered > 0 || l.unpaid > 0 {
			ci := e.cellIndex(r.sku, e.locs[r.loc].def.ID)
			if l.backordered > 0 || l.unpaid > 0 {
				e.emitStock(r.sku, ci, 0, 0)
			}
			e.fillBackorders(r.sku, ci)
		}
	}
	e.offerNewBackorders()
}

// newOrder stores the order and its lines and links it into the indexes.
// key is where idemFind left off for the order's key, not found; cust is
// the customer's index, or -1 if it is not known yet.
func (e *Engine) newOrder(c *Command, key idemSlot, pickup int32, value Money, units Qty, cust int32) int32 {
	oi := int32(e.orders.len())
	line0 := int32(e.lines.len())
	cur, _ := e.curs.intern(c.Lines[0].Currency) // validatePlace checked the table has room
	if cust < 0 {
		cust = e.customerIndex(c.Customer)
	}
	e.orders.push(order{id: OrderID(oi + 1), channel: c.Channel, cid: makeIDKey(c.ChannelOrderID),
		placedAt: e.now, shipTo: c.ShipTo, pickup: pickup, shipComplete: c.ShipComplete,
		priority: c.Priority, payment: c.Payment, cur: cur, value: value, units: units,
		line0: line0, nLines: int32(len(c.Lines)), allocHead: -1, allocTail: -1, shipHead: -1, shipTail: -1,
		retHead: -1, retTail: -1, histHead: -1, histTail: -1, readyHist: -1, status: StatusCreated, placeHash: placeHash(c)})
	for i := range c.Lines {
		in := &c.Lines[i]
		e.lines.push(line{order: oi, num: uint32(i + 1), sku: e.src.req[i].sku, qty: in.Qty,
			price: in.UnitPrice, reservation: in.Reservation, status: StatusCreated})
	}
	e.idemPutAt(key, oi)
	e.linkOrder(oi, cust)
	return oi
}

// orderLink is an order's place in its customer's and its channel's
// lists. Links live in their own arena, parallel to the orders, so that
// appending an order touches its predecessor's 16-byte link rather than its
// predecessor's whole record.
type orderLink struct {
	prevCust, nextCust int32
	prevChan, nextChan int32
}

// linkOrder appends the order to its customer's and channel's lists. cust
// is the customer's index.
// REQUIRES: oi is the highest live order index (placement and restore go
// in id order).
func (e *Engine) linkOrder(oi, cust int32) {
	o := at(&e.orders, oi)
	o.cust = cust
	cu := &e.custs[o.cust]
	ch := o.channel
	e.links.place(oi, orderLink{prevCust: cu.tail, nextCust: -1, prevChan: e.chanTail[ch], nextChan: -1})
	if cu.tail >= 0 {
		at(&e.links, cu.tail).nextCust = oi
	} else {
		cu.head = oi
	}
	cu.tail = oi
	if e.chanTail[ch] >= 0 {
		at(&e.links, e.chanTail[ch]).nextChan = oi
	} else {
		e.chanHead[ch] = oi
	}
	e.chanTail[ch] = oi
}

// unlinkOrder takes the order off its customer's and channel's lists and
// frees its link.
func (e *Engine) unlinkOrder(oi int32) {
	o := at(&e.orders, oi)
	k := *at(&e.links, oi)
	cu := &e.custs[o.cust]
	if k.prevCust >= 0 {
		at(&e.links, k.prevCust).nextCust = k.nextCust
	} else {
		cu.head = k.nextCust
	}
	if k.nextCust >= 0 {
		at(&e.links, k.nextCust).prevCust = k.prevCust
	} else {
		cu.tail = k.prevCust
	}
	ch := o.channel
	if k.prevChan >= 0 {
		at(&e.links, k.prevChan).nextChan = k.nextChan
	} else {
		e.chanHead[ch] = k.nextChan
	}
	if k.nextChan >= 0 {
		at(&e.links, k.nextChan).prevChan = k.prevChan
	} else {
		e.chanTail[ch] = k.prevChan
	}
	e.links.free(oi)
}

// applyPlan books the sourcing plan: allocations, reservations consumed,
// capacity used, backorders queued.
func (e *Engine) applyPlan(oi int32) {
	s := &e.src
	o := at(&e.orders, oi)
	o.plan = s.score
	for i := range s.req {
		if id := at(&e.lines, o.line0+int32(i)).reservation; id != 0 {
			r := &e.res[id-1]
			sku, _ := e.endReservation(id, resConsumed)
			e.emit(&Event{Kind: EvReservationReleased, Reservation: id, Order: o.id, Line: uint32(i + 1),
				SKU: e.skus[sku].name, Loc: e.locs[r.loc].def.ID, Qty: r.qty, Expires: r.expires})
		}
	}
	for c := range s.cands {
		if s.inPlan[c] && e.planUses(s.cands[c].loc) {
			e.useCapacity(s.cands[c].loc)
		}
	}
	for _, a := range s.assigns {
		plan := s.score
		plan.Why, plan.DistanceKm = a.why, a.km
		e.allocate(oi, o.line0+a.line, a.loc, int(a.ci), a.qty, plan, true)
	}
	// A ship-complete order with reservations was sourced only at their
	// location; backordered, it may be filled at any location that can
	// fill all of it (fillEligible), so the stock elsewhere is offered to
	// it at once (placeOrder). Other backorders took every eligible unit.
	forced := o.shipComplete && s.forced()
	for i := range s.req {
		li := o.line0 + int32(i)
		if b := s.back[i]; b > 0 {
			at(&e.lines, li).backordered, at(&e.lines, li).boAtPlace = b, b
			e.emit(&Event{Kind: EvBackordered, Order: o.id, Line: uint32(i + 1), SKU: e.skus[s.req[i].sku].name, Qty: b})
			e.enqueueBackorder(oi, li)
			e.noteCapWaitCells(s.req[i].sku)
			if forced {
				e.noteNewBackorder(s.req[i].sku)
			}
		}
	}
}

// applyUnpaid books a placement whose payment is declined: its
// reservations are consumed (their units return to ATP: a declined order
// holds no stock) and every unit waits for the payment.
func (e *Engine) applyUnpaid(oi int32) {
	o := at(&e.orders, oi)
	o.unpaidAtPlace = true
	for i := int32(0); i < o.nLines; i++ {
		l := at(&e.lines, o.line0+i)
		if id := l.reservation; id != 0 {
			r := &e.res[id-1]
			sku, _ := e.endReservation(id, resConsumed)
			e.emit(&Event{Kind: EvReservationReleased, Reservation: id, Order: o.id, Line: l.num,
				SKU: e.skus[sku].name, Loc: e.locs[r.loc].def.ID, Qty: r.qty, Expires: r.expires})
		}
	}
	for i := int32(0); i < o.nLines; i++ {
		l := at(&e.lines, o.line0+i)
		l.unpaid = l.qty
		e.emit(&Event{Kind: EvAwaitingPayment, Order: o.id, Line: l.num, SKU: e.skus[l.sku].name, Qty: l.qty})
	}
}

// forced reports whether some line of the order being sourced has a
// reservation, which forces its location into the plan.
func (s *sourcer) forced() bool {
	for i := range s.req {
		if s.req[i].resLoc >= 0 {
			return true
		}
	}
	return false
}

// planUses reports whether some assignment ships from loc.
func (e *Engine) planUses(loc int32) bool {
	for _, a := range e.src.assigns {
		if a.loc == loc {
			return true
		}
	}
	return false
}

// allocate books qty of line li at location loc, with its promise. ci is
// the index of the line's SKU's cell at loc, or -1 to look it up.
func (e *Engine) allocate(oi, li, loc int32, ci int, qty Qty, plan PlanScore, atPlace bool) {
	o := at(&e.orders, oi)
	l := at(&e.lines, li)
	d := &e.locs[loc].def
	shipBy := satAdd(e.now, int64(d.LeadHours)*Hour)
	deliverBy := shipBy
	if o.pickup < 0 {
		deliverBy = satAdd(deliverBy, transitDays(plan.DistanceKm)*Day)
	}
	// The first allocation of a shipment is the one its capacity was
	// counted for (placement, fill and re-sourcing count it just before).
	var openDay int64
	opened := !e.shipmentOpen(o, loc)
	if opened {
		openDay = e.now / Day
	}
	ai := int32(e.allocs.len())
	e.allocs.push(alloc{line: li, loc: loc, qty: qty, orig: qty, atPlace: atPlace, opened: opened,
		openDay: openDay, shipBy: shipBy, deliverBy: deliverBy, plan: plan, next: -1})
	if o.allocTail >= 0 {
		at(&e.allocs, o.allocTail).next = ai
	} else {
		o.allocHead = ai
	}
	o.allocTail = ai
	l.allocated += qty
	if ci < 0 {
		ci = e.cellIndex(l.sku, d.ID)
	}
	e.skus[l.sku].cells[ci].allocated += qty
	e.cellChanged(l.sku, ci)
	ev := e.push(EvAllocated)
	ev.Order, ev.Line, ev.SKU, ev.Loc, ev.Qty = o.id, l.num, e.skus[l.sku].name, d.ID, qty
	ev.Plan, ev.ShipBy, ev.DeliverBy = plan, shipBy, deliverBy
	e.pushed(ev)
	e.emitStock(l.sku, ci, 0, 0)
}

// applyHolds evaluates the hold rules on a new order.
func (e *Engine) applyHolds(oi int32, c *Command) {
	o := at(&e.orders, oi)
	r := &e.rules
	var h Hold
	if r.MaxValue > 0 && o.value > r.MaxValue {
		h |= HoldValue
	}
	if r.MaxQty > 0 && o.units > r.MaxQty {
		h |= HoldQty
	}
	cu := &e.custs[o.cust]
	if cu.defined && cu.b2b {
		if r.CheckCredit && cu.exposure+o.value > cu.limit {
			h |= HoldCredit
		}
		cu.exposure += o.value
		o.credit = true
	}
	if r.CheckPayment && o.payment != PaymentAuthorised {
		h |= HoldPayment
	}
	if h != 0 {
		o.holds = h
		e.emit(&Event{Kind: EvHeld, Order: o.id, Hold: h})
	}
}

// resubmitted answers a PlaceOrder whose key is already taken, by the order
// at index oi (a tombstone's -index-1 once archived): a re-submit of the
// same order gets the first result again; one that asks for something else
// (placeHash) is refused, naming the order that holds the key.
func (e *Engine) resubmitted(c *Command, oi int32) {
	var id OrderID
	var h uint64
	if oi < 0 {
		t := at(&e.tombs, -oi-1)
		id, h = t.id, t.placeHash
	} else {
		o := at(&e.orders, oi)
		id, h = o.id, o.placeHash
	}
	if h != 0 && h != placeHash(c) {
		e.reject(c.Kind, ReasonChannelOrderIDConflict, "channel_order_id", 0)
		e.out[len(e.out)-1].Order = id
		return
	}
	if oi < 0 {
		e.replayTombstone(-oi-1, c.ChannelOrderID)
	} else {
		e.replayPlacement(oi, c.ChannelOrderID)
	}
}

// replayPlacement re-emits an order's placement result, marked Duplicate:
// the created, allocation, backorder and hold events and the status, as
// first emitted (stock events are not repeated: nothing changed).
// key is the order's channel order id (the re-submit's, equal to it).
func (e *Engine) replayPlacement(oi int32, key string) {
	o := at(&e.orders, oi)
	e.emit(&Event{Kind: EvOrderCreated, Duplicate: true, Order: o.id, Channel: o.channel,
		ChannelOrderID: key, Customer: e.custs[o.cust].name, Qty: o.units, Amount: o.value,
		Currency: e.curs.names[o.cur], Status: StatusCreated})
	for i := int32(0); i < o.nLines; i++ {
		l := at(&e.lines, o.line0+i)
		if l.reservation != 0 {
			r := &e.res[l.reservation-1]
			e.emit(&Event{Kind: EvReservationReleased, Duplicate: true, Reservation: l.reservation, Order: o.id,
				Line: l.num, SKU: e.skus[l.sku].name, Loc: e.locs[r.loc].def.ID, Qty: r.qty, Expires: r.expires})
		}
	}
	for ai := o.allocHead; ai >= 0; ai = at(&e.allocs, ai).next {
		a := at(&e.allocs, ai)
		if !a.atPlace {
			continue
		}
		l := at(&e.lines, a.line)
		e.emit(&Event{Kind: EvAllocated, Duplicate: true, Order: o.id, Line: l.num, SKU: e.skus[l.sku].name,
			Loc: e.locs[a.loc].def.ID, Qty: a.orig, Plan: a.plan, ShipBy: a.shipBy, DeliverBy: a.deliverBy})
	}
	for i := int32(0); i < o.nLines; i++ {
		l := at(&e.lines, o.line0+i)
		if l.boAtPlace > 0 {
			e.emit(&Event{Kind: EvBackordered, Duplicate: true, Order: o.id, Line: l.num,
				SKU: e.skus[l.sku].name, Qty: l.boAtPlace})
		}
	}
	if o.unpaidAtPlace {
		for i := int32(0); i < o.nLines; i++ {
			l := at(&e.lines, o.line0+i)
			e.emit(&Event{Kind: EvAwaitingPayment, Duplicate: true, Order: o.id, Line: l.num,
				SKU: e.skus[l.sku].name, Qty: l.qty})
		}
	}
	if o.holdsAtPlace != 0 {
		e.emit(&Event{Kind: EvHeld, Duplicate: true, Order: o.id, Hold: o.holdsAtPlace})
	}
	e.emit(&Event{Kind: EvOrderStatus, Duplicate: true, Order: o.id, Status: o.statusAtPlace})
}

// statusOf derives a status from quantities.
func statusOf(qty, cancelled, backordered, allocated, released, shipped, delivered, unpaid, ready Qty) Status {
	open := qty - cancelled
	switch {
	case open == 0:
		return StatusCancelled
	case delivered == open:
		return StatusDelivered
	case shipped == open:
		return StatusShipped
	case ready > 0 && shipped+ready == open:
		return StatusReadyForPickup
	case unpaid > 0:
		// Before partially-shipped: the units waiting for the payment are
		// what someone must act on.
		return StatusAwaitingPayment
	case shipped > 0:
		return StatusPartiallyShipped
	case backordered == open:
		return StatusBackordered
	case backordered > 0:
		return StatusPartiallyAllocated
	case released == allocated:
		return StatusReleased
	}
	return StatusAllocated
}

// updateStatus recomputes the statuses of an order and its lines and emits
// the changes.
func (e *Engine) updateStatus(oi int32) {
	o := at(&e.orders, oi)
	for i := int32(0); i < o.nLines; i++ {
		l := at(&e.lines, o.line0+i)
		st := l.statusNow()
		if st != l.status {
			l.status = st
			ev := e.push(EvOrderStatus)
			ev.Order, ev.Line, ev.SKU, ev.Status = o.id, l.num, e.skus[l.sku].name, st
			e.pushed(ev)
		}
	}
	if st := e.orderStatus(oi); st != o.status {
		o.status = st
		ev := e.push(EvOrderStatus)
		ev.Order, ev.Status = o.id, st
		e.pushed(ev)
		e.noteClosed(oi)
	}
}

// orderStatus derives the order's status from the sums over its lines.
func (e *Engine) orderStatus(oi int32) Status {
	o := at(&e.orders, oi)
	var q, ca, bo, al, re, sh, de, up, rd Qty
	for i := int32(0); i < o.nLines; i++ {
		l := at(&e.lines, o.line0+i)
		q, ca, bo, al, re, sh, de, up, rd = q+l.qty, ca+l.cancelled, bo+l.backordered, al+l.allocated,
			re+l.released, sh+l.shipped, de+l.delivered, up+l.unpaid, rd+l.ready
	}
	return statusOf(q, ca, bo, al, re, sh, de, up, rd)
}

// statusNow derives the line's status from its quantities.
func (l *line) statusNow() Status {
	return statusOf(l.qty, l.cancelled, l.backordered, l.allocated, l.released, l.shipped, l.delivered, l.unpaid, l.ready)
}

func (e *Engine) countPlacement(oi int32) {
	o := at(&e.orders, oi)
	st := &e.stats[o.channel]
	st.orders++
	st.lines += int64(o.nLines)
	st.units += int64(o.units)
	var bo Qty
	for i := int32(0); i < o.nLines; i++ {
		bo += at(&e.lines, o.line0+i).boAtPlace
	}
	allocated := o.units - bo
	if o.unpaidAtPlace {
		allocated = 0 // nothing was sourced: the authorisation's sourcing counts (countFirstSourcing)
	}
	st.unitsAllocated += int64(allocated)
	if o.plan.Shipments > 1 {
		st.splitOrders++
	}
	if bo > 0 {
		st.backorderedOrders++
	}
}
