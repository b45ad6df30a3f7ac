package book

import (
	"fmt"
	"math"
)

// CheckInvariants verifies the engine's structural invariants and returns
// the first violation. It walks everything, so it is for tests and for
// -tags invariants builds, not for production hot paths:
//   - no book is crossed after matching;
//   - each level's total and count equal the sums over its queue;
//   - the live indexes (by id and by client order id), the day's client order
//     id index, the account and instrument lists and the book agree;
//   - quantity is conserved: qty = cum + leaves, visible <= leaves;
//   - open quantities and notional equal the sums over registered orders;
//   - each account's mass-cancel memory is consistent and bounded.
func (e *Engine) CheckInvariants() error {
	seen := 0
	openBuy := make(map[*account]Money)
	type ai struct {
		a *account
		i *instrument
	}
	openQty := make(map[ai][2]Qty)
	for _, in := range e.instList {
		if in.hasLast && (in.hi != in.last || in.lo != in.last) {
			return fmt.Errorf("book: INVARIANT %s printed range %d..%d not reset to last %d", in.spec.Symbol, in.lo, in.hi, in.last)
		}
		if b, a := in.bids.best, in.asks.best; b != nil && a != nil && b.price >= a.price {
			return fmt.Errorf("book: INVARIANT %s crossed: bid %d >= ask %d", in.spec.Symbol, b.price, a.price)
		}
		for _, s := range []*bookSide{in.bids, in.asks} {
			if err := checkSide(in, s); err != nil {
				return err
			}
		}
		var prev *order
		for o := in.head; o != nil; o = o.iNext {
			seen++
			if e.orders.get(o.id) != o || !o.member || o.iPrev != prev {
				return fmt.Errorf("book: INVARIANT order %d: live index and instrument list disagree", o.id)
			}
			if o.liveHash != clHash(o.acct.idx, o.clOrdID) || e.live.get(o.liveHash, o.acct.idx, o.clOrdID) != o {
				return fmt.Errorf("book: INVARIANT order %d: not in the live client order id index under %q", o.id, o.clOrdID)
			}
			if id, ok := e.clOrd.get(o.acct.idx, o.clOrdID); !ok || id != o.id {
				return fmt.Errorf("book: INVARIANT order %d: client order id %q not in the day index", o.id, o.clOrdID)
			}
			if o.cum+o.leaves != o.qty || o.leaves <= 0 || o.visible > o.leaves || o.visible < 0 {
				return fmt.Errorf("book: INVARIANT order %d: qty %d cum %d leaves %d visible %d", o.id, o.qty, o.cum, o.leaves, o.visible)
			}
			if o.pendingStop() == (o.lvl != nil) {
				return fmt.Errorf("book: INVARIANT order %d: pending stop %v but resting %v", o.id, o.pendingStop(), o.lvl != nil)
			}
			if !o.registered {
				return fmt.Errorf("book: INVARIANT live order %d not registered", o.id)
			}
			k := ai{o.acct, in}
			q := openQty[k]
			if o.side == Buy {
				openBuy[o.acct] += in.mustMoney(o.regPx(), o.leaves)
				q[0] += o.leaves
			} else {
				q[1] += o.leaves
			}
			openQty[k] = q
			prev = o
		}
	}
	want := int64(math.MaxInt64)
	if m, ok := e.gtd.Min(); ok {
		want = m.expire
	}
	if e.gtdMin != want {
		return fmt.Errorf("book: INVARIANT cached earliest GTD expiry %d, tree says %d", e.gtdMin, want)
	}
	if seen != e.orders.len() || seen != e.live.n {
		return fmt.Errorf("book: INVARIANT %d live orders in lists, %d in index, %d by client order id", seen, e.orders.len(), e.live.n)
	}
	for _, a := range e.acctList {
		if !a.masses.check() {
			return fmt.Errorf("book: INVARIANT account %s mass-cancel memory inconsistent", a.spec.ID)
		}
		var bad error
		a.masses.each(func(m *massRecord) {
			if bad == nil && (m.id == 0 || m.id >= e.nextMass) {
				bad = fmt.Errorf("book: INVARIANT account %s mass cancel %q has id %d, next %d", a.spec.ID, m.clOrdID, m.id, e.nextMass)
			}
		})
		if bad != nil {
			return bad
		}
		if a.openBuyNotional != openBuy[a] {
			return fmt.Errorf("book: INVARIANT account %s open buy notional %d, orders sum %d", a.spec.ID, a.openBuyNotional, openBuy[a])
		}
		for i, p := range a.pos {
			q := openQty[ai{a, e.instList[i]}]
			if p.openBuy != q[0] || p.openSell != q[1] {
				return fmt.Errorf("book: INVARIANT account %s %s open %d/%d, orders sum %d/%d",
					a.spec.ID, e.instList[i].spec.Symbol, p.openBuy, p.openSell, q[0], q[1])
			}
		}
	}
	return nil
}

func checkSide(in *instrument, s *bookSide) error {
	var err error
	n := 0
	var prev *level
	s.scan(func(l *level) bool {
		n++
		if s.byPrice[l.price] != l {
			err = fmt.Errorf("book: INVARIANT %s level %d missing from price map", in.spec.Symbol, l.price)
			return false
		}
		if prev == nil && s.best != l {
			err = fmt.Errorf("book: INVARIANT %s best level cache stale", in.spec.Symbol)
			return false
		}
		var total Qty
		count := 0
		for o := l.head; o != nil; o = o.next {
			if o.lvl != l || o.side != s.side || o.price != l.price || o.visible <= 0 {
				err = fmt.Errorf("book: INVARIANT %s order %d misplaced at level %d", in.spec.Symbol, o.id, l.price)
				return false
			}
			total += o.visible
			count++
		}
		if total != l.total || count != l.count || count == 0 {
			err = fmt.Errorf("book: INVARIANT %s level %d total %d count %d, queue sums %d/%d",
				in.spec.Symbol, l.price, l.total, l.count, total, count)
			return false
		}
		prev = l
		return true
	})
	if err == nil && n != len(s.byPrice) {
		err = fmt.Errorf("book: INVARIANT %s %d levels in tree, %d in map", in.spec.Symbol, n, len(s.byPrice))
	}
	if err == nil && n == 0 && s.best != nil {
		err = fmt.Errorf("book: INVARIANT %s best level set on empty side", in.spec.Symbol)
	}
	return err
}
