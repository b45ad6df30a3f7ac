package workload

import (
	"math/rand/v2"
	"strconv"

	"github.com/ordercore/oms/engine/book"
)

// TradeConfig parameterises a trading stream.
type TradeConfig struct {
	Seed     uint64
	Symbol   string // default "BENCH"
	Accounts int    // default 16
	Resting  int    // target number of resting orders (the book's size)
	Commands int    // length of the steady-state stream
	// Shares of the steady-state mix, in percent; they need not add to 100
	// (the remainder goes to new passive orders). Defaults: 50 replaces,
	// 17 cancels, 17 marketable.
	ReplacePct, CancelPct, MarketablePct int
}

// Trade is a generated stream: Setup (instrument, accounts and the orders
// that build the book to its resting size) followed by Steady, the measured
// part.
type Trade struct {
	Setup  []book.Command
	Steady []book.Command
	// Mix counts the steady commands by what they are.
	Mix struct{ New, Marketable, Cancel, Replace int }
}

type liveOrder struct {
	acct  string
	cl    string
	side  book.Side
	price book.Price
	qty   book.Qty
}

type tradeGen struct {
	cfg   TradeConfig
	r     *rand.Rand
	eng   *book.Engine
	out   []book.Event
	live  map[book.OrderID]int // index into ids
	ids   []book.OrderID
	ord   map[book.OrderID]*liveOrder
	mid   book.Price
	clSeq int
}

// NewTrade generates a trading stream.
func NewTrade(cfg TradeConfig) *Trade {
	if cfg.Symbol == "" {
		cfg.Symbol = "BENCH"
	}
	if cfg.Accounts <= 0 {
		cfg.Accounts = 16
	}
	if cfg.ReplacePct == 0 && cfg.CancelPct == 0 && cfg.MarketablePct == 0 {
		cfg.ReplacePct, cfg.CancelPct, cfg.MarketablePct = 50, 17, 17
	}
	g := &tradeGen{
		cfg: cfg, r: rand.New(rand.NewPCG(cfg.Seed, 0x5eed)), eng: book.New(),
		live: map[book.OrderID]int{}, ord: map[book.OrderID]*liveOrder{}, mid: 10000,
	}
	w := &Trade{}
	w.Setup = append(w.Setup, book.Command{Kind: book.CmdAddInstrument, Instrument: book.Instrument{
		Symbol: cfg.Symbol, PriceDecimals: 2, TickSize: 1, LotSize: 1, Multiplier: 1, State: book.Open}})
	for i := 0; i < cfg.Accounts; i++ {
		w.Setup = append(w.Setup, book.Command{Kind: book.CmdAddAccount,
			Acct: book.Account{ID: g.acct(i), STP: book.CancelResting}})
	}
	for i := range w.Setup {
		g.apply(&w.Setup[i])
	}
	for len(g.ids) < cfg.Resting {
		c := g.passive()
		g.apply(&c)
		w.Setup = append(w.Setup, c)
	}
	w.Steady = make([]book.Command, 0, cfg.Commands)
	for len(w.Steady) < cfg.Commands {
		c := g.next(w)
		g.apply(&c)
		w.Steady = append(w.Steady, c)
	}
	return w
}

func (g *tradeGen) acct(i int) string { return "ACC" + strconv.Itoa(i) }

func (g *tradeGen) clOrdID() string {
	g.clSeq++
	return "o" + strconv.Itoa(g.clSeq)
}

// apply runs c on the generator's engine and tracks which orders are live.
func (g *tradeGen) apply(c *book.Command) {
	g.out = g.eng.Apply(c, 0, g.out[:0])
	for i := range g.out {
		ev := &g.out[i]
		switch ev.Kind {
		case book.EvAccepted:
			if ev.Order.TIF == book.Day || ev.Order.TIF == book.GTC {
				g.add(ev.Order)
			}
		case book.EvTrade:
			if ev.Maker.LeavesQty == 0 {
				g.remove(ev.Maker.ID)
			}
			if ev.Order.LeavesQty == 0 {
				g.remove(ev.Order.ID)
			}
		case book.EvCanceled, book.EvExpired:
			g.remove(ev.Order.ID)
		case book.EvReplaced:
			if o := g.ord[ev.Order.ID]; o != nil {
				o.cl, o.price, o.qty = ev.Order.ClOrdID, ev.Order.Price, ev.Order.LeavesQty
			}
		}
	}
}

func (g *tradeGen) add(st book.OrderState) {
	if _, ok := g.live[st.ID]; ok {
		return
	}
	g.live[st.ID] = len(g.ids)
	g.ids = append(g.ids, st.ID)
	g.ord[st.ID] = &liveOrder{acct: st.Account, cl: st.ClOrdID, side: st.Side, price: st.Price, qty: st.Qty}
}

func (g *tradeGen) remove(id book.OrderID) {
	i, ok := g.live[id]
	if !ok {
		return
	}
	last := g.ids[len(g.ids)-1]
	g.ids[i] = last
	g.live[last] = i
	g.ids = g.ids[:len(g.ids)-1]
	delete(g.live, id)
	delete(g.ord, id)
}

// passive is a new resting order a few ticks away from the mid, more
// likely near it.
func (g *tradeGen) passive() book.Command {
	side := book.Side(1 + g.r.IntN(2))
	off := book.Price(1 + g.r.IntN(20) + g.r.IntN(20)*g.r.IntN(3))
	px := g.mid - off
	if side == book.Sell {
		px = g.mid + off
	}
	return book.Command{Kind: book.CmdNewOrder, Account: g.acct(g.r.IntN(g.cfg.Accounts)), Symbol: g.cfg.Symbol,
		ClOrdID: g.clOrdID(), Side: side, Type: book.Limit, TIF: book.Day, Price: px, Qty: book.Qty(1 + g.r.IntN(100))}
}

func (g *tradeGen) next(w *Trade) book.Command {
	if g.r.IntN(64) == 0 {
		g.mid += book.Price(g.r.IntN(5) - 2)
	}
	p := g.r.IntN(100)
	switch {
	case p < g.cfg.ReplacePct && len(g.ids) > 0:
		w.Mix.Replace++
		id := g.ids[g.r.IntN(len(g.ids))]
		o := g.ord[id]
		c := book.Command{Kind: book.CmdReplace, Account: o.acct, OrigClOrdID: o.cl, ClOrdID: g.clOrdID(), Qty: o.qty}
		if g.r.IntN(2) == 0 {
			// Move the price a little, never across the mid.
			px := o.price + book.Price(g.r.IntN(5)-2)
			if o.side == book.Buy && px >= g.mid {
				px = g.mid - 1
			}
			if o.side == book.Sell && px <= g.mid {
				px = g.mid + 1
			}
			c.Price = px
		} else if o.qty > 1 {
			c.Qty = o.qty - 1 // a reduction keeps priority
		}
		return c
	case p < g.cfg.ReplacePct+g.cfg.CancelPct && len(g.ids) >= g.cfg.Resting:
		w.Mix.Cancel++
		id := g.ids[g.r.IntN(len(g.ids))]
		o := g.ord[id]
		return book.Command{Kind: book.CmdCancel, Account: o.acct, OrigClOrdID: o.cl, ClOrdID: g.clOrdID()}
	case p < g.cfg.ReplacePct+g.cfg.CancelPct+g.cfg.MarketablePct:
		w.Mix.Marketable++
		side := book.Side(1 + g.r.IntN(2))
		px := g.mid + 3
		if side == book.Sell {
			px = g.mid - 3
		}
		return book.Command{Kind: book.CmdNewOrder, Account: g.acct(g.r.IntN(g.cfg.Accounts)), Symbol: g.cfg.Symbol,
			ClOrdID: g.clOrdID(), Side: side, Type: book.Limit, TIF: book.IOC, Price: px, Qty: book.Qty(1 + g.r.IntN(50))}
	default:
		w.Mix.New++
		return g.passive()
	}
}
