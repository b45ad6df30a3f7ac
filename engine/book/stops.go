package book

// Stop orders are triggered by the trade prices: a buy stop when a price
// printed since the stops last ran is at or above its stop price (the
// highest, instrument.hi), a sell stop when one is at or below (the lowest,
// instrument.lo). A sweep that trades through a stop's price and back
// triggers it, though the last price is back on the other side. Between
// commands the range is just the last price, so a stop whose condition
// already holds on the last price when it arrives triggers at once.
//
// Order of firing. After each order's matching, triggered stops fire one at a
// time, each running to completion (its trades can trigger more: a cascade)
// before the next is chosen. The next is always the first triggered stop in
// this order: buy stops before sell stops; buy stops by lowest stop price,
// sell stops by highest stop price; equal stop prices by time of entry.

func (e *Engine) stopTriggered(o *order) bool {
	in := o.inst
	if !in.hasLast {
		return false
	}
	if o.side == Buy {
		return in.hi >= o.stopPx
	}
	return in.lo <= o.stopPx
}

func (e *Engine) addStop(o *order) {
	if o.side == Buy {
		o.inst.buyStops.Set(o)
	} else {
		o.inst.sellStops.Set(o)
	}
}

func (e *Engine) removeStop(o *order) {
	if !o.pendingStop() || !o.member {
		return
	}
	if o.side == Buy {
		o.inst.buyStops.Delete(o)
	} else {
		o.inst.sellStops.Delete(o)
	}
}

// trigger turns a stop into a live market or limit order and reports it.
// The caller executes it.
func (e *Engine) trigger(o *order) {
	o.triggered = true
	o.status = StatusNew
	o.prio = e.nextPrio
	e.nextPrio++
	e.emitOrder(EvTriggered, o, ReasonNone)
}

// nextTriggered returns the next stop to fire, if any.
func (e *Engine) nextTriggered(in *instrument) *order {
	if !in.hasLast || in.spec.State != Open {
		return nil
	}
	if o, ok := in.buyStops.Min(); ok && in.hi >= o.stopPx {
		return o
	}
	if o, ok := in.sellStops.Min(); ok && in.lo <= o.stopPx {
		return o
	}
	return nil
}

// runStops fires triggered stops until none is left, then forgets the
// prices printed: the range is the last price again.
func (e *Engine) runStops(in *instrument) {
	for {
		o := e.nextTriggered(in)
		if o == nil {
			in.hi, in.lo = in.last, in.last
			return
		}
		e.removeStop(o)
		e.unregister(o)
		e.trigger(o)
		e.execute(o)
	}
}
