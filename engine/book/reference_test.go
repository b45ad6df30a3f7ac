package book_test

import (
	"github.com/ordercore/oms/engine/book"
)

// refEngine is a deliberately simple matcher used to check the real one: the
// live orders are one slice, every decision is a linear scan, and fill-or-kill
// is decided by running the match on a copy of the state. It covers one
// instrument (tick 1, lot 1, no band) and accounts without limits: the part
// of the engine where the clever data structures are.
type refEngine struct {
	sym      string
	stp      map[string]book.STPMode
	orders   []refOrder // live: resting and pending stops
	clOrd    map[string]book.OrderID
	done     map[book.OrderID]book.OrderState
	nextID   book.OrderID
	nextExec book.ExecID
	nextTr   uint64
	nextPrio uint64
	nextLive uint64
	nextMass uint64
	// masses lists each account's accepted mass cancels' ClOrdIDs today,
	// oldest first, at most book.MaxMassCancelIDs.
	masses  map[string][]string
	last    book.Price
	hasLast bool
	hi, lo  book.Price // the highest and lowest prints since the stops ran
	out     []book.Event
	silent  bool // simulation: emit nothing
	aborted bool // simulation: stopped by self-trade prevention
}

type refOrder struct {
	st      book.OrderState
	visible book.Qty
	prio    uint64
	live    uint64
	trig    bool
	resting bool
}

func newRef(sym string, stp map[string]book.STPMode) *refEngine {
	return &refEngine{sym: sym, stp: stp, clOrd: map[string]book.OrderID{}, done: map[book.OrderID]book.OrderState{},
		nextID: 1, nextExec: 1, nextTr: 1, nextPrio: 1, nextLive: 1, nextMass: 1, masses: map[string][]string{}}
}

func (r *refEngine) clone() *refEngine {
	c := *r
	c.orders = append([]refOrder(nil), r.orders...)
	c.out, c.silent = nil, true
	return &c
}

func (r *refEngine) emit(ev book.Event) {
	if r.silent {
		return
	}
	if ev.Kind != book.EvTrade && ev.Kind != book.EvCancelRejected && ev.Kind != book.EvMassCanceled && ev.Kind != book.EvEndOfDay {
		ev.ExecID = r.exec()
	}
	r.out = append(r.out, ev)
}

func (r *refEngine) exec() book.ExecID { r.nextExec++; return r.nextExec - 1 }

func pending(o *refOrder) bool {
	return (o.st.Type == book.Stop || o.st.Type == book.StopLimit) && !o.trig
}

func isMarket(o *refOrder) bool {
	return o.st.Type == book.Market || (o.st.Type == book.Stop && o.trig)
}

func (r *refEngine) find(id book.OrderID) int {
	for i := range r.orders {
		if r.orders[i].st.ID == id {
			return i
		}
	}
	return -1
}

// best returns the index of the resting order o meets first, or -1.
func (r *refEngine) best(o *refOrder) int {
	bi := -1
	for i := range r.orders {
		m := &r.orders[i]
		if !m.resting || m.st.Side == o.st.Side {
			continue
		}
		if !isMarket(o) && !crossesRef(o.st.Side, o.st.Price, m.st.Price) {
			continue
		}
		if bi < 0 {
			bi = i
			continue
		}
		b := &r.orders[bi]
		better := m.st.Price < b.st.Price
		if m.st.Side == book.Buy {
			better = m.st.Price > b.st.Price
		}
		if better || (m.st.Price == b.st.Price && m.prio < b.prio) {
			bi = i
		}
	}
	return bi
}

func crossesRef(s book.Side, limit, px book.Price) bool {
	if s == book.Buy {
		return px <= limit
	}
	return px >= limit
}

func (r *refEngine) retire(st book.OrderState) {
	if !r.silent {
		r.done[st.ID] = book.OrderState{ID: st.ID, Account: st.Account, Symbol: st.Symbol, ClOrdID: st.ClOrdID,
			Side: st.Side, Type: st.Type, TIF: st.TIF, Price: st.Price, Qty: st.Qty, CumQty: st.CumQty,
			CumNotional: st.CumNotional, Status: st.Status}
	}
}

// finish ends the live order at index i with an event.
func (r *refEngine) finish(i int, kind book.EventKind, st book.OrdStatus, reason book.Reason) {
	o := r.orders[i]
	r.orders = append(r.orders[:i], r.orders[i+1:]...)
	r.finishTaker(&o, kind, st, reason)
}

// finishTaker ends an order that is not in the live slice. A fill ends
// silently: its last trade already reported it.
func (r *refEngine) finishTaker(o *refOrder, kind book.EventKind, st book.OrdStatus, reason book.Reason) {
	o.st.Status = st
	if st != book.StatusFilled {
		o.st.LeavesQty = 0
		r.emit(book.Event{Kind: kind, Order: o.st, Reason: reason})
	}
	r.retire(o.st)
}

func status(st *book.OrderState) book.OrdStatus {
	if st.LeavesQty == 0 {
		return book.StatusFilled
	}
	if st.CumQty > 0 {
		return book.StatusPartiallyFilled
	}
	return book.StatusNew
}

// match trades the taker o (not in the slice) and reports false if
// self-trade prevention cancelled it.
func (r *refEngine) match(o *refOrder) bool {
	for o.st.LeavesQty > 0 {
		i := r.best(o)
		if i < 0 {
			return true
		}
		m := &r.orders[i]
		if m.st.Account == o.st.Account {
			mode := r.stp[o.st.Account]
			if mode == book.CancelResting || mode == book.CancelBoth {
				r.finish(i, book.EvCanceled, book.StatusCanceled, book.ReasonSelfTrade)
			}
			if mode == book.CancelResting {
				continue
			}
			r.finishTaker(o, book.EvCanceled, book.StatusCanceled, book.ReasonSelfTrade)
			return false
		}
		q := min(o.st.LeavesQty, m.visible)
		px := m.st.Price
		for _, st := range []*book.OrderState{&o.st, &m.st} {
			st.CumQty += q
			st.LeavesQty -= q
			st.CumNotional += int64(px) * int64(q)
			st.Status = status(st)
		}
		m.visible -= q
		if !r.hasLast || px > r.hi {
			r.hi = px
		}
		if !r.hasLast || px < r.lo {
			r.lo = px
		}
		r.last, r.hasLast = px, true
		ev := book.Event{Kind: book.EvTrade, Order: o.st, Maker: m.st, LastQty: q, LastPx: px, TradeID: r.nextTr}
		if !r.silent {
			ev.ExecID = r.exec()
			ev.MakerExecID = r.exec()
		}
		r.nextTr++
		r.emit(ev)
		if m.visible == 0 {
			if m.st.LeavesQty > 0 {
				m.visible = min(m.st.DisplayQty, m.st.LeavesQty)
				m.prio = r.nextPrio
				r.nextPrio++
			} else {
				st := m.st
				r.orders = append(r.orders[:i], r.orders[i+1:]...)
				r.retire(st)
			}
		}
	}
	return true
}

// execute runs an order that is not in the live slice: new, triggered or
// re-priced.
func (r *refEngine) execute(o refOrder) {
	if o.st.TIF == book.FOK {
		probe := o
		if sim := r.clone(); !sim.match(&probe) || probe.st.LeavesQty > 0 {
			r.finishTaker(&o, book.EvCanceled, book.StatusCanceled, book.ReasonFOKUnfillable)
			return
		}
	}
	if !r.match(&o) {
		return
	}
	switch {
	case o.st.LeavesQty == 0:
		r.finishTaker(&o, 0, book.StatusFilled, 0)
	case isMarket(&o):
		r.finishTaker(&o, book.EvCanceled, book.StatusCanceled, book.ReasonNoLiquidity)
	case o.st.TIF == book.IOC || o.st.TIF == book.FOK:
		r.finishTaker(&o, book.EvCanceled, book.StatusCanceled, book.ReasonIOCRemainder)
	default:
		o.visible = o.st.LeavesQty
		if o.st.DisplayQty > 0 {
			o.visible = min(o.st.DisplayQty, o.st.LeavesQty)
		}
		o.resting = true
		r.addLive(o)
	}
}

func (r *refEngine) addLive(o refOrder) {
	if o.live == 0 {
		o.live = r.nextLive
		r.nextLive++
	}
	r.orders = append(r.orders, o)
}

func (r *refEngine) triggered(o *refOrder) bool {
	if !r.hasLast {
		return false
	}
	if o.st.Side == book.Buy {
		return r.hi >= o.st.StopPrice
	}
	return r.lo <= o.st.StopPrice
}

func (r *refEngine) trigger(o *refOrder) {
	o.trig = true
	o.st.Status = book.StatusNew
	o.prio = r.nextPrio
	r.nextPrio++
	r.emit(book.Event{Kind: book.EvTriggered, Order: o.st})
}

func (r *refEngine) runStops() {
	for r.hasLast {
		pick := -1
		for _, side := range []book.Side{book.Buy, book.Sell} {
			for i := range r.orders {
				o := &r.orders[i]
				if !pending(o) || o.st.Side != side || !r.triggered(o) {
					continue
				}
				if pick < 0 {
					pick = i
					continue
				}
				p := &r.orders[pick]
				better := o.st.StopPrice < p.st.StopPrice
				if side == book.Sell {
					better = o.st.StopPrice > p.st.StopPrice
				}
				if better || (o.st.StopPrice == p.st.StopPrice && o.prio < p.prio) {
					pick = i
				}
			}
			if pick >= 0 {
				break
			}
		}
		if pick < 0 {
			r.hi, r.lo = r.last, r.last
			return
		}
		o := r.orders[pick]
		r.orders = append(r.orders[:pick], r.orders[pick+1:]...)
		r.trigger(&o)
		r.execute(o)
	}
}

func key(acct, cl string) string { return acct + "\x00" + cl }

func (r *refEngine) reject(c *book.Command, reason book.Reason) {
	r.emit(book.Event{Kind: book.EvRejected, Reason: reason, Order: book.OrderState{
		Account: c.Account, Symbol: c.Symbol, ClOrdID: c.ClOrdID, Side: c.Side, Type: c.Type, TIF: c.TIF,
		Price: c.Price, StopPrice: c.StopPrice, Qty: c.Qty, DisplayQty: c.DisplayQty, PostOnly: c.PostOnly,
		ExpireTime: c.ExpireTime, Status: book.StatusRejected}})
}

func (r *refEngine) newOrder(c *book.Command) {
	if _, dup := r.clOrd[key(c.Account, c.ClOrdID)]; dup {
		r.reject(c, book.ReasonDuplicateClOrdID)
		return
	}
	if c.PostOnly {
		probe := refOrder{st: book.OrderState{Side: c.Side, Price: c.Price, Type: book.Limit}}
		if r.best(&probe) >= 0 {
			r.reject(c, book.ReasonPostOnlyWouldTake)
			return
		}
	}
	o := refOrder{st: book.OrderState{ID: r.nextID, Account: c.Account, Symbol: c.Symbol, ClOrdID: c.ClOrdID,
		Side: c.Side, Type: c.Type, TIF: c.TIF, Price: c.Price, StopPrice: c.StopPrice, Qty: c.Qty,
		DisplayQty: c.DisplayQty, LeavesQty: c.Qty, Status: book.StatusNew, PostOnly: c.PostOnly,
		ExpireTime: c.ExpireTime}, prio: r.nextPrio}
	r.nextID++
	r.nextPrio++
	r.clOrd[key(c.Account, c.ClOrdID)] = o.st.ID
	if pending(&o) {
		if !r.triggered(&o) {
			o.st.Status = book.StatusPendingTrigger
			r.emit(book.Event{Kind: book.EvAccepted, Order: o.st})
			r.addLive(o)
			return
		}
		r.emit(book.Event{Kind: book.EvAccepted, Order: o.st})
		r.trigger(&o)
	} else {
		r.emit(book.Event{Kind: book.EvAccepted, Order: o.st})
	}
	r.execute(o)
	r.runStops()
}

// lookup returns the live index, or the reason and done state.
func (r *refEngine) lookup(c *book.Command) (int, book.OrderState, book.Reason) {
	id := c.OrderID
	if id == 0 {
		var ok bool
		if id, ok = r.clOrd[key(c.Account, c.OrigClOrdID)]; !ok || c.OrigClOrdID == "" {
			return -1, book.OrderState{}, book.ReasonUnknownOrder
		}
	}
	if i := r.find(id); i >= 0 && r.orders[i].st.Account == c.Account {
		return i, book.OrderState{}, book.ReasonNone
	}
	if d, ok := r.done[id]; ok && d.Account == c.Account {
		return -1, d, book.ReasonTooLate
	}
	return -1, book.OrderState{}, book.ReasonUnknownOrder
}

func (r *refEngine) cancelReject(c *book.Command, st book.OrderState, known bool, reason book.Reason) {
	if !known {
		st = book.OrderState{ID: c.OrderID, Account: c.Account, Status: book.StatusRejected}
	}
	st.ClOrdID, st.OrigClOrdID = c.ClOrdID, c.OrigClOrdID
	r.emit(book.Event{Kind: book.EvCancelRejected, Order: st, Reason: reason, Replace: c.Kind == book.CmdReplace})
}

func (r *refEngine) claim(c *book.Command, i int) bool {
	o := &r.orders[i]
	if c.ClOrdID == "" {
		r.cancelReject(c, o.st, true, book.ReasonMissingClOrdID)
		return false
	}
	if _, dup := r.clOrd[key(c.Account, c.ClOrdID)]; dup {
		r.cancelReject(c, o.st, true, book.ReasonDuplicateClOrdID)
		return false
	}
	r.clOrd[key(c.Account, c.ClOrdID)] = o.st.ID
	o.st.OrigClOrdID, o.st.ClOrdID = o.st.ClOrdID, c.ClOrdID
	return true
}

func (r *refEngine) cancel(c *book.Command) {
	i, d, reason := r.lookup(c)
	if i < 0 {
		r.cancelReject(c, d, reason == book.ReasonTooLate, reason)
		return
	}
	if r.claim(c, i) {
		r.finish(i, book.EvCanceled, book.StatusCanceled, book.ReasonUserCancel)
	}
}

func (r *refEngine) replace(c *book.Command) {
	i, d, reason := r.lookup(c)
	if i < 0 {
		r.cancelReject(c, d, reason == book.ReasonTooLate, reason)
		return
	}
	o := &r.orders[i]
	if (c.Symbol != "" && c.Symbol != o.st.Symbol) || (c.Side != 0 && c.Side != o.st.Side) ||
		(c.Type != 0 && c.Type != o.st.Type) || (c.TIF != 0 && c.TIF != o.st.TIF) {
		r.cancelReject(c, o.st, true, book.ReasonReplaceMismatch)
		return
	}
	px, stop, qty := o.st.Price, o.st.StopPrice, c.Qty
	if c.Price != 0 {
		px = c.Price
	}
	if c.StopPrice != 0 {
		stop = c.StopPrice
	}
	switch {
	case qty <= o.st.CumQty:
		r.cancelReject(c, o.st, true, book.ReasonInvalidQty)
		return
	case o.st.DisplayQty > 0 && (qty+o.st.DisplayQty-1)/o.st.DisplayQty > book.MaxIcebergSlices:
		r.cancelReject(c, o.st, true, book.ReasonInvalidDisplay)
		return
	case (o.st.Type == book.Stop || o.st.Type == book.Market) && px != o.st.Price,
		(o.st.Type == book.Stop || o.st.Type == book.StopLimit) && !pending(o) && stop != o.st.StopPrice:
		r.cancelReject(c, o.st, true, book.ReasonUnsupportedReplace)
		return
	case o.st.PostOnly && px != o.st.Price && r.best(&refOrder{st: book.OrderState{Side: o.st.Side, Price: px, Type: book.Limit}}) >= 0:
		r.cancelReject(c, o.st, true, book.ReasonPostOnlyWouldTake)
		return
	}
	if !r.claim(c, i) {
		return
	}
	keep := px == o.st.Price && stop == o.st.StopPrice && qty <= o.st.Qty
	wasStop := pending(o)
	o.st.Qty, o.st.LeavesQty, o.st.Price, o.st.StopPrice = qty, qty-o.st.CumQty, px, stop
	switch {
	case wasStop:
		o.st.Status = book.StatusPendingTrigger
	case o.st.CumQty > 0:
		o.st.Status = book.StatusPartiallyFilled
	default:
		o.st.Status = book.StatusNew
	}
	if keep && !wasStop {
		o.visible = min(o.visible, o.st.LeavesQty)
		r.emit(book.Event{Kind: book.EvReplaced, Order: o.st})
		return
	}
	if !keep {
		o.prio = r.nextPrio
		r.nextPrio++
	}
	r.emit(book.Event{Kind: book.EvReplaced, Order: o.st})
	if wasStop && !r.triggered(o) {
		return
	}
	moved := *o
	r.orders = append(r.orders[:i], r.orders[i+1:]...)
	moved.resting, moved.visible = false, 0
	if wasStop {
		r.trigger(&moved)
	}
	r.execute(moved)
	r.runStops()
}

func (r *refEngine) massCancel(c *book.Command) {
	remember := c.Account != "" && c.ClOrdID != "" && len(c.ClOrdID) <= book.MaxIDLen
	if remember {
		for _, id := range r.masses[c.Account] {
			if id == c.ClOrdID {
				// Refused, without an execution id: it is no order's.
				r.out = append(r.out, book.Event{Kind: book.EvRejected, Reason: book.ReasonDuplicateClOrdID,
					Order: book.OrderState{Account: c.Account, Symbol: c.Symbol, ClOrdID: c.ClOrdID, Status: book.StatusRejected}})
				return
			}
		}
	}
	var victims []book.OrderID
	lives := append([]refOrder(nil), r.orders...)
	sortRefByLive(lives)
	for _, o := range lives {
		if c.Account == "" || o.st.Account == c.Account {
			victims = append(victims, o.st.ID)
		}
	}
	for _, id := range victims {
		r.finish(r.find(id), book.EvCanceled, book.StatusCanceled, book.ReasonMassCancel)
	}
	r.emit(book.Event{Kind: book.EvMassCanceled, Count: len(victims), MassCancel: book.MassCancelID(r.nextMass),
		Order: book.OrderState{Account: c.Account, Symbol: c.Symbol, ClOrdID: c.ClOrdID}})
	r.nextMass++
	if remember {
		m := append(r.masses[c.Account], c.ClOrdID)
		if len(m) > book.MaxMassCancelIDs {
			m = m[1:]
		}
		r.masses[c.Account] = m
	}
}

func sortRefByLive(os []refOrder) {
	for i := 1; i < len(os); i++ {
		for j := i; j > 0 && os[j].live < os[j-1].live; j-- {
			os[j], os[j-1] = os[j-1], os[j]
		}
	}
}

// depth aggregates the resting orders by price, best first.
func (r *refEngine) depth(side book.Side) []book.LevelView {
	var out []book.LevelView
	for _, o := range r.orders {
		if !o.resting || o.st.Side != side {
			continue
		}
		found := false
		for i := range out {
			if out[i].Price == o.st.Price {
				out[i].Qty += o.visible
				out[i].Orders++
				found = true
			}
		}
		if !found {
			out = append(out, book.LevelView{Price: o.st.Price, Qty: o.visible, Orders: 1})
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0; j-- {
			better := out[j].Price < out[j-1].Price
			if side == book.Buy {
				better = out[j].Price > out[j-1].Price
			}
			if !better {
				break
			}
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// apply runs a command at time now: a trading command first expires the
// GTD orders that are due, as a tick would.
func (r *refEngine) apply(c *book.Command, now int64) []book.Event {
	r.out = r.out[:0]
	switch c.Kind {
	case book.CmdNewOrder, book.CmdCancel, book.CmdReplace, book.CmdMassCancel, book.CmdEndOfDay:
		r.expire(now)
	}
	switch c.Kind {
	case book.CmdNewOrder:
		r.newOrder(c)
	case book.CmdCancel:
		r.cancel(c)
	case book.CmdReplace:
		r.replace(c)
	case book.CmdMassCancel:
		r.massCancel(c)
	case book.CmdEndOfDay:
		r.endOfDay()
	}
	return r.out
}

// tick expires GTD orders whose time has come, by expiry, then id.
func (r *refEngine) tick(now int64) []book.Event {
	r.out = r.out[:0]
	r.expire(now)
	return r.out
}

func (r *refEngine) expire(now int64) {
	for {
		pick := -1
		for i := range r.orders {
			o := &r.orders[i].st
			if o.TIF != book.GTD || o.ExpireTime > now {
				continue
			}
			if pick < 0 {
				pick = i
				continue
			}
			if p := &r.orders[pick].st; o.ExpireTime < p.ExpireTime || (o.ExpireTime == p.ExpireTime && o.ID < p.ID) {
				pick = i
			}
		}
		if pick < 0 {
			return
		}
		r.finish(pick, book.EvExpired, book.StatusExpired, book.ReasonExpiredGTD)
	}
}

// endOfDay expires Day orders (and pending IOC and FOK stops) in live order, then forgets the day: finished
// orders and every client order id but the live orders' current ones.
func (r *refEngine) endOfDay() {
	lives := append([]refOrder(nil), r.orders...)
	sortRefByLive(lives)
	for _, o := range lives {
		if o.st.TIF == book.Day || o.st.TIF == book.IOC || o.st.TIF == book.FOK {
			r.finish(r.find(o.st.ID), book.EvExpired, book.StatusExpired, book.ReasonExpiredDay)
		}
	}
	clear(r.done)
	clear(r.clOrd)
	clear(r.masses)
	for _, o := range r.orders {
		r.clOrd[key(o.st.Account, o.st.ClOrdID)] = o.st.ID
	}
	r.emit(book.Event{Kind: book.EvEndOfDay})
}
