package book

import (
	"cmp"
	"slices"
)

// lookup finds the order a cancel or replace addresses: by OrderID when set,
// otherwise by the account's OrigClOrdID. A finished order yields its done
// record; an order of another account is reported as unknown, so that
// accounts cannot probe each other's orders.
//
// Before it searches, it starts loading where the request's own ClOrdID
// will be looked up in the day's index and put in the live index
// (claimClOrdID), so that these cache misses overlap with the misses of the
// search instead of following them. It returns that hash (of the account
// and ClOrdID, zero if the ClOrdID is not valid) for claimClOrdID.
func (e *Engine) lookup(c *Command) (*order, *doneOrder, uint64, Reason) {
	a := e.accounts[c.Account]
	if a == nil {
		return nil, nil, 0, ReasonUnknownAccount
	}
	var ch uint64
	if validClOrdID(c.ClOrdID) {
		ch = clHash(a.idx, c.ClOrdID)
		e.clOrd.prefetch(ch)
		e.live.prefetch(ch)
	}
	id := c.OrderID
	if id == 0 {
		if c.OrigClOrdID == "" {
			return nil, nil, ch, ReasonUnknownOrder
		}
		// The current id of a live order: the warm, small index.
		h := clHash(a.idx, c.OrigClOrdID)
		if o := e.live.get(h, a.idx, c.OrigClOrdID); o != nil {
			return o, nil, ch, ReasonNone
		}
		var ok bool
		if id, ok = e.clOrd.getHashed(h, a.idx, c.OrigClOrdID); !ok {
			return nil, nil, ch, ReasonUnknownOrder
		}
	}
	if o := e.orders.get(id); o != nil {
		if o.acct != a {
			return nil, nil, ch, ReasonUnknownOrder
		}
		return o, nil, ch, ReasonNone
	}
	if d, ok := e.done.get(id); ok && int(d.acct) == a.idx {
		return nil, d, ch, ReasonTooLate
	}
	return nil, nil, ch, ReasonUnknownOrder
}

// cancelReject reports a refused cancel or replace.
func (e *Engine) cancelReject(c *Command, o *order, d *doneOrder, reason Reason) {
	ev := Event{Kind: EvCancelRejected, Reason: reason, Replace: c.Kind == CmdReplace}
	switch {
	case o != nil:
		ev.Order = o.state()
	case d != nil:
		ev.Order = e.doneStateNoKey(d) // the request's ids replace the order's below
	default:
		ev.Order = OrderState{ID: c.OrderID, Account: c.Account, Status: StatusRejected}
	}
	ev.Order.ClOrdID = c.ClOrdID
	ev.Order.OrigClOrdID = c.OrigClOrdID
	e.emit(ev)
}

// claimClOrdID records a cancel or replace request's client order id for the
// order, whose hash lookup returned as h. It reports false (and rejects) if
// the id is missing or in use.
func (e *Engine) claimClOrdID(c *Command, o *order, h uint64) bool {
	if !validClOrdID(c.ClOrdID) {
		e.cancelReject(c, o, nil, ReasonMissingClOrdID)
		return false
	}
	p, used := e.clOrd.probeHashed(h, o.acct.idx, c.ClOrdID)
	if used {
		e.cancelReject(c, o, nil, ReasonDuplicateClOrdID)
		return false
	}
	e.clOrd.insert(p, o.acct.idx, c.ClOrdID, o.id)
	if o.member {
		e.live.del(o)
	}
	o.origClOrdID = o.clOrdID
	o.clOrdID = c.ClOrdID
	o.liveHash = p.hash
	if o.member {
		e.live.put(o)
	}
	return true
}

func (e *Engine) cancel(c *Command) {
	o, d, h, reason := e.lookup(c)
	if o == nil {
		e.cancelReject(c, nil, d, reason)
		return
	}
	if !e.claimClOrdID(c, o, h) {
		return
	}
	e.finishWith(o, EvCanceled, StatusCanceled, ReasonUserCancel)
}

// replace changes an order's price, stop price and quantity. A quantity
// decrease at the same prices keeps time priority; any other change loses
// it, and a new limit price that crosses makes the order trade at once.
// Symbol, side, type and time in force are kept: a replace that names
// others is refused (replace_mismatch), since its prices were scaled for,
// or its intent was, another order.
func (e *Engine) replace(c *Command) {
	o, d, h, reason := e.lookup(c)
	if o == nil {
		e.cancelReject(c, nil, d, reason)
		return
	}
	if replaceMismatch(c, o) {
		e.cancelReject(c, o, nil, ReasonReplaceMismatch)
		return
	}
	in := o.inst
	newPx, newStop, newQty := o.price, o.stopPx, c.Qty
	if c.Price != 0 {
		newPx = c.Price
	}
	if c.StopPrice != 0 {
		newStop = c.StopPrice
	}
	if r := e.validateReplace(o, newPx, newStop, newQty); r != ReasonNone {
		e.cancelReject(c, o, nil, r)
		return
	}
	// A quantity decrease at the same prices only lowers the order's risk:
	// it is never refused by a limit, not even one tightened (or an
	// instrument restricted) since the order was accepted, so that a trader
	// can always shrink an order without losing its priority. Any other
	// change is checked as the order it makes.
	keep := newPx == o.price && newStop == o.stopPx && newQty <= o.qty
	if !keep && o.acct.restricted(in.spec.Symbol) {
		e.cancelReject(c, o, nil, ReasonRestricted)
		return
	}
	e.unregister(o)
	if !keep {
		px := newPx
		if o.typ == Stop {
			px = newStop
		}
		if r := e.checkRisk(o.acct, in, o.side, px, newQty, newQty-o.cum, false); r != ReasonNone {
			e.register(o)
			e.cancelReject(c, o, nil, r)
			return
		}
		// What has traded plus the rest at the new price must fit (a
		// live order that is not a pending stop is never a market order).
		if !o.pendingStop() && !in.boundFits(o.cumNotional, newPx, newQty-o.cum) {
			e.register(o)
			e.cancelReject(c, o, nil, ReasonNotionalOverflow)
			return
		}
	}
	if !e.claimClOrdID(c, o, h) {
		e.register(o)
		return
	}
	wasStop := o.pendingStop()
	if wasStop {
		e.removeStop(o)
	}
	o.qty, o.leaves = newQty, newQty-o.cum
	o.price, o.stopPx = newPx, newStop
	o.status = replacedStatus(o)
	switch {
	case wasStop:
		if !keep {
			o.prio = e.nextPrio
			e.nextPrio++
		}
		e.emitOrder(EvReplaced, o, ReasonNone)
		if e.stopTriggered(o) {
			e.trigger(o)
			e.execute(o)
			e.runStops(in)
			return
		}
		e.register(o)
		e.addStop(o)
	case keep:
		if v := min(o.visible, o.leaves); v != o.visible {
			o.lvl.total -= o.visible - v
			o.visible = v
			e.touch(in, o.side, o.lvl)
		}
		e.register(o)
		e.emitOrder(EvReplaced, o, ReasonNone)
	default:
		e.unrest(o)
		o.prio = e.nextPrio
		e.nextPrio++
		e.emitOrder(EvReplaced, o, ReasonNone)
		e.execute(o)
		e.runStops(in)
	}
}

// replaceMismatch reports whether a replace names a symbol, side, type or
// time in force (each when set) other than the order's.
func replaceMismatch(c *Command, o *order) bool {
	return (c.Symbol != "" && c.Symbol != o.inst.spec.Symbol) || (c.Side != 0 && c.Side != o.side) ||
		(c.Type != 0 && c.Type != o.typ) || (c.TIF != 0 && c.TIF != o.tif)
}

func replacedStatus(o *order) OrdStatus {
	if o.pendingStop() {
		return StatusPendingTrigger
	}
	if o.cum > 0 {
		return StatusPartiallyFilled
	}
	return StatusNew
}

func (e *Engine) validateReplace(o *order, px, stop Price, qty Qty) Reason {
	in := o.inst
	switch in.spec.State {
	case Halted:
		return ReasonInstrumentHalted
	case Closed:
		return ReasonInstrumentClosed
	}
	if qty <= 0 || qty > MaxQty {
		return ReasonInvalidQty
	}
	if qty%in.spec.LotSize != 0 {
		return ReasonOffLot
	}
	if qty <= o.cum {
		return ReasonInvalidQty
	}
	// An iceberg reduced to its display quantity or less shows all that is
	// left, as its last slice does; only a total that would make too many
	// slices is refused.
	if o.display > 0 && tooManySlices(o.display, qty) {
		return ReasonInvalidDisplay
	}
	if o.typ == Limit || o.typ == StopLimit {
		if px <= 0 || px > MaxPrice {
			return ReasonInvalidPrice
		}
		if px%in.spec.TickSize != 0 {
			return ReasonOffTick
		}
		if px != o.price && !in.withinBand(px) {
			return ReasonOutsideBand
		}
	} else if px != o.price {
		return ReasonUnsupportedReplace
	}
	if o.typ == Stop || o.typ == StopLimit {
		if !o.pendingStop() && stop != o.stopPx {
			return ReasonUnsupportedReplace
		}
		if stop <= 0 || stop > MaxPrice || stop%in.spec.TickSize != 0 {
			return ReasonInvalidStopPrice
		}
	}
	if o.postOnly && px != o.price {
		if best := in.side(o.side.Opposite()).best; best != nil && crosses(o.side, px, best.price) {
			return ReasonPostOnlyWouldTake
		}
	}
	return ReasonNone
}

// massCancel cancels every live order of an account, of an instrument, or
// of an account in an instrument; with neither, every live order. Orders are
// cancelled in the order they became live. An account's mass cancel with a
// ClOrdID it used for a mass cancel accepted today (among its last
// MaxMassCancelIDs) is refused (duplicate_clordid) and cancels nothing;
// one accepted is remembered (massLog).
func (e *Engine) massCancel(c *Command) {
	var a *account
	var in *instrument
	if c.Account != "" {
		if a = e.accounts[c.Account]; a == nil {
			e.reject(c, ReasonUnknownAccount)
			return
		}
	}
	if c.Symbol != "" {
		if in = e.instruments[c.Symbol]; in == nil {
			e.reject(c, ReasonUnknownInstrument)
			return
		}
	}
	if a != nil {
		if _, dup := a.masses.get(c.ClOrdID); dup {
			// A re-send (or a reuse) of a mass cancel already accepted:
			// doing it again would cancel the orders entered since.
			e.reject(c, ReasonDuplicateClOrdID)
			return
		}
	}
	victims := e.collect(a, in, func(*order) bool { return true })
	for _, o := range victims {
		e.finishWith(o, EvCanceled, StatusCanceled, ReasonMassCancel)
	}
	id := e.nextMass
	e.nextMass++
	e.emit(Event{Kind: EvMassCanceled, Count: len(victims), MassCancel: id,
		Order: OrderState{Account: c.Account, Symbol: c.Symbol, ClOrdID: c.ClOrdID}})
	e.rememberMass(a, in, c.ClOrdID, id, len(victims))
	e.scratch = victims[:0]
}

// collect gathers the live orders of a and/or in that keep accepts, in the
// order they became live, into the engine's scratch slice.
func (e *Engine) collect(a *account, in *instrument, keep func(*order) bool) []*order {
	out := e.scratch[:0]
	switch {
	case a != nil:
		for o := a.head; o != nil; o = o.aNext {
			if (in == nil || o.inst == in) && keep(o) {
				out = append(out, o)
			}
		}
	case in != nil:
		for o := in.head; o != nil; o = o.iNext {
			if keep(o) {
				out = append(out, o)
			}
		}
	default:
		for _, in := range e.instList {
			for o := in.head; o != nil; o = o.iNext {
				if keep(o) {
					out = append(out, o)
				}
			}
		}
	}
	// Orders from several instruments are put back in the order they became
	// live, so that the result does not depend on instrument order.
	if a == nil && in == nil {
		sortByLive(out)
	}
	return out
}

func sortByLive(os []*order) {
	slices.SortFunc(os, func(x, y *order) int { return cmp.Compare(x.liveSeq, y.liveSeq) })
}

// endOfDay expires Day orders, and stops pending with IOC or FOK (which
// are for the day: they cannot rest once triggered), of one instrument or
// of all. For all, it also
// resets the accounts' executed buy notional and forgets the day's finished
// orders, so client order ids of finished orders can be used again.
func (e *Engine) endOfDay(c *Command) {
	var in *instrument
	if c.Symbol != "" {
		if in = e.instruments[c.Symbol]; in == nil {
			e.reject(c, ReasonUnknownInstrument)
			return
		}
	}
	victims := e.collect(nil, in, func(o *order) bool { return o.tif == Day || o.tif == IOC || o.tif == FOK })
	for _, o := range victims {
		e.finishWith(o, EvExpired, StatusExpired, ReasonExpiredDay)
	}
	e.scratch = victims[:0]
	if in == nil {
		for _, a := range e.acctList {
			a.dayBuyNotional = 0
		}
		e.done.reset(e.nextOrderID)
		e.clOrd.reset()
		for _, a := range e.acctList {
			a.masses = nil // mass-cancel ClOrdIDs, like the orders', are for the day
		}
		for _, a := range e.acctList {
			for o := a.head; o != nil; o = o.aNext {
				e.clOrd.add(a.idx, o.clOrdID, o.id)
			}
		}
	}
	e.emit(Event{Kind: EvEndOfDay, Order: OrderState{Symbol: c.Symbol}})
}
