package fix

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/book"
	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/tag"
	"github.com/stretchr/testify/require"
)

// desk wraps a client with its account and FIX version, so one scenario
// runs on both versions.
type desk struct {
	*client
	acct string
	v44  bool
}

func (v *env) desks() []desk {
	return []desk{{v.desk1, "DESK1", true}, {v.desk2, "DESK2", false}}
}

// execType returns the ExecType a desk expects: the 4.4 value, or the 4.2
// one when they differ.
func (d desk) execType(v44, v42 string) string {
	if d.v44 {
		return v44
	}
	return v42
}

// limit sends a limit NewOrderSingle for the desk's account.
func (d desk) limit(clOrdID, side, qty, px string, extra ...any) {
	d.t.Helper()
	f := append([]any{tag.ClOrdID, clOrdID, tag.Account, d.acct, tag.Symbol, testSymbol, tag.Side, side,
		tag.OrderQty, qty, tag.OrdType, "2", tag.Price, px, tag.HandlInst, "1"}, extra...)
	d.send("D", f...)
}

func (d desk) expectNew(clOrdID string) map[quickfix.Tag]string {
	d.t.Helper()
	return expect(d.t, d.next(), "8", tag.ExecType, "0", tag.OrdStatus, "0", tag.ClOrdID, clOrdID,
		tag.Account, d.acct, tag.CumQty, "0")
}

func TestEachMessageTypeBothVersions(t *testing.T) {
	v := newEnv(t, "", "")
	for _, d := range v.desks() {
		t.Run(d.id.BeginString, func(t *testing.T) {
			d.t = t
			// D
			d.limit("o1", "1", "10", "100.00")
			f := d.expectNew("o1")
			orderID := f[tag.OrderID]
			require.NotEqual(t, "NONE", orderID)
			if !d.v44 {
				require.Equal(t, "0", f[tag.ExecTransType])
			} else {
				require.NotContains(t, f, tag.ExecTransType)
			}
			// H by ClOrdID.
			d.send("H", tag.ClOrdID, "o1", tag.Account, d.acct, tag.Symbol, testSymbol, tag.Side, "1")
			f = expect(t, d.next(), "8", tag.ExecType, d.execType("I", "0"), tag.OrdStatus, "0",
				tag.OrderID, orderID, tag.LeavesQty, "10")
			if !d.v44 {
				require.Equal(t, "3", f[tag.ExecTransType])
			}
			// G: new price and quantity.
			d.send("G", tag.ClOrdID, "o2", tag.OrigClOrdID, "o1", tag.Account, d.acct, tag.Symbol, testSymbol,
				tag.Side, "1", tag.OrderQty, "20", tag.OrdType, "2", tag.Price, "100.05", tag.HandlInst, "1")
			expect(t, d.next(), "8", tag.ExecType, "5", tag.OrdStatus, "0", tag.ClOrdID, "o2",
				tag.OrigClOrdID, "o1", tag.OrderID, orderID, tag.OrderQty, "20", tag.Price, "100.05", tag.LeavesQty, "20")
			// F by OrigClOrdID.
			d.send("F", tag.ClOrdID, "o3", tag.OrigClOrdID, "o2", tag.Account, d.acct, tag.Symbol, testSymbol,
				tag.Side, "1", tag.OrderQty, "20")
			expect(t, d.next(), "8", tag.ExecType, "4", tag.OrdStatus, "4", tag.ClOrdID, "o3",
				tag.OrigClOrdID, "o2", tag.OrderID, orderID, tag.LeavesQty, "0")
			// H of a finished order, by OrderID.
			d.send("H", tag.ClOrdID, "o3", tag.OrderID, orderID, tag.Account, d.acct, tag.Symbol, testSymbol, tag.Side, "1")
			expect(t, d.next(), "8", tag.ExecType, d.execType("I", "4"), tag.OrdStatus, "4", tag.OrderID, orderID)
			// H of an unknown order.
			d.send("H", tag.ClOrdID, "nope", tag.Account, d.acct, tag.Symbol, testSymbol, tag.Side, "1")
			expect(t, d.next(), "8", tag.ExecType, d.execType("I", "8"), tag.OrdStatus, "8",
				tag.OrdRejReason, "5", tag.OrderID, "NONE")
			// ... with a Side the engine does not trade (sell short): echoed,
			// since the answer must carry one.
			d.send("H", tag.ClOrdID, "nope", tag.Account, d.acct, tag.Symbol, testSymbol, tag.Side, "5")
			expect(t, d.next(), "8", tag.OrdStatus, "8", tag.Side, "5", tag.OrderID, "NONE")
			// ... without the Side it requires: a session Reject naming it.
			// So for a cancel and a replace.
			d.send("H", tag.ClOrdID, "nope", tag.Account, d.acct, tag.Symbol, testSymbol)
			expect(t, d.client.nextAdmin(), "3", tag.SessionRejectReason, "1", tag.RefTagID, "54")
			d.send("F", tag.ClOrdID, "x1", tag.OrigClOrdID, "o3", tag.Account, d.acct, tag.Symbol, testSymbol, tag.OrderQty, "20")
			expect(t, d.client.nextAdmin(), "3", tag.SessionRejectReason, "1", tag.RefTagID, "54", tag.RefMsgType, "F")
			d.send("G", tag.ClOrdID, "x2", tag.OrigClOrdID, "o3", tag.Account, d.acct, tag.Symbol, testSymbol,
				tag.OrderQty, "20", tag.OrdType, "2", tag.Price, "100.05", tag.HandlInst, "1")
			expect(t, d.client.nextAdmin(), "3", tag.SessionRejectReason, "1", tag.RefTagID, "54", tag.RefMsgType, "G")
			// q: cancel all, two orders.
			d.limit("m1", "1", "10", "99.00")
			d.expectNew("m1")
			d.limit("m2", "2", "10", "110.00")
			d.expectNew("m2")
			// FIX 4.2 has no OrderMassCancelReport (r): the cancels' reports
			// are the answer, and a rejection is a BusinessMessageReject (j).
			d.send("q", tag.ClOrdID, "mc1", tag.Account, d.acct, tag.MassCancelRequestType, "7")
			// Each cancelled order's report carries the q's ClOrdID and,
			// as OrigClOrdID, the order's: on 4.2 they are the only answer.
			expect(t, d.next(), "8", tag.ExecType, "4", tag.ClOrdID, "mc1", tag.OrigClOrdID, "m1", tag.Text, "mass_cancel")
			expect(t, d.next(), "8", tag.ExecType, "4", tag.ClOrdID, "mc1", tag.OrigClOrdID, "m2")
			if d.v44 {
				f = expect(t, d.next(), "r", tag.ClOrdID, "mc1", tag.MassCancelRequestType, "7",
					tag.MassCancelResponse, "7", tag.TotalAffectedOrders, "2", tag.Text, "account "+d.acct)
				require.NotContains(t, f, tag.Account, "OrderMassCancelReport has no Account in 4.4")
			}
			// q by symbol. On 4.2, m3's report comes next: no r in between.
			d.limit("m3", "1", "10", "99.00")
			d.expectNew("m3")
			d.send("q", tag.ClOrdID, "mc2", tag.Account, d.acct, tag.MassCancelRequestType, "1", tag.Symbol, testSymbol)
			expect(t, d.next(), "8", tag.ExecType, "4", tag.ClOrdID, "mc2", tag.OrigClOrdID, "m3")
			if d.v44 {
				expect(t, d.next(), "r", tag.ClOrdID, "mc2", tag.MassCancelResponse, "1", tag.TotalAffectedOrders, "1",
					tag.Symbol, testSymbol)
			}
			// q of an unknown symbol is rejected by the engine.
			d.send("q", tag.ClOrdID, "mc3", tag.Account, d.acct, tag.MassCancelRequestType, "1", tag.Symbol, "NOPE")
			if d.v44 {
				expect(t, d.next(), "r", tag.ClOrdID, "mc3", tag.MassCancelResponse, "0", tag.MassCancelRejectReason, "1")
			} else {
				f = expect(t, d.next(), "j", tag.RefMsgType, "q", tag.BusinessRejectRefID, "mc3",
					tag.BusinessRejectReason, "2")
				require.Contains(t, f[tag.Text], "unknown_instrument")
			}
			// q of an unsupported type.
			d.send("q", tag.ClOrdID, "mc4", tag.Account, d.acct, tag.MassCancelRequestType, "3")
			if d.v44 {
				expect(t, d.next(), "r", tag.ClOrdID, "mc4", tag.MassCancelResponse, "0", tag.MassCancelRejectReason, "0")
			} else {
				f = expect(t, d.next(), "j", tag.RefMsgType, "q", tag.BusinessRejectRefID, "mc4",
					tag.BusinessRejectReason, "0")
				require.Contains(t, f[tag.Text], "MassCancelRequestType (530)")
			}
			d.none(100 * time.Millisecond)
		})
	}
}

func TestFillsBetweenSessions(t *testing.T) {
	v := newEnv(t, "", "")
	d1, d2 := v.desks()[0], v.desks()[1]
	d1.limit("s1", "2", "40", "101.00")
	d1.expectNew("s1")
	d1.limit("s2", "2", "40", "101.05")
	d1.expectNew("s2")
	// DESK2 (4.2) buys 70 at up to 101.05: 40 @ 101.00 then 30 @ 101.05.
	d2.limit("b1", "1", "70", "101.05")
	d2.expectNew("b1")
	expect(t, d2.next(), "8", tag.ExecTransType, "0", tag.ExecType, "1", tag.OrdStatus, "1",
		tag.LastQty, "40", tag.LastPx, "101.00", tag.CumQty, "40", tag.LeavesQty, "30", tag.AvgPx, "101.00")
	// AvgPx exactly (40*101.00 + 30*101.05) / 70 = 101.02142857142857...: rounded at 10 decimals.
	f := expect(t, d2.next(), "8", tag.ExecTransType, "0", tag.ExecType, "2", tag.OrdStatus, "2",
		tag.LastQty, "30", tag.LastPx, "101.05", tag.CumQty, "70", tag.LeavesQty, "0", tag.AvgPx, "101.0214285714")
	require.NotEqual(t, f[tag.ExecID], "")
	// DESK1 (4.4) gets its maker fills: ExecType F.
	m1 := expect(t, d1.next(), "8", tag.ExecType, "F", tag.OrdStatus, "2", tag.ClOrdID, "s1",
		tag.LastQty, "40", tag.LastPx, "101.00", tag.CumQty, "40", tag.LeavesQty, "0", tag.AvgPx, "101.00")
	m2 := expect(t, d1.next(), "8", tag.ExecType, "F", tag.OrdStatus, "1", tag.ClOrdID, "s2",
		tag.LastQty, "30", tag.LastPx, "101.05", tag.CumQty, "30", tag.LeavesQty, "10")
	require.NotEqual(t, m1[tag.ExecID], m2[tag.ExecID])
	require.NotEqual(t, m1[tag.ExecID], f[tag.ExecID])
}

func TestCancelReplacePriority(t *testing.T) {
	v := newEnv(t, "", "")
	d1, d2 := v.desks()[0], v.desks()[1]
	d1.limit("a", "1", "50", "100.00")
	d1.expectNew("a")
	d2.limit("b", "1", "50", "100.00")
	d2.expectNew("b")
	// Reducing quantity keeps A first in the queue.
	d1.send("G", tag.ClOrdID, "a2", tag.OrigClOrdID, "a", tag.Symbol, testSymbol, tag.Side, "1",
		tag.OrderQty, "40", tag.OrdType, "2", tag.Price, "100.00")
	expect(t, d1.next(), "8", tag.ExecType, "5", tag.ClOrdID, "a2", tag.LeavesQty, "40")
	// DESK2B, so that self-trade prevention leaves DESK2's own order alone.
	x := desk{d2.client, "DESK2B", false}
	x.limit("x1", "2", "10", "100.00")
	x.expectNew("x1")
	expect(t, d2.next(), "8", tag.ExecType, "2", tag.ClOrdID, "x1")
	expect(t, d1.next(), "8", tag.ExecType, "F", tag.ClOrdID, "a2", tag.LastQty, "10", tag.LeavesQty, "30")
	// Increasing quantity sends A behind B.
	d1.send("G", tag.ClOrdID, "a3", tag.OrigClOrdID, "a2", tag.Symbol, testSymbol, tag.Side, "1",
		tag.OrderQty, "60", tag.OrdType, "2", tag.Price, "100.00")
	expect(t, d1.next(), "8", tag.ExecType, "5", tag.ClOrdID, "a3", tag.OrigClOrdID, "a2", tag.LeavesQty, "50", tag.CumQty, "10")
	x.limit("x2", "2", "10", "100.00")
	x.expectNew("x2")
	expect(t, d2.next(), "8", tag.ExecType, "2", tag.ClOrdID, "x2")
	expect(t, d2.next(), "8", tag.ExecType, "1", tag.ClOrdID, "b", tag.LastQty, "10", tag.LeavesQty, "40")
	d1.none(100 * time.Millisecond)
}

func TestRejects(t *testing.T) {
	v := newEnv(t, "", "")
	for _, d := range v.desks() {
		t.Run(d.id.BeginString, func(t *testing.T) {
			d.t = t
			// Off tick: Other (99) on 4.4, which has no Invalid price
			// increment (18); Broker option (0) on 4.2.
			rejTick := d.execType("99", "0")
			// Off tick: more decimals than the instrument has, and not a multiple of the tick.
			d.limit("r1", "1", "10", "100.001")
			f := expect(t, d.next(), "8", tag.ExecType, "8", tag.OrdStatus, "8", tag.ClOrdID, "r1",
				tag.OrdRejReason, rejTick, tag.OrderID, "NONE")
			require.Contains(t, f[tag.Text], "not on the tick 0.05")
			d.limit("r2", "1", "10", "100.03")
			f = expect(t, d.next(), "8", tag.ExecType, "8", tag.ClOrdID, "r2", tag.OrdRejReason, rejTick)
			require.Contains(t, f[tag.Text], "not a multiple of the tick 0.05")
			// Off lot.
			d.limit("r3", "1", "15", "100.00")
			// A reject echoes the order's terms as sent, the quantity the
			// gateway refused among them (never 38=0).
			f = expect(t, d.next(), "8", tag.ExecType, "8", tag.ClOrdID, "r3", tag.OrdRejReason, d.execType("13", "0"),
				tag.OrderQty, "15", tag.Price, "100.00", tag.Side, "1", tag.Symbol, testSymbol, tag.CumQty, "0", tag.LeavesQty, "0")
			require.Contains(t, f[tag.Text], "lot size 10")
			d.limit("r4", "1", "10.5", "100.00")
			expect(t, d.next(), "8", tag.ExecType, "8", tag.ClOrdID, "r4", tag.OrderQty, "10.5", tag.Price, "100.00")
			// Unknown symbol.
			d.send("D", tag.ClOrdID, "r5", tag.Account, d.acct, tag.Symbol, "NOPE", tag.Side, "1",
				tag.OrderQty, "10", tag.OrdType, "2", tag.Price, "1")
			expect(t, d.next(), "8", tag.ExecType, "8", tag.ClOrdID, "r5", tag.OrdRejReason, "1",
				tag.Symbol, "NOPE", tag.OrderQty, "10", tag.Price, "1", tag.OrdType, "2")
			// Unsupported side.
			d.send("D", tag.ClOrdID, "r6", tag.Account, d.acct, tag.Symbol, testSymbol, tag.Side, "5",
				tag.OrderQty, "10", tag.OrdType, "2", tag.Price, "100")
			expect(t, d.next(), "8", tag.ExecType, "8", tag.ClOrdID, "r6", tag.Side, "5")
			// Engine rejects: a duplicate ClOrdID.
			d.limit("r7", "1", "10", "90.00")
			d.expectNew("r7")
			d.limit("r7", "1", "10", "90.00")
			f = expect(t, d.next(), "8", tag.ExecType, "8", tag.ClOrdID, "r7", tag.OrdRejReason, "6")
			require.Equal(t, "duplicate_clordid", f[tag.Text])
			// Cancel of an unknown order: 9 with CxlRejReason 1.
			d.send("F", tag.ClOrdID, "c1", tag.OrigClOrdID, "ghost", tag.Account, d.acct, tag.Symbol, testSymbol, tag.Side, "1")
			expect(t, d.next(), "9", tag.ClOrdID, "c1", tag.OrigClOrdID, "ghost", tag.CxlRejReason, "1",
				tag.CxlRejResponseTo, "1", tag.OrdStatus, "8")
			// Replace of a cancelled order: too late, CxlRejReason 0.
			d.send("F", tag.ClOrdID, "c2", tag.OrigClOrdID, "r7", tag.Account, d.acct, tag.Symbol, testSymbol, tag.Side, "1")
			expect(t, d.next(), "8", tag.ExecType, "4", tag.ClOrdID, "c2")
			d.send("G", tag.ClOrdID, "c3", tag.OrigClOrdID, "c2", tag.Account, d.acct, tag.Symbol, testSymbol,
				tag.Side, "1", tag.OrderQty, "20", tag.OrdType, "2", tag.Price, "90.00")
			expect(t, d.next(), "9", tag.ClOrdID, "c3", tag.CxlRejReason, "0", tag.CxlRejResponseTo, "2", tag.OrdStatus, "4")
			// Replace to an off-tick price: refused by the gateway with a 9.
			d.limit("r8", "1", "10", "90.00")
			d.expectNew("r8")
			d.send("G", tag.ClOrdID, "c4", tag.OrigClOrdID, "r8", tag.Account, d.acct, tag.Symbol, testSymbol,
				tag.Side, "1", tag.OrderQty, "10", tag.OrdType, "2", tag.Price, "90.01")
			f = expect(t, d.next(), "9", tag.ClOrdID, "c4", tag.CxlRejResponseTo, "2")
			require.Contains(t, f[tag.Text], "tick")
		})
	}
}

func TestAccountNotPermitted(t *testing.T) {
	v := newEnv(t, "", "")
	before := v.core.digest(t)
	d1, d2 := v.desks()[0], v.desks()[1]
	// DESK1 may trade only DESK1; OTHER exists in the engine.
	d1.send("D", tag.ClOrdID, "x", tag.Account, "OTHER", tag.Symbol, testSymbol, tag.Side, "1",
		tag.OrderQty, "10", tag.OrdType, "2", tag.Price, "100")
	f := expect(t, d1.next(), "8", tag.ExecType, "8", tag.OrdStatus, "8", tag.ClOrdID, "x", tag.Account, "OTHER",
		tag.OrdRejReason, "15", tag.OrderQty, "10", tag.Price, "100", tag.Side, "1", tag.Symbol, testSymbol, tag.OrdType, "2")
	require.Contains(t, f[tag.Text], "not permitted")
	d1.send("F", tag.ClOrdID, "y", tag.OrigClOrdID, "x", tag.Account, "OTHER", tag.Symbol, testSymbol, tag.Side, "1")
	expect(t, d1.next(), "9", tag.ClOrdID, "y", tag.OrdStatus, "8")
	d1.send("q", tag.ClOrdID, "z", tag.Account, "OTHER", tag.MassCancelRequestType, "7")
	expect(t, d1.next(), "r", tag.ClOrdID, "z", tag.MassCancelResponse, "0")
	d1.send("H", tag.ClOrdID, "x", tag.Account, "OTHER", tag.Symbol, testSymbol, tag.Side, "1")
	expect(t, d1.next(), "8", tag.ExecType, "I", tag.OrdStatus, "8", tag.OrdRejReason, "5")
	// DESK2 (4.2) trades two accounts, so an order without Account is refused.
	d2.send("D", tag.ClOrdID, "w", tag.Symbol, testSymbol, tag.Side, "1",
		tag.OrderQty, "10", tag.OrdType, "2", tag.Price, "100", tag.HandlInst, "1")
	f = expect(t, d2.next(), "8", tag.ExecType, "8", tag.ClOrdID, "w", tag.OrdRejReason, "0",
		tag.OrderQty, "10", tag.Price, "100", tag.Side, "1", tag.Symbol, testSymbol)
	require.Contains(t, f[tag.Text], "Account (1) is required")
	require.Equal(t, before, v.core.digest(t), "refused requests never reach the engine")
	// DESK2 may trade DESK2B.
	d2.send("D", tag.ClOrdID, "w2", tag.Account, "DESK2B", tag.Symbol, testSymbol, tag.Side, "1",
		tag.OrderQty, "10", tag.OrdType, "2", tag.Price, "100", tag.HandlInst, "1")
	expect(t, d2.next(), "8", tag.ExecType, "0", tag.Account, "DESK2B")
}

func TestExpiryOnTickReachesOwner(t *testing.T) {
	v := newEnv(t, "", "")
	d1 := v.desks()[0]
	expire := time.Now().Add(300 * time.Millisecond).UTC()
	d1.send("D", tag.ClOrdID, "g1", tag.Symbol, testSymbol, tag.Side, "1", tag.OrderQty, "10",
		tag.OrdType, "2", tag.Price, "100", tag.TimeInForce, "6", tag.ExpireTime, expire.Format("20060102-15:04:05.000"))
	d1.expectNew("g1")
	// Ticks come from the server, not from a session; retry until the
	// expiry time has passed on the sequencer's clock.
	deadline := time.Now().Add(wait)
	for {
		_, err := v.core.seq.Submit(context.Background(), engine.Command{Kind: engine.KindTick})
		require.NoError(t, err)
		select {
		case m := <-d1.app:
			expect(t, m, "8", tag.ExecType, "C", tag.OrdStatus, "C", tag.ClOrdID, "g1", tag.Text, "expired_gtd")
			return
		case <-time.After(50 * time.Millisecond):
		}
		require.True(t, time.Now().Before(deadline), "no expiry report")
	}
}

func TestOrdersFromOtherGatewaysReachTheAccountSession(t *testing.T) {
	v := newEnv(t, "", "")
	d1 := v.desks()[0]
	d1.limit("s", "2", "10", "100.00")
	d1.expectNew("s")
	// An order entered elsewhere (the gRPC gateway) for OTHER trades with it:
	// DESK1 still gets its maker fill.
	res := v.core.submit(t, book.Command{Kind: book.CmdNewOrder, Account: "OTHER", Symbol: testSymbol, ClOrdID: "g",
		Side: book.Buy, Type: book.Limit, TIF: book.Day, Price: 10000, Qty: 10})
	require.Equal(t, book.EvAccepted, res.Trade[0].Kind)
	expect(t, d1.next(), "8", tag.ExecType, "F", tag.ClOrdID, "s", tag.LastQty, "10")
}

// The routing rule the README and doc.go state: an order entered elsewhere
// (the gRPC gateway) for DESK1 is reported to DESK1's session, a drop copy
// of its acceptance, fills, cancel and even its reject; a refused cancel
// from elsewhere answers no request of this gateway and is not sent.
func TestOrdersEnteredElsewhereAreDropCopied(t *testing.T) {
	v := newEnv(t, "", "")
	d1, d2 := v.desks()[0], v.desks()[1]
	order := func(id string, qty book.Qty) book.Command {
		return book.Command{Kind: book.CmdNewOrder, Account: "DESK1", Symbol: testSymbol, ClOrdID: id,
			Side: book.Buy, Type: book.Limit, TIF: book.Day, Price: 10000, Qty: qty}
	}
	v.core.submit(t, order("g1", 10))
	expect(t, d1.next(), "8", tag.ExecType, "0", tag.ClOrdID, "g1", tag.OrderQty, "10")
	v.core.submit(t, order("g1", 10)) // duplicate ClOrdID: rejected by the engine
	expect(t, d1.next(), "8", tag.ExecType, "8", tag.ClOrdID, "g1", tag.Text, "duplicate_clordid")
	v.core.submit(t, book.Command{Kind: book.CmdCancel, Account: "DESK1", OrigClOrdID: "ghost", ClOrdID: "gx"})
	v.core.submit(t, book.Command{Kind: book.CmdCancel, Account: "DESK1", OrigClOrdID: "g1", ClOrdID: "g2"})
	expect(t, d1.next(), "8", tag.ExecType, "4", tag.ClOrdID, "g2", tag.OrigClOrdID, "g1")
	d1.none(100 * time.Millisecond)
	d2.none(10 * time.Millisecond)
}

func TestStopOrderTriggers(t *testing.T) {
	v := newEnv(t, "", "")
	d1, d2 := v.desks()[0], v.desks()[1]
	d2b := desk{v.desk2, "DESK2B", false}
	stop := func(d desk, id, px string) {
		d.send("D", tag.ClOrdID, id, tag.Account, d.acct, tag.Symbol, testSymbol, tag.Side, "1",
			tag.OrderQty, "10", tag.OrdType, "3", tag.StopPx, px, tag.HandlInst, "1")
		expect(t, d.next(), "8", tag.ExecType, "0", tag.OrdStatus, "0", tag.ClOrdID, id, tag.StopPx, px)
	}
	// FIX 4.4: DESK1's buy stop at 101 is triggered by a trade at 101
	// between DESK2 and DESK2B, and fills against what is left.
	d2b.limit("liq1", "2", "20", "101.00")
	d2b.expectNew("liq1")
	stop(d1, "stop1", "101.00")
	d2.limit("trig1", "1", "10", "101.00")
	d2.expectNew("trig1")
	expect(t, d2.next(), "8", tag.ClOrdID, "trig1", tag.ExecType, "2")
	expect(t, d2.next(), "8", tag.ClOrdID, "liq1", tag.LeavesQty, "10")
	// FIX 4.4's stock dictionary has no Triggered (L) ExecType: Restated (D),
	// ExecRestatementReason Other (99).
	expect(t, d1.next(), "8", tag.ExecType, "D", tag.OrdStatus, "0", tag.ClOrdID, "stop1",
		tag.ExecRestatementReason, "99", tag.Text, "triggered")
	expect(t, d1.next(), "8", tag.ExecType, "F", tag.OrdStatus, "2", tag.ClOrdID, "stop1", tag.LastPx, "101.00")
	expect(t, d2.next(), "8", tag.ClOrdID, "liq1", tag.LeavesQty, "0")
	// FIX 4.2: DESK2's stop at 102 is triggered by DESK1: Restated (D) too,
	// ExecRestatementReason Broker option (4), as 4.2 has no Other.
	d2b.limit("liq2", "2", "20", "102.00")
	d2b.expectNew("liq2")
	stop(d2, "stop2", "102.00")
	d1.limit("trig2", "1", "10", "102.00")
	d1.expectNew("trig2")
	expect(t, d1.next(), "8", tag.ClOrdID, "trig2", tag.ExecType, "F")
	expect(t, d2.next(), "8", tag.ClOrdID, "liq2", tag.LeavesQty, "10")
	expect(t, d2.next(), "8", tag.ExecTransType, "0", tag.ExecType, "D", tag.OrdStatus, "0", tag.ClOrdID, "stop2",
		tag.ExecRestatementReason, "4", tag.Text, "triggered")
	expect(t, d2.next(), "8", tag.ExecType, "2", tag.OrdStatus, "2", tag.ClOrdID, "stop2", tag.LastPx, "102.00")
	expect(t, d2.next(), "8", tag.ClOrdID, "liq2", tag.LeavesQty, "0")
}

// TestReplaceMismatch: a replace that names another instrument (whose
// decimals would scale its price 100 times), another side, order type or
// time in force is refused by the engine with an OrderCancelReject, and the
// order is left as it was.
func TestReplaceMismatch(t *testing.T) {
	v := newEnv(t, "", "")
	res := v.core.submit(t, book.Command{Kind: book.CmdAddInstrument, Instrument: book.Instrument{
		Symbol: "OTHER4", PriceDecimals: 4, TickSize: 1, LotSize: 10, Multiplier: 1, State: book.Open}})
	require.Equal(t, book.EvInstrument, res.Trade[0].Kind)
	d := v.desks()[0]
	d.limit("a", "1", "10", "100.00")
	d.expectNew("a")
	for i, f := range [][]any{
		{tag.Symbol, "OTHER4", tag.Side, "2", tag.OrdType, "2"},
		{tag.Symbol, testSymbol, tag.Side, "2", tag.OrdType, "2"},
		{tag.Symbol, testSymbol, tag.Side, "1", tag.OrdType, "1"},
		{tag.Symbol, testSymbol, tag.Side, "1", tag.OrdType, "2", tag.TimeInForce, "1"},
	} {
		cl := fmt.Sprintf("r%d", i)
		d.send("G", append([]any{tag.ClOrdID, cl, tag.OrigClOrdID, "a", tag.OrderQty, "10", tag.Price, "100.00"}, f...)...)
		got := expect(t, d.next(), "9", tag.ClOrdID, cl, tag.OrigClOrdID, "a", tag.CxlRejResponseTo, "2",
			tag.CxlRejReason, "99", tag.OrdStatus, "0")
		require.Equal(t, "replace_mismatch", got[tag.Text])
	}
	d.send("H", tag.ClOrdID, "a", tag.Account, d.acct, tag.Symbol, testSymbol, tag.Side, "1")
	expect(t, d.next(), "8", tag.ExecType, "I", tag.OrdStatus, "0", tag.Price, "100.00", tag.LeavesQty, "10")
}
