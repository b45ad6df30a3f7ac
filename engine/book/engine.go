package book

import (
	"math"
	"slices"

	"github.com/tidwall/btree"
)

// instrument is an instrument's definition with its book and live orders.
type instrument struct {
	spec      Instrument
	idx       int
	bids      *bookSide
	asks      *bookSide
	buyStops  *btree.BTreeG[*order] // lowest stop price first, then time
	sellStops *btree.BTreeG[*order] // highest stop price first, then time
	last      Price
	hasLast   bool
	// hi and lo are the highest and lowest prices printed since the stops
	// last ran: stops trigger on every print, not only the last one, so
	// that a sweep through a stop's price and back triggers it.
	//
	// INVARIANT: between commands, hi == lo == last (runStops resets them
	// when it is done, and every command that trades runs the stops).
	hi, lo Price
	// live orders (resting and pending stops) in the order they became live
	head, tail *order
	// scale is 10^(6-PriceDecimals): price units x qty x multiplier x scale = Money
	scale int64
}

func (in *instrument) side(s Side) *bookSide {
	if s == Buy {
		return in.bids
	}
	return in.asks
}

// refPrice is the price the band and market-order estimates are measured
// from: the last trade, or the configured reference before the first trade.
func (in *instrument) refPrice() Price {
	if in.hasLast {
		return in.last
	}
	return in.spec.RefPrice
}

// position is an account's position in one instrument.
//
// INVARIANT: openBuy and openSell are the leaves of the account's registered
// buy and sell orders in the instrument.
type position struct {
	net          Qty
	bought, sold Qty
	buyNotional  int64 // price units x qty, saturating at the int64 maximum
	sellNotional int64
	openBuy      Qty
	openSell     Qty
}

// account is a trading account: its limits, usage and live orders.
//
// INVARIANT: openBuyNotional is the Money value of the leaves of every
// registered buy order at its registration price.
type account struct {
	spec            Account
	idx             int
	openBuyNotional Money
	dayBuyNotional  Money
	pos             []position // by instrument idx
	head, tail      *order     // live orders in the order they became live
	masses          *massLog   // accepted mass cancels by ClOrdID; nil until the first
}

func (a *account) position(in *instrument) *position {
	for len(a.pos) <= in.idx {
		a.pos = append(a.pos, position{})
	}
	return &a.pos[in.idx]
}

func (a *account) restricted(symbol string) bool {
	lo, hi := 0, len(a.spec.Restricted)
	for lo < hi {
		m := (lo + hi) / 2
		switch r := a.spec.Restricted[m]; {
		case r == symbol:
			return true
		case r < symbol:
			lo = m + 1
		default:
			hi = m
		}
	}
	return false
}

// levelKey names a level touched by the current command. lvl is the level
// as it was when touched: it saves the flush a map lookup when the level is
// still live (a level object is only ever reused by its own book side, so
// one with orders and the same price is the side's level at that price).
type levelKey struct {
	inst  *instrument
	side  Side
	price Price
	lvl   *level
}

// Engine is the trading state machine: instruments, accounts, order books,
// pre-trade risk, matching and positions. See the package documentation for
// the matching rules.
//
// Engine is not safe for concurrent use.
type Engine struct {
	instruments map[string]*instrument
	instList    []*instrument // in the order added
	accounts    map[string]*account
	acctList    []*account

	orders idIndex               // live orders by id
	clOrd  clIndex               // client order ids used today
	live   liveIndex             // live orders by current client order id
	done   doneLog               // orders finished today
	gtd    *btree.BTreeG[*order] // GTD orders by expiry, then id
	// gtdMin caches the earliest expiry in gtd (math.MaxInt64 when it is
	// empty), so that every trading command can check for due GTD orders
	// with one comparison.
	//
	// INVARIANT: gtdMin is gtd.Min().expire, or math.MaxInt64.
	gtdMin int64

	nextOrderID OrderID
	nextExecID  ExecID
	nextTradeID uint64
	nextPrio    uint64
	nextLive    uint64
	nextMass    MassCancelID

	now     int64
	out     []Event
	touched []levelKey
	scratch []*order
	pool    orderPool
}

// New returns an empty trading engine.
func New() *Engine {
	return &Engine{
		instruments: make(map[string]*instrument),
		accounts:    make(map[string]*account),
		done:        doneLog{base: 1, older: make(map[OrderID]doneOrder)},
		gtd: btree.NewBTreeGOptions(func(a, b *order) bool {
			if a.expire != b.expire {
				return a.expire < b.expire
			}
			return a.id < b.id
		}, btree.Options{NoLocks: true}),
		gtdMin:      math.MaxInt64,
		nextOrderID: 1,
		nextExecID:  1,
		nextTradeID: 1,
		nextPrio:    1,
		nextLive:    1,
		nextMass:    1,
	}
}

func newInstrument(spec Instrument, idx int) *instrument {
	in := &instrument{spec: spec, idx: idx, bids: newBookSide(Buy), asks: newBookSide(Sell), scale: 1}
	for i := spec.PriceDecimals; i < 6; i++ {
		in.scale *= 10
	}
	stopLess := func(buy bool) func(a, b *order) bool {
		return func(a, b *order) bool {
			if a.stopPx != b.stopPx {
				if buy {
					return a.stopPx < b.stopPx
				}
				return a.stopPx > b.stopPx
			}
			return a.prio < b.prio
		}
	}
	in.buyStops = btree.NewBTreeGOptions(stopLess(true), btree.Options{NoLocks: true})
	in.sellStops = btree.NewBTreeGOptions(stopLess(false), btree.Options{NoLocks: true})
	return in
}

// Apply applies one command at time now and appends its events to out.
//
// A command that trades or addresses orders (new order, cancel, replace,
// mass cancel, end of day) first expires the GTD orders whose expiry has
// come, as a tick at now would: an order never trades, nor is changed,
// after its expiry. Their events come first.
func (e *Engine) Apply(c *Command, now int64, out []Event) []Event {
	e.begin(now, out)
	switch c.Kind {
	case CmdNewOrder, CmdCancel, CmdReplace, CmdMassCancel, CmdEndOfDay:
		if e.gtdMin <= e.now {
			e.expireGTD()
		}
	}
	switch c.Kind {
	case CmdAddInstrument:
		e.addInstrument(c)
	case CmdUpdateInstrument:
		e.updateInstrument(c)
	case CmdSetTradingState:
		e.setTradingState(c)
	case CmdAddAccount:
		e.addAccount(c)
	case CmdUpdateAccount:
		e.updateAccount(c)
	case CmdNewOrder:
		e.newOrder(c)
	case CmdCancel:
		e.cancel(c)
	case CmdReplace:
		e.replace(c)
	case CmdMassCancel:
		e.massCancel(c)
	case CmdEndOfDay:
		e.endOfDay(c)
	default:
		e.reject(c, ReasonInvalidCommand)
	}
	return e.end()
}

// Tick advances time to now: GTD orders whose expiry has come expire.
func (e *Engine) Tick(now int64, out []Event) []Event {
	e.begin(now, out)
	e.expireGTD()
	return e.end()
}

// expireGTD expires the GTD orders whose expiry is at or before the
// engine's time, earliest expiry first, then by order id.
func (e *Engine) expireGTD() {
	for e.gtdMin <= e.now {
		o, _ := e.gtd.Min()
		e.finishWith(o, EvExpired, StatusExpired, ReasonExpiredGTD)
	}
}

func (e *Engine) begin(now int64, out []Event) {
	if now > e.now {
		e.now = now
	}
	e.out = out
	e.touched = e.touched[:0]
}

func (e *Engine) end() []Event {
	e.flushLevels()
	out := e.out
	e.out = nil
	checkInvariants(e)
	return out
}

func (e *Engine) execID() ExecID {
	id := e.nextExecID
	e.nextExecID++
	return id
}

func (e *Engine) emit(ev Event) { e.out = append(e.out, ev) }

// maxReserve caps Reserve. The hint counts every command (ticks, commerce,
// commands before an end of day), not client order ids, and a reserved
// table is kept for the life of the process: 1<<20 entries take 2<<20
// slots of 8 bytes (16 MiB); a longer replay grows the table incrementally
// past that.
const maxReserve = 1 << 20

// Reserve is a hint that about n more commands follow (a replay knows how
// many): the day's client order id index is sized for them at once rather
// than grown, and rehashed, as they come. It changes no observable state.
func (e *Engine) Reserve(n int) {
	if n > 0 {
		e.clOrd.reserve(e.clOrd.len() + min(n, maxReserve))
	}
}

// emitOrder appends an execution event for o's current state.
func (e *Engine) emitOrder(kind EventKind, o *order, reason Reason) {
	ev := e.next()
	ev.Kind, ev.Reason, ev.ExecID = kind, reason, e.execID()
	o.stateTo(&ev.Order)
}

// next appends a zero event and returns it to be filled in place: an
// Event is 360 bytes, and building one on the stack to append it copies
// it once more.
func (e *Engine) next() *Event {
	e.out = append(e.out, Event{})
	return &e.out[len(e.out)-1]
}

// reject reports a refused command. A refused new order gets an execution
// id, because it is reported to the client as a rejected execution.
func (e *Engine) reject(c *Command, reason Reason) {
	ev := Event{Kind: EvRejected, Reason: reason, Order: OrderState{
		Account: c.Account, Symbol: c.Symbol, ClOrdID: c.ClOrdID, OrigClOrdID: c.OrigClOrdID,
		ID: c.OrderID, Side: c.Side, Type: c.Type, TIF: c.TIF, Price: c.Price, StopPrice: c.StopPrice,
		Qty: c.Qty, DisplayQty: c.DisplayQty, PostOnly: c.PostOnly, ExpireTime: c.ExpireTime,
		Status: StatusRejected,
	}}
	switch c.Kind {
	case CmdNewOrder:
		ev.ExecID = e.execID()
	case CmdAddInstrument, CmdUpdateInstrument:
		in := c.Instrument
		ev.Instrument = &in
		ev.Order.Symbol = c.Instrument.Symbol
	case CmdAddAccount, CmdUpdateAccount:
		a := c.Acct
		a.Restricted = slices.Clone(a.Restricted)
		ev.Acct = &a
		ev.Order.Account = c.Acct.ID
	}
	e.emit(ev)
}

// touch records that level l of in's side s changed in this command; end
// emits one level event per touched level.
func (e *Engine) touch(in *instrument, s Side, l *level) {
	for _, k := range e.touched {
		if k.inst == in && k.side == s && k.price == l.price {
			return
		}
	}
	e.touched = append(e.touched, levelKey{in, s, l.price, l})
}

func (e *Engine) flushLevels() {
	for _, k := range e.touched {
		ev := e.next()
		ev.Kind, ev.Side, ev.LastPx = EvLevel, k.side, k.price
		ev.Order.Symbol = k.inst.spec.Symbol
		l := k.lvl
		if l.count == 0 || l.price != k.price {
			// Emptied (and maybe reused) since: the side's level at the
			// price, if there is one now, is another.
			l = k.inst.side(k.side).get(k.price)
		}
		if l != nil {
			ev.LastQty, ev.Count = l.total, l.count
		}
	}
	e.touched = e.touched[:0]
}
