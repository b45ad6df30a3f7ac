package book

// validateNew checks a new order against its instrument and account. It
// returns the reason for the first problem found, in a fixed order: identity,
// shape, then state, duplicates and risk.
//
// The returned probe is where the order's client order id goes in the index.
func (e *Engine) validateNew(c *Command) (*instrument, *account, clProbe, Reason) {
	in, a, reason := e.validateOrder(c)
	if reason != ReasonNone {
		return in, a, clProbe{}, reason
	}
	p, used := e.clOrd.probe(a.idx, c.ClOrdID)
	if used {
		return in, a, p, ReasonDuplicateClOrdID
	}
	return in, a, p, e.validateRisk(c, in, a)
}

// validateOrder checks identity, shape and state.
func (e *Engine) validateOrder(c *Command) (*instrument, *account, Reason) {
	a := e.accounts[c.Account]
	if a == nil {
		return nil, nil, ReasonUnknownAccount
	}
	in := e.instruments[c.Symbol]
	if in == nil {
		return nil, nil, ReasonUnknownInstrument
	}
	if !validClOrdID(c.ClOrdID) {
		return nil, nil, ReasonMissingClOrdID
	}
	if r := validateShape(c, in, e.now); r != ReasonNone {
		return nil, nil, r
	}
	switch in.spec.State {
	case Halted:
		return nil, nil, ReasonInstrumentHalted
	case Closed:
		return nil, nil, ReasonInstrumentClosed
	}
	return in, a, ReasonNone
}

// validateRisk checks the restricted list, the band and the risk limits.
func (e *Engine) validateRisk(c *Command, in *instrument, a *account) Reason {
	if a.restricted(in.spec.Symbol) {
		return ReasonRestricted
	}
	if c.Type == Limit || c.Type == StopLimit {
		if !in.withinBand(c.Price) {
			return ReasonOutsideBand
		}
	}
	if c.PostOnly {
		if best := in.side(c.Side.Opposite()).best; best != nil && crosses(c.Side, c.Price, best.price) {
			return ReasonPostOnlyWouldTake
		}
	}
	px := c.Price
	switch c.Type {
	case Market:
		px = in.refPrice()
	case Stop:
		px = c.StopPrice
	}
	if r := e.checkRisk(a, in, c.Side, px, c.Qty, c.Qty, c.Type == Market); r != ReasonNone {
		return r
	}
	// checkRisk has bounded the order at its limit (what may rest); what it
	// takes from the book as it arrives is checked fill by fill (match).
	return ReasonNone
}

// validateShape checks the fields of a new order that need no state beyond
// the instrument's definition.
func validateShape(c *Command, in *instrument, now int64) Reason {
	if c.Side != Buy && c.Side != Sell {
		return ReasonInvalidSide
	}
	if c.Type < Limit || c.Type > StopLimit {
		return ReasonInvalidType
	}
	if c.TIF < Day || c.TIF > FOK {
		return ReasonInvalidTIF
	}
	if c.Qty <= 0 || c.Qty > MaxQty {
		return ReasonInvalidQty
	}
	if c.Qty%in.spec.LotSize != 0 {
		return ReasonOffLot
	}
	hasLimit := c.Type == Limit || c.Type == StopLimit
	if hasLimit {
		if c.Price <= 0 || c.Price > MaxPrice {
			return ReasonInvalidPrice
		}
		if c.Price%in.spec.TickSize != 0 {
			return ReasonOffTick
		}
	} else if c.Price != 0 {
		return ReasonInvalidPrice
	}
	if c.Type == Stop || c.Type == StopLimit {
		if c.StopPrice <= 0 || c.StopPrice > MaxPrice || c.StopPrice%in.spec.TickSize != 0 {
			return ReasonInvalidStopPrice
		}
	} else if c.StopPrice != 0 {
		return ReasonInvalidStopPrice
	}
	if c.DisplayQty != 0 {
		if c.DisplayQty < 0 || c.DisplayQty >= c.Qty || c.DisplayQty%in.spec.LotSize != 0 || tooManySlices(c.DisplayQty, c.Qty) ||
			c.Type == Market || c.Type == Stop || c.TIF == IOC || c.TIF == FOK {
			return ReasonInvalidDisplay
		}
	}
	if c.Type == Market && (c.TIF == GTC || c.TIF == GTD) {
		// A market order never rests, so a time in force that promises it
		// can is refused. Day is accepted (FIX's default) and acts as IOC.
		return ReasonInvalidTIF
	}
	if c.PostOnly && (c.Type != Limit || c.TIF == IOC || c.TIF == FOK) {
		return ReasonInvalidTIF
	}
	if c.TIF == GTD {
		if c.ExpireTime <= now {
			return ReasonInvalidExpiry
		}
	} else if c.ExpireTime != 0 {
		return ReasonInvalidExpiry
	}
	return ReasonNone
}

// validClOrdID reports whether id is present and at most MaxIDLen bytes.
func validClOrdID(id string) bool { return id != "" && len(id) <= MaxIDLen }

func crosses(s Side, limit, px Price) bool {
	if s == Buy {
		return px <= limit
	}
	return px >= limit
}

func (e *Engine) newOrder(c *Command) {
	in, a, slot, reason := e.validateNew(c)
	if reason != ReasonNone {
		e.reject(c, reason)
		return
	}
	o := e.pool.get()
	*o = order{
		id: e.nextOrderID, acct: a, inst: in, clOrdID: c.ClOrdID, liveHash: slot.hash,
		side: c.Side, typ: c.Type, tif: c.TIF, price: c.Price, stopPx: c.StopPrice,
		qty: c.Qty, display: c.DisplayQty, leaves: c.Qty, expire: c.ExpireTime,
		prio: e.nextPrio, postOnly: c.PostOnly, status: StatusNew,
	}
	e.nextOrderID++
	e.nextPrio++
	e.clOrd.insert(slot, a.idx, c.ClOrdID, o.id)
	if o.pendingStop() {
		if e.stopTriggered(o) {
			e.emitOrder(EvAccepted, o, ReasonNone)
			e.trigger(o)
		} else {
			o.status = StatusPendingTrigger
			e.emitOrder(EvAccepted, o, ReasonNone)
			e.makeLive(o)
			e.register(o)
			e.addStop(o)
			return
		}
	} else {
		e.emitOrder(EvAccepted, o, ReasonNone)
	}
	e.execute(o)
	e.runStops(in)
}

// tooManySlices reports whether an iceberg of qty showing display would
// refresh more than MaxIcebergSlices times.
func tooManySlices(display, qty Qty) bool {
	return display > 0 && (qty+display-1)/display > MaxIcebergSlices
}
