package book

import (
	"math"
	"math/bits"
)

// money converts price x qty into Money for instrument in, reporting false on
// overflow.
func (in *instrument) money(px Price, qty Qty) (Money, bool) {
	if px < 0 || qty < 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(uint64(px), uint64(qty))
	if hi != 0 {
		return 0, false
	}
	hi, lo = bits.Mul64(lo, uint64(in.spec.Multiplier))
	if hi != 0 {
		return 0, false
	}
	hi, lo = bits.Mul64(lo, uint64(in.scale))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	return Money(lo), true
}

// boundFits reports whether an order that has traded done (price units x
// qty) and may trade qty more at up to px has a notional that fits int64
// Money, and so in its price units x qty too: its cumulative notional, its
// position's and its account's executed notional cannot overflow for it.
func (in *instrument) boundFits(done int64, px Price, qty Qty) bool {
	if done < 0 || px < 0 || qty < 0 {
		return false
	}
	hi, lo := bits.Mul64(uint64(px), uint64(qty))
	if hi != 0 {
		return false
	}
	lo, carry := bits.Add64(lo, uint64(done), 0)
	if carry != 0 || lo > math.MaxInt64 {
		return false
	}
	_, ok := in.money(Price(lo), 1)
	return ok
}

// mustMoney is money for values already validated at order entry.
func (in *instrument) mustMoney(px Price, qty Qty) Money {
	m, ok := in.money(px, qty)
	if !ok {
		panic("book: notional overflow on a validated order")
	}
	return m
}

// withinBand reports whether px lies within the instrument's band around its
// reference price: |px - ref| * 10000 <= ref * bandBps, computed in 128 bits.
func (in *instrument) withinBand(px Price) bool {
	ref := in.refPrice()
	if in.spec.BandBps == 0 || ref <= 0 {
		return true
	}
	d := int64(px - ref)
	if d < 0 {
		d = -d
	}
	lh, ll := bits.Mul64(uint64(d), 10000)
	rh, rl := bits.Mul64(uint64(ref), uint64(in.spec.BandBps))
	return lh < rh || (lh == rh && ll <= rl)
}

// protection is the worst price a market order of side s may trade at now:
// the edge of the price band around the reference price (the last trade,
// else the configured one), so that a market order meeting a thin book
// stops at the band rather than sweeping every level (market order
// protection, as exchanges call it). It reports false when the
// instrument has no band or no reference price: the order is then
// unprotected, as a limit order without a band is.
func (in *instrument) protection(s Side) (Price, bool) {
	ref := in.refPrice()
	if in.spec.BandBps == 0 || ref <= 0 {
		return 0, false
	}
	// ref <= MaxPrice and BandBps <= MaxBandBps: the product fits in 128
	// bits and the quotient in 64.
	hi, lo := bits.Mul64(uint64(ref), uint64(in.spec.BandBps))
	off, _ := bits.Div64(hi, lo, 10000)
	if s == Buy {
		return Price(min(uint64(ref)+off, uint64(MaxPrice))), true
	}
	if off >= uint64(ref) {
		return 0, true
	}
	return ref - Price(off), true
}

// checkRisk runs the account's pre-trade limits for an order of total
// quantity qty, of which open is still to fill, at notional price px on
// side s: the order's own limits (maximum quantity and notional) bound qty,
// the account's (credit and position) count open. For a new order they are
// the same; for a replace, open is the new quantity less what has filled.
// It assumes the order itself is not registered.
func (e *Engine) checkRisk(a *account, in *instrument, s Side, px Price, qty, open Qty, market bool) Reason {
	lim := &a.spec
	if lim.MaxOrderQty > 0 && qty > lim.MaxOrderQty {
		return ReasonMaxOrderQty
	}
	needNotional := lim.MaxOrderNotional > 0 || (s == Buy && lim.CreditLimit > 0)
	if market && px <= 0 && needNotional {
		return ReasonNoReferencePrice
	}
	notional, ok := in.money(px, qty)
	if !ok {
		return ReasonNotionalOverflow
	}
	if lim.MaxOrderNotional > 0 && notional > lim.MaxOrderNotional {
		return ReasonMaxOrderNotional
	}
	if s == Buy {
		openNotional := notional
		if open != qty {
			openNotional = in.mustMoney(px, open) // open < qty: it fits
		}
		// The account's open buy notional is an exact sum (it is
		// subtracted again as orders fill or end), so it cannot saturate
		// as the executed totals do: an order that would take it past
		// 64 bits is refused, credit limit or not.
		if openNotional > math.MaxInt64-a.openBuyNotional {
			return ReasonNotionalOverflow
		}
		if lim.CreditLimit > 0 {
			used := a.creditUsed()
			if used > lim.CreditLimit || openNotional > lim.CreditLimit-used {
				return ReasonCreditLimit
			}
		}
	}
	if lim.MaxPosition > 0 {
		p := a.position(in)
		if s == Buy && p.net+p.openBuy+open > lim.MaxPosition {
			return ReasonPositionLimit
		}
		if s == Sell && -(p.net-p.openSell-open) > lim.MaxPosition {
			return ReasonPositionLimit
		}
	}
	return ReasonNone
}

// notionalLimited reports whether o's account has a limit on o's notional:
// a maximum order notional, or for a buy a credit limit.
func (e *Engine) notionalLimited(o *order) bool {
	lim := &o.acct.spec
	return lim.MaxOrderNotional > 0 || (o.side == Buy && lim.CreditLimit > 0)
}

// takerCapped reports whether o, as it takes from the book, must be
// stopped at its account's notional limits fill by fill: a market order,
// whose price was only estimated at entry, and a limit sell, which fills at
// its limit or higher, so that what it trades can be worth more than the
// notional checked at entry at its limit (a sell limited far below the
// bids would sweep them with no cap). A limit buy fills at its limit or
// lower, within what entry checked.
func (e *Engine) takerCapped(o *order) bool {
	return (o.effType() == Market || o.side == Sell) && e.notionalLimited(o)
}

// notionalRoom is how much more Money o may trade before it breaks its
// account's maximum order notional (counting o's fills so far) or, for a
// buy, its credit (open buys plus the day's executed buys, which include
// o's fills): the smaller of the two, and the reason of that limit. It is
// zero when a limit is already used up.
//
// REQUIRES: notionalLimited(o), and o not registered (a taker).
func (e *Engine) notionalRoom(o *order) (Money, Reason) {
	lim := &o.acct.spec
	room, reason := Money(math.MaxInt64), ReasonNone
	if o.side == Buy && lim.CreditLimit > 0 {
		room, reason = max(0, lim.CreditLimit-o.acct.creditUsed()), ReasonCreditLimit
	}
	if lim.MaxOrderNotional > 0 {
		done, ok := o.inst.money(Price(o.cumNotional), 1)
		r := Money(0)
		if ok && done < lim.MaxOrderNotional {
			r = lim.MaxOrderNotional - done
		}
		if r < room {
			room, reason = r, ReasonMaxOrderNotional
		}
	}
	return room, reason
}

// lotsWithin returns the largest quantity, in whole lots, whose notional at
// px is at most room.
func (in *instrument) lotsWithin(px Price, room Money) Qty {
	unit, ok := in.money(px, in.spec.LotSize)
	if !ok || unit <= 0 {
		return 0
	}
	n := room / unit
	if n >= Money(MaxQty) {
		return MaxQty
	}
	return Qty(n) * in.spec.LotSize
}

// satAdd adds two non-negative amounts, saturating at the int64 maximum: a
// running total across orders (a position's notional, the day's executed
// buys) is bounded per order but not across them, and must never wrap
// negative.
func satAdd[T ~int64](a, b T) T {
	if s := a + b; s >= a {
		return s
	}
	return math.MaxInt64
}

// creditUsed is the account's open plus executed buy notional, saturated.
func (a *account) creditUsed() Money { return satAdd(a.openBuyNotional, a.dayBuyNotional) }

// register counts o's leaves against its account's open limits.
func (e *Engine) register(o *order) {
	if o.registered {
		panic("book: INVARIANT order registered twice")
	}
	o.registered = true
	p := o.acct.position(o.inst)
	if o.side == Buy {
		p.openBuy += o.leaves
		o.acct.openBuyNotional += o.inst.mustMoney(o.regPx(), o.leaves)
	} else {
		p.openSell += o.leaves
	}
}

func (e *Engine) unregister(o *order) {
	if !o.registered {
		return
	}
	o.registered = false
	p := o.acct.position(o.inst)
	if o.side == Buy {
		p.openBuy -= o.leaves
		o.acct.openBuyNotional -= o.inst.mustMoney(o.regPx(), o.leaves)
	} else {
		p.openSell -= o.leaves
	}
}

// onFill books a fill of q at px for o: position, executed notional and, for
// a registered (resting) order, the release of that much open quantity.
func (e *Engine) onFill(o *order, px Price, q Qty) {
	p := o.acct.position(o.inst)
	n := int64(px) * int64(q)
	if o.side == Buy {
		p.net += q
		p.bought += q
		p.buyNotional = satAdd(p.buyNotional, n)
		o.acct.dayBuyNotional = satAdd(o.acct.dayBuyNotional, o.inst.mustMoney(px, q))
		if o.registered {
			p.openBuy -= q
			o.acct.openBuyNotional -= o.inst.mustMoney(o.regPx(), q)
		}
	} else {
		p.net -= q
		p.sold += q
		p.sellNotional = satAdd(p.sellNotional, n)
		if o.registered {
			p.openSell -= q
		}
	}
}
