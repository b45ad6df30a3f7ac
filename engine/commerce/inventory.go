package commerce

func validLocation(l *Location) (Reason, string) {
	switch {
	case l.ID == 0:
		return ReasonInvalidLocation, "location.id"
	case l.Kind == 0 || l.Kind >= locKindCount:
		return ReasonInvalidLocation, "location.kind"
	case !l.At.Valid():
		return ReasonInvalidCoord, "location.at"
	case l.LeadHours < 0 || l.LeadHours > 24*365:
		return ReasonInvalidLocation, "location.lead_hours"
	case l.Capacity < 0:
		return ReasonInvalidLocation, "location.capacity"
	case l.CostPerShipment < 0 || l.CostPerShipment > MaxMoney:
		return ReasonInvalidLocation, "location.cost_per_shipment"
	case l.CostPerKm < 0 || l.CostPerKm > 1<<20:
		return ReasonInvalidLocation, "location.cost_per_km"
	case l.Priority < 0 || l.Priority > 1<<20:
		return ReasonInvalidLocation, "location.priority"
	}
	return ReasonNone, ""
}

func (e *Engine) setLocation(c *Command) {
	if r, f := validLocation(&c.Location); r != ReasonNone {
		e.reject(c.Kind, r, f, 0)
		return
	}
	i, ok := e.locByID[c.Location.ID]
	if !ok {
		e.locByID[c.Location.ID] = int32(len(e.locs))
		var l location
		l.setDef(c.Location)
		e.locs = append(e.locs, l)
		e.emitLocation(c.Location)
		return
	}
	old := e.locs[i].def
	e.locs[i].setDef(c.Location)
	e.emitLocation(c.Location)
	nw := &e.locs[i].def
	activeChanged := old.Active != nw.Active
	opened := nw.Active && (!old.Active || !old.shipEligible() && nw.shipEligible() || !old.Pickup && nw.Pickup)
	if nw.Capacity != old.Capacity {
		// A higher capacity, or none, frees today's capacity for the
		// cells waiting for it (capwait.go); a lower one leaves nothing
		// to retry, which retryCapacity finds.
		e.retryCapacity()
	}
	if !activeChanged && !opened {
		return
	}
	// The location's stock joins or leaves the network ATP, and newly
	// usable stock goes to backorders: every cell there is reported, in
	// SKU name order so that replays agree.
	for _, si := range e.sortedSKUs() {
		ci := e.cellIndex(si, c.Location.ID)
		if ci < 0 {
			continue
		}
		if activeChanged {
			e.emitStock(si, ci, 0, 0)
		}
		if opened {
			e.fillBackorders(si, ci)
		}
	}
}

// stockTarget resolves the SKU and location of a stock command. create says
// whether an unknown SKU may be created; otherwise it must be known.
func (e *Engine) stockTarget(c *Command, create bool) (loc int32, sku int32, ci int, ok bool) {
	loc, ok = e.locByID[c.Loc]
	if !ok {
		e.reject(c.Kind, ReasonUnknownLocation, "loc", 0)
		return 0, 0, 0, false
	}
	if c.SKU == "" {
		e.reject(c.Kind, ReasonUnknownSKU, "sku", 0)
		return 0, 0, 0, false
	}
	sku, ok = e.skuIndex(c.SKU)
	if !ok {
		if !create {
			e.reject(c.Kind, ReasonUnknownSKU, "sku", 0)
			return 0, 0, 0, false
		}
		return loc, -1, -1, true
	}
	return loc, sku, e.cellIndex(sku, c.Loc), true
}

func (e *Engine) setStock(c *Command) {
	loc, sku, ci, ok := e.stockTarget(c, true)
	if !ok {
		return
	}
	if c.Qty < 0 || c.Qty > MaxQty {
		e.reject(c.Kind, ReasonInvalidQty, "qty", 0)
		return
	}
	if c.Version == 0 {
		e.reject(c.Kind, ReasonStaleVersion, "version", 0)
		return
	}
	var old Qty
	if ci >= 0 {
		cl := &e.skus[sku].cells[ci]
		if c.Version <= cl.version {
			e.reject(c.Kind, ReasonStaleVersion, "version", 0)
			return
		}
		old = cl.onHand
	}
	sku, ci = e.ensureCellOf(c.SKU, sku, ci, loc)
	cl := &e.skus[sku].cells[ci]
	cl.onHand, cl.version = c.Qty, c.Version
	e.cellChanged(sku, ci)
	e.coverShortfall(sku, ci)
	e.emitStock(sku, ci, c.Qty-old, 0)
	e.fillFreed(sku, ci)
}

func (e *Engine) adjustStock(c *Command) {
	loc, sku, ci, ok := e.stockTarget(c, false)
	if !ok {
		return
	}
	if c.Qty == 0 || c.Qty > MaxQty || c.Qty < -MaxQty {
		e.reject(c.Kind, ReasonInvalidQty, "qty", 0)
		return
	}
	if c.Adjust == 0 || c.Adjust >= adjustReasonCount {
		e.reject(c.Kind, ReasonInvalidAdjustReason, "adjust", 0)
		return
	}
	// Damage and shrink take stock away, found stock adds some; only a
	// correction goes either way. A delta against its reason is a mistake
	// in the feed, and booking it would corrupt the write-off figures.
	if (c.Adjust == AdjustDamage || c.Adjust == AdjustShrink) && c.Qty > 0 || c.Adjust == AdjustFound && c.Qty < 0 {
		e.reject(c.Kind, ReasonAdjustSign, "qty", 0)
		return
	}
	var onHand Qty
	if ci >= 0 {
		onHand = e.skus[sku].cells[ci].onHand
	}
	if onHand+c.Qty > MaxQty {
		e.reject(c.Kind, ReasonInvalidQty, "qty", 0)
		return
	}
	if onHand+c.Qty < 0 {
		// Nothing can be counted below zero.
		e.reject(c.Kind, ReasonNegativeStock, "qty", 0)
		return
	}
	sku, ci = e.ensureCellOf(c.SKU, sku, ci, loc)
	e.skus[sku].cells[ci].onHand += c.Qty
	e.cellChanged(sku, ci)
	e.coverShortfall(sku, ci)
	e.emitStock(sku, ci, c.Qty, c.Adjust)
	e.fillFreed(sku, ci)
}

func (e *Engine) setSafety(c *Command) {
	loc, sku, ci, ok := e.stockTarget(c, false)
	if !ok {
		return
	}
	if c.Qty < 0 || c.Qty > MaxQty {
		e.reject(c.Kind, ReasonInvalidQty, "qty", 0)
		return
	}
	sku, ci = e.ensureCellOf(c.SKU, sku, ci, loc)
	cl := &e.skus[sku].cells[ci]
	lower := c.Qty < cl.safety
	cl.safety = c.Qty
	e.cellChanged(sku, ci)
	e.emitStock(sku, ci, 0, 0)
	if lower {
		e.fillBackorders(sku, ci)
	}
}

func (e *Engine) addInbound(c *Command) {
	loc, sku, ci, ok := e.stockTarget(c, true)
	if !ok {
		return
	}
	if c.Qty <= 0 || c.Qty > MaxQty {
		e.reject(c.Kind, ReasonInvalidQty, "qty", 0)
		return
	}
	if c.Date <= 0 {
		e.reject(c.Kind, ReasonInvalidDate, "date", 0)
		return
	}
	sku, ci = e.ensureCellOf(c.SKU, sku, ci, loc)
	cl := &e.skus[sku].cells[ci]
	if e.inboundTotal(cl)+c.Qty > MaxQty {
		e.reject(c.Kind, ReasonInvalidQty, "qty", 0)
		return
	}
	list := e.inbound(cl)
	i := len(list)
	for i > 0 && list[i-1].date > c.Date {
		i--
	}
	list = append(list, inbound{})
	copy(list[i+1:], list[i:])
	list[i] = inbound{qty: c.Qty, date: c.Date}
	e.setInbound(cl, list)
	e.emit(&Event{Kind: EvInbound, SKU: c.SKU, Loc: c.Loc, Qty: c.Qty, Date: c.Date})
	e.emitStock(sku, ci, 0, 0)
}

// receive books arrived goods: on hand grows, expected inbound shrinks from
// the earliest date, and backorders are filled.
func (e *Engine) receive(c *Command) {
	loc, sku, ci, ok := e.stockTarget(c, true)
	if !ok {
		return
	}
	if c.Qty <= 0 || c.Qty > MaxQty {
		e.reject(c.Kind, ReasonInvalidQty, "qty", 0)
		return
	}
	if ci >= 0 && e.skus[sku].cells[ci].onHand+c.Qty > MaxQty {
		e.reject(c.Kind, ReasonInvalidQty, "qty", 0)
		return
	}
	sku, ci = e.ensureCellOf(c.SKU, sku, ci, loc)
	cl := &e.skus[sku].cells[ci]
	cl.onHand += c.Qty
	e.cellChanged(sku, ci)
	left := c.Qty
	n := 0
	list := e.inbound(cl)
	for n < len(list) && left > 0 {
		in := &list[n]
		if in.qty > left {
			in.qty -= left
			left = 0
			break
		}
		left -= in.qty
		n++
	}
	if n > 0 {
		e.setInbound(cl, append(list[:0], list[n:]...))
	}
	e.emitStock(sku, ci, c.Qty, 0)
	e.fillBackorders(sku, ci)
}

// reserve holds units at one location for a channel. It does not ask
// whether the location can serve an order (it does not know which kind):
// the order that uses the reservation is checked (reservationServes).
func (e *Engine) reserve(c *Command) {
	// As for a placement: a new capacity day goes to the waiting backorders
	// before a reservation can hold their stock (capwait.go). A time effect,
	// it stands even if the reservation is refused.
	e.rollCapacity()
	_, sku, ci, ok := e.stockTarget(c, false)
	if !ok {
		return
	}
	if c.Qty <= 0 || c.Qty > MaxQty {
		e.reject(c.Kind, ReasonInvalidQty, "qty", 0)
		return
	}
	if c.TTL <= 0 {
		e.reject(c.Kind, ReasonInvalidTTL, "ttl", 0)
		return
	}
	if c.TTL > MaxReservationTTL {
		e.reject(c.Kind, ReasonTTLTooLong, "ttl", 0)
		return
	}
	if c.Channel >= channelCount {
		e.reject(c.Kind, ReasonInvalidChannel, "channel", 0)
		return
	}
	if ci < 0 || e.skus[sku].cells[ci].atp() < c.Qty {
		e.reject(c.Kind, ReasonInsufficientStock, "qty", 0)
		return
	}
	cl := &e.skus[sku].cells[ci]
	cl.reserved += c.Qty
	e.cellChanged(sku, ci)
	id := ReservationID(len(e.res) + 1)
	exp := e.now + c.TTL
	if exp < e.now { // overflow: never expires in practice
		exp = 1<<63 - 1
	}
	e.res = append(e.res, reservation{sku: sku, loc: cl.loc, qty: c.Qty, expires: exp, state: resActive, channel: c.Channel})
	e.expiry.Set(resKey{expires: exp, id: id})
	e.emit(&Event{Kind: EvReserved, Reservation: id, SKU: c.SKU, Loc: c.Loc, Qty: c.Qty, Expires: exp, Channel: c.Channel})
	e.emitStock(sku, ci, 0, 0)
}

// usableReservation checks that a reservation can be released or consumed
// by channel ch (zero: an administrator). Another channel's reservation is
// unknown to ch, as an id never issued is: its existence is not told.
func (e *Engine) usableReservation(id ReservationID, ch Channel) Reason {
	if id == 0 || uint64(id) > uint64(len(e.res)) {
		return ReasonUnknownReservation
	}
	r := &e.res[id-1]
	switch {
	case r.channel != 0 && ch != 0 && r.channel != ch:
		return ReasonUnknownReservation
	case r.state == resExpired || r.state == resActive && r.expires <= e.now:
		return ReasonReservationExpired
	case r.state != resActive:
		return ReasonReservationUsed
	}
	return ReasonNone
}

func (e *Engine) releaseReservation(c *Command) {
	if r := e.usableReservation(c.Reservation, c.Channel); r != ReasonNone {
		e.reject(c.Kind, r, "reservation", 0)
		return
	}
	r := &e.res[c.Reservation-1]
	sku, ci := e.endReservation(c.Reservation, resReleased)
	e.emit(&Event{Kind: EvReservationReleased, Reservation: c.Reservation, SKU: e.skus[sku].name,
		Loc: e.locs[r.loc].def.ID, Qty: r.qty, Expires: r.expires, Channel: r.channel})
	e.emitStock(sku, ci, 0, 0)
	e.fillBackorders(sku, ci)
}

// endReservation returns a reservation's units to ATP.
func (e *Engine) endReservation(id ReservationID, st resState) (int32, int) {
	r := &e.res[id-1]
	r.state = st
	e.expiry.Delete(resKey{expires: r.expires, id: id})
	ci := e.cellIndex(r.sku, e.locs[r.loc].def.ID)
	e.skus[r.sku].cells[ci].reserved -= r.qty
	e.cellChanged(r.sku, ci)
	return r.sku, ci
}

func (e *Engine) setRules(c *Command) {
	r := &c.Rules
	switch {
	case r.MaxValue < 0:
		e.reject(c.Kind, ReasonInvalidRules, "rules.max_value", 0)
		return
	case r.MaxQty < 0:
		e.reject(c.Kind, ReasonInvalidRules, "rules.max_qty", 0)
		return
	case r.ReturnWindow < 0:
		e.reject(c.Kind, ReasonInvalidRules, "rules.return_window", 0)
		return
	}
	// The new window applies to orders not yet delivered: a delivered
	// order keeps the window it was delivered under (orderReturnWindow),
	// and so do the closed orders' archive due times.
	e.rules = *r
	rules := *r
	e.emit(&Event{Kind: EvRules, Rules: &rules})
}

// emitLocation reports a location's definition, in a copy of its own.
func (e *Engine) emitLocation(l Location) {
	e.emit(&Event{Kind: EvLocation, Loc: l.ID, Location: &l})
}

func (e *Engine) setCustomer(c *Command) {
	if c.Customer == "" {
		e.reject(c.Kind, ReasonMissingCustomer, "customer", 0)
		return
	}
	if c.CreditLimit < 0 || c.CreditLimit > MaxMoney {
		e.reject(c.Kind, ReasonInvalidPrice, "credit_limit", 0)
		return
	}
	cu := e.customer(c.Customer)
	cu.defined, cu.b2b, cu.limit = true, c.B2BCustomer, c.CreditLimit
	e.emit(&Event{Kind: EvCustomer, Customer: c.Customer, Amount: c.CreditLimit})
}

// customer returns the customer record, creating it.
func (e *Engine) customer(name string) *customer {
	return &e.custs[e.customerIndex(name)]
}

func (e *Engine) customerIndex(name string) int32 {
	i, ok := e.custByKey[name]
	if !ok {
		i = int32(len(e.custs))
		e.custs = append(e.custs, customer{name: name, head: -1, tail: -1})
		e.custByKey[name] = i
	}
	return i
}
