package book

// Queries. They read state and change nothing. REQUIRES: the caller owns the
// engine (the sequencer's goroutine).

// Order returns an order's state by id: a live order, or one finished since
// the last end of day.
func (e *Engine) Order(id OrderID) (OrderState, bool) {
	if o := e.orders.get(id); o != nil {
		return o.state(), true
	}
	if d, ok := e.done.get(id); ok {
		return e.doneState(d), true
	}
	return OrderState{}, false
}

// OrderByClOrdID returns an order's state by the account's client order id.
func (e *Engine) OrderByClOrdID(account, clOrdID string) (OrderState, bool) {
	a := e.accounts[account]
	if a == nil {
		return OrderState{}, false
	}
	id, ok := e.clOrd.get(a.idx, clOrdID)
	if !ok {
		return OrderState{}, false
	}
	return e.Order(id)
}

// OpenOrders appends the account's live orders, in the order they became
// live, optionally only those in symbol.
func (e *Engine) OpenOrders(account, symbol string, out []OrderState) []OrderState {
	a := e.accounts[account]
	if a == nil {
		return out
	}
	for o := a.head; o != nil; o = o.aNext {
		if symbol == "" || o.inst.spec.Symbol == symbol {
			out = append(out, o.state())
		}
	}
	return out
}

// LevelView is one aggregated price level.
type LevelView struct {
	Price  Price
	Qty    Qty // displayed quantity
	Orders int
}

// Top returns the best bid and ask of an instrument; a missing side is a zero
// LevelView.
func (e *Engine) Top(symbol string) (bid, ask LevelView, ok bool) {
	in := e.instruments[symbol]
	if in == nil {
		return bid, ask, false
	}
	if l := in.bids.best; l != nil {
		bid = LevelView{l.price, l.total, l.count}
	}
	if l := in.asks.best; l != nil {
		ask = LevelView{l.price, l.total, l.count}
	}
	return bid, ask, true
}

// Depth returns up to n levels of each side, best first.
func (e *Engine) Depth(symbol string, n int) (bids, asks []LevelView, ok bool) {
	in := e.instruments[symbol]
	if in == nil {
		return nil, nil, false
	}
	collect := func(s *bookSide) []LevelView {
		var out []LevelView
		s.scan(func(l *level) bool {
			if len(out) >= n {
				return false
			}
			out = append(out, LevelView{l.price, l.total, l.count})
			return true
		})
		return out
	}
	return collect(in.bids), collect(in.asks), true
}

// Position is an account's position in one instrument.
type Position struct {
	Symbol       string
	Net          Qty
	Bought, Sold Qty
	// BuyNotional and SellNotional are sums of price x qty in price units.
	BuyNotional, SellNotional int64
	OpenBuy, OpenSell         Qty
}

// AccountView is an account's definition and current usage.
type AccountView struct {
	Account
	OpenBuyNotional Money
	DayBuyNotional  Money
}

// Positions returns the account's positions, in instrument order, skipping
// instruments it never touched.
func (e *Engine) Positions(account string) ([]Position, bool) {
	a := e.accounts[account]
	if a == nil {
		return nil, false
	}
	var out []Position
	for i, p := range a.pos {
		if p == (position{}) {
			continue
		}
		out = append(out, Position{
			Symbol: e.instList[i].spec.Symbol, Net: p.net, Bought: p.bought, Sold: p.sold,
			BuyNotional: p.buyNotional, SellNotional: p.sellNotional, OpenBuy: p.openBuy, OpenSell: p.openSell,
		})
	}
	return out, true
}

// Instrument returns an instrument's definition and last trade price.
func (e *Engine) Instrument(symbol string) (spec Instrument, last Price, hasLast, ok bool) {
	in := e.instruments[symbol]
	if in == nil {
		return Instrument{}, 0, false, false
	}
	return in.spec, in.last, in.hasLast, true
}

// Instruments returns every instrument definition in the order added.
func (e *Engine) Instruments() []Instrument {
	out := make([]Instrument, len(e.instList))
	for i, in := range e.instList {
		out[i] = in.spec
	}
	return out
}

// Account returns an account's definition and usage.
func (e *Engine) Account(id string) (AccountView, bool) {
	a := e.accounts[id]
	if a == nil {
		return AccountView{}, false
	}
	return AccountView{a.spec, a.openBuyNotional, a.dayBuyNotional}, true
}

// Accounts returns every account in the order added.
func (e *Engine) Accounts() []AccountView {
	out := make([]AccountView, len(e.acctList))
	for i, a := range e.acctList {
		out[i] = AccountView{a.spec, a.openBuyNotional, a.dayBuyNotional}
	}
	return out
}

// Stats counts live orders and resting levels, for metrics.
type Stats struct {
	LiveOrders   int
	PendingStops int
	Levels       int
}

// Stats returns counts over all instruments.
func (e *Engine) Stats() Stats {
	var s Stats
	s.LiveOrders = e.orders.len()
	for _, in := range e.instList {
		s.PendingStops += in.buyStops.Len() + in.sellStops.Len()
		s.Levels += in.bids.levels() + in.asks.levels()
	}
	return s
}
