package book_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/engine/wire"
	"github.com/stretchr/testify/require"
)

// gen produces random but mostly meaningful trading commands against one
// instrument and four accounts, one per self-trade prevention mode.
type gen struct {
	now   int64 // the time the next command runs at
	r     *rand.Rand
	accts []string
	used  map[string][]string
	// masses lists the ClOrdIDs of each account's mass cancels.
	masses map[string][]string
	n      int
	maxID  int
}

var genSTP = map[string]book.STPMode{
	"A": book.CancelAggressor, "B": book.CancelResting, "C": book.CancelBoth, "D": book.CancelAggressor,
}

func newGen(seed uint64) *gen {
	return &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), accts: []string{"A", "B", "C", "D"}, used: map[string][]string{},
		masses: map[string][]string{}}
}

func (g *gen) setup() []book.Command {
	cmds := []book.Command{{Kind: book.CmdAddInstrument, Instrument: book.Instrument{
		Symbol: "X", PriceDecimals: 2, TickSize: 1, LotSize: 1, Multiplier: 1, State: book.Open}}}
	for _, a := range g.accts {
		cmds = append(cmds, book.Command{Kind: book.CmdAddAccount, Acct: book.Account{ID: a, STP: genSTP[a]}})
	}
	return cmds
}

func (g *gen) clOrdID(acct string) string {
	g.n++
	id := "c" + strconv.Itoa(g.n)
	g.used[acct] = append(g.used[acct], id)
	return id
}

func (g *gen) pickUsed(acct string) string {
	u := g.used[acct]
	if len(u) == 0 || g.r.IntN(20) == 0 {
		return "nope"
	}
	return u[len(u)-1-g.r.IntN(min(len(u), 30))]
}

func (g *gen) price() book.Price { return book.Price(95 + g.r.IntN(11)) }

// cmdTick marks a generated tick: the test calls Engine.Tick for it.
const cmdTick = book.CmdKind(0)

func (g *gen) next() book.Command {
	g.now++
	acct := g.accts[g.r.IntN(len(g.accts))]
	if g.r.IntN(40) == 0 {
		return book.Command{Kind: cmdTick}
	}
	if g.r.IntN(400) == 0 {
		return book.Command{Kind: book.CmdEndOfDay}
	}
	switch p := g.r.IntN(100); {
	case p < 58:
		return g.newOrder(acct)
	case p < 78:
		c := book.Command{Kind: book.CmdCancel, Account: acct, ClOrdID: g.clOrdID(acct)}
		if g.r.IntN(4) == 0 {
			c.OrderID = book.OrderID(1 + g.r.IntN(g.maxID+1))
		} else {
			c.OrigClOrdID = g.pickUsed(acct)
		}
		return c
	case p < 99:
		c := book.Command{Kind: book.CmdReplace, Account: acct, ClOrdID: g.clOrdID(acct),
			OrigClOrdID: g.pickUsed(acct), Qty: book.Qty(1 + g.r.IntN(12))}
		if g.r.IntN(2) == 0 {
			c.Price = g.price()
		}
		if g.r.IntN(8) == 0 {
			c.StopPrice = g.price()
		}
		if g.r.IntN(6) == 0 {
			// What a FIX replace names: right or wrong.
			c.Symbol, c.Side = "X", book.Side(1+g.r.IntN(2))
			if g.r.IntN(20) == 0 {
				c.Symbol = "Y"
			}
		}
		return c
	default:
		c := book.Command{Kind: book.CmdMassCancel, ClOrdID: g.clOrdID(acct)}
		if g.r.IntN(2) == 0 {
			c.Account = acct
			if m := g.masses[acct]; len(m) > 0 && g.r.IntN(3) == 0 {
				c.ClOrdID = m[g.r.IntN(len(m))] // a re-send: refused
			}
			g.masses[acct] = append(g.masses[acct], c.ClOrdID)
		}
		return c
	}
}

func (g *gen) newOrder(acct string) book.Command {
	g.maxID++
	c := book.Command{Kind: book.CmdNewOrder, Account: acct, Symbol: "X", ClOrdID: g.clOrdID(acct),
		Side: book.Side(1 + g.r.IntN(2)), Qty: book.Qty(1 + g.r.IntN(10))}
	if g.r.IntN(50) == 0 {
		c.ClOrdID = g.pickUsed(acct) // duplicates are rejected
	}
	switch t := g.r.IntN(100); {
	case t < 75:
		c.Type, c.Price = book.Limit, g.price()
		c.TIF = []book.TIF{book.Day, book.Day, book.GTC, book.GTD, book.IOC, book.FOK}[g.r.IntN(6)]
		if c.TIF == book.GTD {
			c.ExpireTime = g.now + 1 + int64(g.r.IntN(300))
		}
		if (c.TIF == book.Day || c.TIF == book.GTC) && c.Qty > 1 && g.r.IntN(7) == 0 {
			c.DisplayQty = book.Qty(1 + g.r.IntN(int(c.Qty)-1))
		}
		if (c.TIF == book.Day || c.TIF == book.GTC) && g.r.IntN(10) == 0 {
			c.PostOnly = true
		}
	case t < 83:
		c.Type, c.TIF = book.Market, []book.TIF{book.IOC, book.FOK, book.Day}[g.r.IntN(3)]
	case t < 91:
		c.Type, c.StopPrice, c.TIF = book.Stop, g.price(), []book.TIF{book.GTC, book.GTC, book.IOC, book.FOK}[g.r.IntN(4)]
	default:
		c.Type, c.StopPrice, c.Price, c.TIF = book.StopLimit, g.price(), g.price(), book.Day
	}
	return c
}

func withoutLevels(evs []book.Event) []book.Event {
	out := make([]book.Event, 0, len(evs))
	for _, ev := range evs {
		if ev.Kind != book.EvLevel {
			out = append(out, ev)
		}
	}
	return out
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestDifferential runs random command streams through the engine and the
// reference matcher: both must produce the same events (levels aside) and
// the same depth after every command. OMS_DIFF_COMMANDS sets the number of
// commands per seed (default 20,000 over 10 seeds; `make diff-long` runs
// millions).
func TestDifferential(t *testing.T) {
	n := envInt("OMS_DIFF_COMMANDS", 20000)
	seeds := envInt("OMS_DIFF_SEEDS", 10)
	for seed := 1; seed <= seeds; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			g := newGen(uint64(seed))
			e := book.New()
			ref := newRef("X", genSTP)
			var out []book.Event
			for _, c := range g.setup() {
				out = e.Apply(&c, 1, out[:0])
			}
			for i := 0; i < n; i++ {
				c := g.next()
				var want []book.Event
				if c.Kind == cmdTick {
					out = e.Tick(g.now, out[:0])
					want = ref.tick(g.now)
				} else {
					out = e.Apply(&c, g.now, out[:0])
					want = ref.apply(&c, g.now)
				}
				got := withoutLevels(out)
				if len(want) == 0 {
					want = []book.Event{}
				}
				require.Equal(t, want, got, "command %d: %+v", i, c)
				bids, asks, _ := e.Depth("X", 1<<30)
				require.Equal(t, ref.depth(book.Buy), bids, "bids after command %d", i)
				require.Equal(t, ref.depth(book.Sell), asks, "asks after command %d", i)
				if i%97 == 0 {
					require.NoError(t, e.CheckInvariants(), "command %d", i)
				}
			}
		})
	}
}

// TestSnapshotRandom takes snapshots at random points of random streams:
// a restored engine must have the same digest and, fed the same commands,
// produce the same events and the same final snapshot as the original.
func TestSnapshotRandom(t *testing.T) {
	for seed := 1; seed <= 5; seed++ {
		g := newGen(uint64(100 + seed))
		var cmds []book.Command
		cmds = append(cmds, g.setup()...)
		for i := 0; i < 3000; i++ {
			cmds = append(cmds, g.next())
		}
		e := book.New()
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		for i := range cmds {
			e.Apply(&cmds[i], int64(i), nil)
			if i%50 == 0 {
				e.Tick(int64(i), nil)
			}
			if r.IntN(300) != 0 {
				continue
			}
			snap := snapshot(e)
			restored := book.New()
			require.NoError(t, restored.Restore(wire.NewReader(snap)))
			require.Equal(t, snap, snapshot(restored), "seed %d: snapshot after restore at %d", seed, i)
			require.NoError(t, restored.CheckInvariants())
			// Continue both for a while: identical events, identical state.
			for j := i + 1; j < len(cmds) && j < i+200; j++ {
				a := e.Apply(&cmds[j], int64(j), nil)
				b := restored.Apply(&cmds[j], int64(j), nil)
				require.Equal(t, a, b, "seed %d: events diverge at %d after restore at %d", seed, j, i)
			}
			require.Equal(t, snapshot(e), snapshot(restored))
			// Rewind e by restoring from the snapshot so the outer loop
			// continues from the same point.
			require.NoError(t, e.Restore(wire.NewReader(snap)))
		}
	}
}

// TestReserveIsInvisible: Reserve, at the start and in mid-stream, changes
// no event and no byte of the snapshot.
func TestReserveIsInvisible(t *testing.T) {
	g := newGen(77)
	cmds := g.setup()
	for range 5000 {
		cmds = append(cmds, g.next())
	}
	plain, hinted := book.New(), book.New()
	hinted.Reserve(len(cmds))
	for i := range cmds {
		if i == 2500 {
			hinted.Reserve(1 << 20)
		}
		a := plain.Apply(&cmds[i], int64(i), nil)
		b := hinted.Apply(&cmds[i], int64(i), nil)
		require.Equal(t, a, b, "events diverge at %d", i)
	}
	require.Equal(t, snapshot(plain), snapshot(hinted))
}

func snapshot(e *book.Engine) []byte {
	var w wire.Writer
	e.Snapshot(&w)
	return append([]byte(nil), w.Bytes()...)
}

// FuzzApply drives the engine with command streams decoded from fuzz input:
// no input may panic it or break an invariant.
func FuzzApply(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8}, uint64(1))
	f.Add([]byte{0xff, 0, 0x10, 0x80, 3, 3, 9, 1, 2}, uint64(42))
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		g := newGen(seed)
		e := book.New()
		var out []book.Event
		for _, c := range g.setup() {
			out = e.Apply(&c, 1, out[:0])
		}
		for i, b := range data {
			c := g.next()
			// Let the fuzzer corrupt fields to reach the validation paths.
			switch b % 8 {
			case 0:
				c.Qty = book.Qty(int64(int8(b)) * 1e12)
			case 1:
				c.Price = book.Price(int64(int8(b)) * 3)
			case 2:
				c.Side, c.Type, c.TIF = book.Side(b%4), book.OrdType(b%6), book.TIF(b%7)
			case 3:
				c.DisplayQty = book.Qty(b % 13)
			case 4:
				c.Kind = book.CmdKind(b % 16)
			case 5:
				c.ExpireTime = int64(b)
				c.TIF = book.GTD
			}
			if b%16 == 7 {
				out = e.Tick(int64(i+int(b)), out[:0])
			}
			out = e.Apply(&c, int64(i+2), out[:0])
			if err := e.CheckInvariants(); err != nil {
				t.Fatalf("command %d %+v: %v", i, c, err)
			}
		}
	})
}
