package book

import "math"

// execute runs an accepted, live-able order against the book: FOK check,
// matching, then resting or cancelling what is left.
func (e *Engine) execute(o *order) {
	if o.tif == FOK && !e.fokFillable(o) {
		e.finishWith(o, EvCanceled, StatusCanceled, ReasonFOKUnfillable)
		return
	}
	switch r := e.match(o); r {
	case ReasonNone:
	case ReasonSelfTrade:
		return // cancelled by self-trade prevention
	default:
		// Stopped by a limit: the rest is cancelled, whatever the type.
		e.finishWith(o, EvCanceled, StatusCanceled, r)
		return
	}
	switch {
	case o.leaves == 0:
		e.finishFilled(o)
	case o.effType() == Market:
		e.finishWith(o, EvCanceled, StatusCanceled, ReasonNoLiquidity)
	case o.tif == IOC || o.tif == FOK:
		e.finishWith(o, EvCanceled, StatusCanceled, ReasonIOCRemainder)
	default:
		e.rest(o)
	}
}

// match trades o against the opposite side while it crosses. It returns
// ReasonSelfTrade if o was cancelled by self-trade prevention;
// ReasonCreditLimit or ReasonMaxOrderNotional if the next fill of a market
// order or a limit sell would break that limit (see takerCapped);
// ReasonOutsideBand if a market order's next level is past its protection
// price (the band's edge when it arrived or was triggered); and ReasonNotionalOverflow if o's next fill would
// take its notional past 64 bits (o is then still live: the caller cancels
// the rest).
func (e *Engine) match(o *order) Reason {
	opp := o.inst.side(o.side.Opposite())
	market := o.effType() == Market
	capped := e.takerCapped(o)
	var guard Price
	protected := false
	if market {
		guard, protected = o.inst.protection(o.side)
	}
	for o.leaves > 0 {
		l := opp.best
		if l == nil || (!market && !crosses(o.side, o.price, l.price)) {
			return ReasonNone
		}
		if protected && !crosses(o.side, guard, l.price) {
			return ReasonOutsideBand
		}
		m := l.head
		if m.acct == o.acct {
			switch o.acct.spec.STP {
			case CancelResting:
				e.finishWith(m, EvCanceled, StatusCanceled, ReasonSelfTrade)
				continue
			case CancelBoth:
				e.finishWith(m, EvCanceled, StatusCanceled, ReasonSelfTrade)
			}
			e.finishWith(o, EvCanceled, StatusCanceled, ReasonSelfTrade)
			return ReasonSelfTrade
		}
		q := min(o.leaves, m.visible)
		if !o.inst.boundFits(o.cumNotional, l.price, q) {
			return ReasonNotionalOverflow
		}
		if capped {
			room, r := e.notionalRoom(o)
			if fit := o.inst.lotsWithin(l.price, room); fit < q {
				if fit > 0 {
					e.fill(o, m, l, fit)
				}
				return r
			}
		}
		e.fill(o, m, l, q)
	}
	return ReasonNone
}

// fill trades q between taker o and maker m, the head of level l, at l's
// price: the maker's price.
func (e *Engine) fill(o, m *order, l *level, q Qty) {
	px := l.price
	in := o.inst
	o.cum += q
	o.leaves -= q
	o.cumNotional += int64(px) * int64(q)
	e.onFill(o, px, q)
	e.onFill(m, px, q)
	m.cum += q
	m.leaves -= q
	m.visible -= q
	m.cumNotional += int64(px) * int64(q)
	l.total -= q
	o.status = fillStatus(o)
	m.status = fillStatus(m)
	if !in.hasLast || px > in.hi {
		in.hi = px
	}
	if !in.hasLast || px < in.lo {
		in.lo = px
	}
	in.last, in.hasLast = px, true
	e.touch(in, m.side, l)

	ev := e.next()
	ev.Kind = EvTrade
	ev.ExecID = e.execID()
	ev.MakerExecID = e.execID()
	ev.LastQty, ev.LastPx, ev.TradeID = q, px, e.nextTradeID
	o.stateTo(&ev.Order)
	m.stateTo(&ev.Maker)
	e.nextTradeID++

	if m.visible > 0 {
		return
	}
	if m.leaves > 0 {
		// Iceberg refresh: a new slice is displayed at the back of the queue.
		l.remove(m)
		m.visible = min(m.display, m.leaves)
		m.prio = e.nextPrio
		e.nextPrio++
		l.push(m)
		return
	}
	e.finishFilled(m)
}

func fillStatus(o *order) OrdStatus {
	if o.leaves == 0 {
		return StatusFilled
	}
	return StatusPartiallyFilled
}

// fokFillable reports whether a fill-or-kill order can fill completely right
// now without being stopped by self-trade prevention, by a notional past 64
// bits or, for a market order or a limit sell, by its account's notional
// limits, or for a market order by its protection price. At each level the aggressor
// meets displayed quantities in queue order, then the hidden remainders of
// icebergs; a same-account order reached while quantity is still needed
// stops it unless the account cancels resting orders.
func (e *Engine) fokFillable(o *order) bool {
	need := o.leaves
	market := o.effType() == Market
	capped := e.takerCapped(o)
	var guard Price
	protected := false
	if market {
		guard, protected = o.inst.protection(o.side)
	}
	var room Money
	if capped {
		room, _ = e.notionalRoom(o)
	}
	ok := false
	notional := o.cumNotional // price units x qty, as fill keeps it
	cancelResting := o.acct.spec.STP == CancelResting
	o.inst.side(o.side.Opposite()).scan(func(l *level) bool {
		if (!market && !crosses(o.side, o.price, l.price)) || (protected && !crosses(o.side, guard, l.price)) {
			return false
		}
		var hidden, took Qty
		done := false
		for m := l.head; m != nil && !done; m = m.next {
			if m.acct == o.acct {
				if !cancelResting {
					return false
				}
				continue
			}
			v := min(m.visible, need)
			took += v
			need -= v
			done = need == 0
			hidden += m.leaves - m.visible
		}
		if !done {
			h := min(hidden, need)
			took += h
			need -= h
			done = need == 0
		}
		if !o.inst.boundFits(notional, l.price, took) {
			return false
		}
		notional += int64(l.price) * int64(took)
		if capped {
			spent, fits := o.inst.money(l.price, took)
			if !fits || spent > room {
				return false
			}
			room -= spent
		}
		ok = done
		return !done
	})
	return ok
}

// rest puts o on its level at the back of the queue and makes it live.
func (e *Engine) rest(o *order) {
	o.visible = o.leaves
	if o.display > 0 && o.display < o.leaves {
		o.visible = o.display
	}
	if !o.member {
		e.makeLive(o)
	}
	e.register(o)
	l := o.inst.side(o.side).getOrCreate(o.price)
	l.push(o)
	e.touch(o.inst, o.side, l)
}

// unrest takes a resting order off its level.
func (e *Engine) unrest(o *order) {
	if o.lvl == nil {
		return
	}
	l := o.lvl
	s := o.inst.side(o.side)
	l.remove(o)
	o.visible = 0
	e.touch(o.inst, o.side, l)
	if l.count == 0 {
		s.drop(l)
	}
}

// makeLive adds o to the live index, its account's and instrument's lists
// and, for GTD, the expiry tree.
func (e *Engine) makeLive(o *order) {
	o.member = true
	o.liveSeq = e.nextLive
	e.nextLive++
	e.orders.put(o)
	e.live.put(o)
	a, in := o.acct, o.inst
	o.aPrev = a.tail
	if a.tail != nil {
		a.tail.aNext = o
	} else {
		a.head = o
	}
	a.tail = o
	o.iPrev = in.tail
	if in.tail != nil {
		in.tail.iNext = o
	} else {
		in.head = o
	}
	in.tail = o
	if o.tif == GTD {
		e.gtd.Set(o)
		e.gtdMin = min(e.gtdMin, o.expire)
	}
}

func (e *Engine) dropLive(o *order) {
	if !o.member {
		return
	}
	o.member = false
	e.orders.del(o.id)
	e.live.del(o)
	a, in := o.acct, o.inst
	if o.aPrev != nil {
		o.aPrev.aNext = o.aNext
	} else {
		a.head = o.aNext
	}
	if o.aNext != nil {
		o.aNext.aPrev = o.aPrev
	} else {
		a.tail = o.aPrev
	}
	if o.iPrev != nil {
		o.iPrev.iNext = o.iNext
	} else {
		in.head = o.iNext
	}
	if o.iNext != nil {
		o.iNext.iPrev = o.iPrev
	} else {
		in.tail = o.iPrev
	}
	o.aPrev, o.aNext, o.iPrev, o.iNext = nil, nil, nil, nil
	if o.tif == GTD {
		e.gtd.Delete(o)
		if o.expire == e.gtdMin {
			e.gtdMin = math.MaxInt64
			if m, ok := e.gtd.Min(); ok {
				e.gtdMin = m.expire
			}
		}
	}
}

func (e *Engine) finishFilled(o *order) {
	o.status = StatusFilled
	e.retire(o)
}

// finishWith ends o with an event of the given kind (cancelled, expired) and
// retires it.
func (e *Engine) finishWith(o *order, kind EventKind, st OrdStatus, reason Reason) {
	e.unregister(o)
	e.unrest(o)
	e.removeStop(o)
	o.status = st
	o.leaves = 0
	e.emitOrder(kind, o, reason)
	e.retire(o)
}

// retire removes a finished order from every structure, remembers it until
// the end of the day and returns it to the pool.
func (e *Engine) retire(o *order) {
	e.unregister(o)
	e.unrest(o)
	e.removeStop(o)
	e.dropLive(o)
	e.done.put(doneOrder{
		id: o.id, acct: int32(o.acct.idx), inst: int32(o.inst.idx), key: e.done.keys.put(o.clOrdID),
		side: o.side, typ: o.typ, tif: o.tif, price: o.price, qty: o.qty, cum: o.cum, cumNotional: o.cumNotional,
		status: o.status,
	})
	e.pool.put(o)
}
