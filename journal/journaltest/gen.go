// Package journaltest generates command streams for the journal and
// sequencer tests and benchmarks: trade commands (instruments, accounts, new
// orders, cancels) and ticks. It relies only on the engine's command
// contract, never on which events the engine emits.
//
// Usage:
//
//	g := journaltest.NewGen(seed)
//	for range n { cmd := g.Next() ; ... }
package journaltest

import (
	"fmt"
	"math/rand/v2"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/book"
)

// Gen produces a deterministic pseudo-random command stream. Commands are
// unstamped (Seq and Time zero) unless Stamp is used.
type Gen struct {
	rng     *rand.Rand
	symbols []string
	accts   []string
	n       int
	recent  [1 << 14]placed // recent new orders, for cancels
	orders  int             // new orders generated
}

type placed struct{ acct, clOrdID string }

// NewGen returns a generator seeded with seed.
func NewGen(seed uint64) *Gen {
	return &Gen{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Next returns the next command. The stream starts by defining instruments
// and accounts, then mixes new orders (mostly), cancels, ticks, and the
// occasional new instrument or account (up to 20 and 50), with an end of
// day every 50,000 commands.
func (g *Gen) Next() engine.Command {
	g.n++
	switch {
	case len(g.symbols) < 2:
		return g.addInstrument()
	case len(g.accts) < 3:
		return g.addAccount()
	case g.n%50_000 == 0:
		// A trading day every 50,000 commands: the engine forgets the
		// day's finished orders, so long streams keep a bounded state.
		return engine.Command{Kind: engine.KindTrade, Trade: book.Command{Kind: book.CmdEndOfDay}}
	}
	switch p := g.rng.IntN(100); {
	case p < 70:
		return g.newOrder()
	case p < 90:
		return g.cancel()
	case p < 99 || len(g.symbols) >= 20 && len(g.accts) >= 50:
		return engine.Command{Kind: engine.KindTick}
	case p < 100 && len(g.symbols) < 20:
		return g.addInstrument()
	default:
		return g.addAccount()
	}
}

// Batch returns the next n commands.
func (g *Gen) Batch(n int) []engine.Command {
	out := make([]engine.Command, n)
	for i := range out {
		out[i] = g.Next()
	}
	return out
}

// Stamp sets consecutive seqs from first and a time per command, as the
// sequencer would.
func Stamp(cmds []engine.Command, first uint64, time int64) {
	for i := range cmds {
		cmds[i].Seq = first + uint64(i)
		cmds[i].Time = time + int64(i)
	}
}

func (g *Gen) addInstrument() engine.Command {
	sym := fmt.Sprintf("SYM%d", len(g.symbols))
	g.symbols = append(g.symbols, sym)
	return engine.Command{Kind: engine.KindTrade, Trade: book.Command{
		Kind: book.CmdAddInstrument,
		Instrument: book.Instrument{
			Symbol: sym, PriceDecimals: 2, TickSize: 1, LotSize: 1, Multiplier: 1,
			BandBps: 5000, RefPrice: 10_000, State: book.Open,
		},
	}}
}

func (g *Gen) addAccount() engine.Command {
	id := fmt.Sprintf("ACCT%d", len(g.accts))
	g.accts = append(g.accts, id)
	return engine.Command{Kind: engine.KindTrade, Trade: book.Command{
		Kind: book.CmdAddAccount,
		Acct: book.Account{ID: id, STP: book.CancelResting},
	}}
}

func (g *Gen) newOrder() engine.Command {
	side := book.Buy
	if g.rng.IntN(2) == 1 {
		side = book.Sell
	}
	tifs := [...]book.TIF{book.Day, book.GTC, book.IOC, book.GTD}
	tif := tifs[g.rng.IntN(len(tifs))]
	c := book.Command{
		Kind:    book.CmdNewOrder,
		Account: g.accts[g.rng.IntN(len(g.accts))],
		Symbol:  g.symbols[g.rng.IntN(len(g.symbols))],
		ClOrdID: fmt.Sprintf("c%d", g.n),
		Side:    side, Type: book.Limit, TIF: tif,
		Price: book.Price(9_950 + g.rng.IntN(100)),
		Qty:   book.Qty(1 + g.rng.IntN(100)),
	}
	if tif == book.GTD {
		// Far in the future whatever the clock (tests stamp small times,
		// the sequencer the wall clock).
		c.ExpireTime = 1<<62 + int64(g.n)
	}
	g.recent[g.orders%len(g.recent)] = placed{c.Account, c.ClOrdID}
	g.orders++
	return engine.Command{Kind: engine.KindTrade, Trade: c}
}

// cancel targets one of the recent orders by its ClOrdID (some have filled
// or expired already), so that the books stay a realistic size over long
// streams.
func (g *Gen) cancel() engine.Command {
	if g.orders == 0 {
		return engine.Command{Kind: engine.KindTick}
	}
	p := g.recent[g.rng.IntN(min(g.orders, len(g.recent)))]
	return engine.Command{Kind: engine.KindTrade, Trade: book.Command{
		Kind:        book.CmdCancel,
		Account:     p.acct,
		OrigClOrdID: p.clOrdID,
		ClOrdID:     fmt.Sprintf("x%d", g.n),
	}}
}
