package fix

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/journal"
	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/tag"
	"github.com/stretchr/testify/require"
)

// resend sends a request again as a desk's engine or application does after
// a doubt: under a new MsgSeqNum, flagged PossDupFlag (43) = Y with its
// OrigSendingTime (122), or PossResend (97) = Y.
func (c *client) resend(flag quickfix.Tag, msgType string, fields ...any) {
	c.t.Helper()
	m := c.message(msgType, fields...)
	m.Header.SetBool(flag, true)
	if flag == tag.PossDupFlag {
		m.Header.SetField(tag.OrigSendingTime, quickfix.FIXUTCTimestamp{Time: time.Now().Add(-time.Second)})
	}
	require.NoError(c.t, quickfix.SendToTarget(m, c.id))
}

// expectStatus checks a status answer (ExecType I on 4.4; ExecTransType 3
// and ExecType = OrdStatus on 4.2) with OrdStatus ordStatus and the pairs
// in want, and that it is no reject.
func (d desk) expectStatus(ordStatus string, want ...any) map[quickfix.Tag]string {
	d.t.Helper()
	want = append([]any{tag.ExecType, d.execType("I", ordStatus), tag.OrdStatus, ordStatus, tag.Account, d.acct}, want...)
	f := expect(d.t, d.next(), "8", want...)
	if !d.v44 {
		require.Equal(d.t, "3", f[tag.ExecTransType])
	}
	require.NotContains(d.t, f, tag.OrdRejReason)
	require.NotContains(d.t, f, tag.Text)
	return f
}

// A re-sent NewOrderSingle, OrderCancelRequest or OrderCancelReplaceRequest
// flagged PossDupFlag or PossResend whose ClOrdID was already taken is
// answered with the order's status, not rejected as a duplicate (which
// would tell the desk a live or filled order was rejected), and does not
// reach the engine. One never taken is processed as new; one without a
// flag is still a duplicate.
func TestPossDupResendAnsweredWithStatus(t *testing.T) {
	v := newEnv(t, "", "")
	ds := v.desks()
	for i, d := range ds {
		other := ds[1-i]
		t.Run(d.id.BeginString, func(t *testing.T) {
			d.t, other.t = t, t
			p := d.acct + "-"
			order := []any{tag.ClOrdID, p + "L5", tag.Account, d.acct, tag.Symbol, testSymbol, tag.Side, "1",
				tag.OrderQty, "10", tag.OrdType, "2", tag.Price, "100.00", tag.HandlInst, "1"}
			d.send("D", order...)
			orderID := d.expectNew(p + "L5")[tag.OrderID]
			other.limit(p+"S5", "2", "10", "100.00")
			other.expectNew(p + "S5")
			expect(t, other.next(), "8", tag.ClOrdID, p+"S5", tag.OrdStatus, "2")
			expect(t, d.next(), "8", tag.ClOrdID, p+"L5", tag.OrdStatus, "2")

			before := v.core.digest(t)
			for _, flag := range []quickfix.Tag{tag.PossDupFlag, tag.PossResend} {
				d.resend(flag, "D", order...)
				d.expectStatus("2", tag.ClOrdID, p+"L5", tag.OrderID, orderID, tag.CumQty, "10", tag.LeavesQty, "0",
					tag.AvgPx, "100.00", tag.OrderQty, "10", tag.Side, "1")
			}
			require.Equal(t, before, v.core.digest(t), "an answered re-send does not reach the engine")

			// Without a flag, a duplicate is refused as before.
			d.send("D", order...)
			expect(t, d.next(), "8", tag.ExecType, "8", tag.OrdStatus, "8", tag.ClOrdID, p+"L5",
				tag.OrderID, "NONE", tag.Text, "duplicate_clordid")

			// A flagged re-send of an order never taken is a new order.
			d.resend(tag.PossDupFlag, "D", tag.ClOrdID, p+"L7", tag.Account, d.acct, tag.Symbol, testSymbol,
				tag.Side, "1", tag.OrderQty, "10", tag.OrdType, "2", tag.Price, "90.00", tag.HandlInst, "1")
			d.expectNew(p + "L7")

			// A replace, then a cancel, each re-sent: the order's status.
			replace := []any{tag.ClOrdID, p + "R7", tag.OrigClOrdID, p + "L7", tag.Account, d.acct, tag.Symbol, testSymbol,
				tag.Side, "1", tag.OrderQty, "20", tag.OrdType, "2", tag.Price, "90.00", tag.HandlInst, "1"}
			d.send("G", replace...)
			expect(t, d.next(), "8", tag.ExecType, "5", tag.ClOrdID, p+"R7", tag.OrderQty, "20")
			d.resend(tag.PossDupFlag, "G", replace...)
			d.expectStatus("0", tag.ClOrdID, p+"R7", tag.OrigClOrdID, p+"L7", tag.OrderQty, "20", tag.LeavesQty, "20")
			cancel := []any{tag.ClOrdID, p + "C7", tag.OrigClOrdID, p + "R7", tag.Account, d.acct, tag.Symbol, testSymbol, tag.Side, "1"}
			d.send("F", cancel...)
			expect(t, d.next(), "8", tag.ExecType, "4", tag.ClOrdID, p+"C7")
			before = v.core.digest(t)
			d.resend(tag.PossResend, "F", cancel...)
			d.expectStatus("4", tag.ClOrdID, p+"C7", tag.OrderQty, "20", tag.LeavesQty, "0")
			d.resend(tag.PossDupFlag, "G", replace...) // the replace's id now names a cancelled order
			d.expectStatus("4", tag.ClOrdID, p+"C7")
			require.Equal(t, before, v.core.digest(t))
			// Without a flag, the cancel is refused.
			d.send("F", cancel...)
			expect(t, d.next(), "9", tag.ClOrdID, p+"C7")
			d.none(100 * time.Millisecond)
		})
	}
}

// A request in flight from one session (held just before its submit) and
// a request with the same account and ClOrdID from another session
// trading that account: the second waits for the first, whose reports go
// to its own sender, and is answered after them: a re-send (PossDupFlag)
// with the order's status, a plain request as a duplicate. Before, the
// second was looked up (unknown yet), submitted and took the first's place
// in the router: the re-send became the order and the original was refused
// as duplicate_clordid.
func TestSameClOrdIDWaitsForRequestInFlight(t *testing.T) {
	held := make(chan string, 1)
	release, stop := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	submits := map[string]int{}
	submitted := func(id string) int { mu.Lock(); defer mu.Unlock(); return submits[id] }
	cfg := Config{submitHook: func(c *book.Command) {
		mu.Lock()
		submits[c.ClOrdID]++
		first := submits[c.ClOrdID] == 1
		mu.Unlock()
		if first && strings.HasPrefix(c.ClOrdID, "held-") {
			held <- c.ClOrdID
			select {
			case <-release:
			case <-stop:
			}
		}
	}}
	v := newEnvWith(t, cfg, "", "Accounts=DESK2,DESK2B,DESK1")
	t.Cleanup(func() { close(stop) }) // before the gateway closes: a failed test leaves none held
	d1 := v.desks()[0]
	other := desk{v.desk2, "DESK1", false} // FIX 4.2, same account
	for _, flag := range []quickfix.Tag{tag.PossDupFlag, 0} {
		t.Run(fmt.Sprint("flag=", flag), func(t *testing.T) {
			d1.t, other.t = t, t
			id := fmt.Sprint("held-", flag)
			order := []any{tag.ClOrdID, id, tag.Account, "DESK1", tag.Symbol, testSymbol, tag.Side, "1",
				tag.OrderQty, "10", tag.OrdType, "2", tag.Price, "90.00", tag.HandlInst, "1"}
			d1.send("D", order...)
			select {
			case <-held:
			case <-time.After(wait):
				t.Fatal("the first request never reached its submit")
			}
			if flag != 0 {
				other.resend(flag, "D", order...)
			} else {
				other.send("D", order...)
			}
			// It waits (or, as before, goes ahead and is submitted).
			require.Eventually(t, func() bool { return v.gw.router.waiting(reqKey{"DESK1", id}) || submitted(id) > 1 },
				wait, time.Millisecond)
			release <- struct{}{}
			orderID := d1.expectNew(id)[tag.OrderID]
			if flag != 0 {
				other.expectStatus("0", tag.ClOrdID, id, tag.OrderID, orderID, tag.OrderQty, "10", tag.LeavesQty, "10")
			} else {
				expect(t, other.next(), "8", tag.ExecType, "8", tag.OrdStatus, "8", tag.ClOrdID, id,
					tag.OrderID, "NONE", tag.Text, "duplicate_clordid")
			}
			d1.none(100 * time.Millisecond)
			other.none(100 * time.Millisecond)
			want := 2 // a plain request goes to the engine, which refuses it
			if flag != 0 {
				want = 1 // an answered re-send does not
			}
			require.Equal(t, want, submitted(id), "submits of %s", id)
		})
	}
}

// A re-sent OrderMassCancelRequest (PossDupFlag or PossResend) with the
// ClOrdID of a mass cancel the engine accepted for the account is not
// processed again, which would cancel the orders entered since: FIX 4.4
// gets the original OrderMassCancelReport again (same OrderID and count,
// PossResend=Y), FIX 4.2, whose answer was the cancels' reports, nothing
// new. A flagged one never accepted is processed as new; an unflagged one
// is refused as a duplicate (duplicate_clordid), cancelling nothing.
func TestMassCancelResendNotProcessedAgain(t *testing.T) {
	v := newEnv(t, "", "")
	for _, d := range v.desks() {
		t.Run(d.id.BeginString, func(t *testing.T) {
			d.t = t
			p := d.acct + "-"
			mass := []any{tag.ClOrdID, p + "MC1", tag.Account, d.acct, tag.MassCancelRequestType, "7"}
			d.limit(p+"A", "1", "10", "90.00")
			d.expectNew(p + "A")
			d.send("q", mass...)
			expect(t, d.next(), "8", tag.ExecType, "4", tag.ClOrdID, p+"MC1", tag.OrigClOrdID, p+"A")
			var first map[quickfix.Tag]string
			if d.v44 {
				first = expect(t, d.next(), "r", tag.ClOrdID, p+"MC1", tag.MassCancelResponse, "7", tag.TotalAffectedOrders, "1")
			}
			d.limit(p+"B", "1", "10", "90.00")
			d.expectNew(p + "B")

			before := v.core.digest(t)
			for _, flag := range []quickfix.Tag{tag.PossDupFlag, tag.PossResend} {
				d.resend(flag, "q", mass...)
				if d.v44 {
					f := expect(t, d.next(), "r", tag.ClOrdID, p+"MC1", tag.OrderID, first[tag.OrderID],
						tag.MassCancelRequestType, "7", tag.MassCancelResponse, "7", tag.TotalAffectedOrders, "1",
						tag.TransactTime, first[tag.TransactTime], tag.PossResend, "Y")
					require.NotEqual(t, first[tag.MsgSeqNum], f[tag.MsgSeqNum])
				}
				d.none(100 * time.Millisecond) // B is not cancelled
			}
			require.Equal(t, before, v.core.digest(t), "an answered re-send does not reach the engine")

			// A flagged re-send of a mass cancel never received is new.
			d.resend(tag.PossDupFlag, "q", tag.ClOrdID, p+"MC2", tag.Account, d.acct, tag.MassCancelRequestType, "7")
			expect(t, d.next(), "8", tag.ExecType, "4", tag.ClOrdID, p+"MC2", tag.OrigClOrdID, p+"B")
			if d.v44 {
				expect(t, d.next(), "r", tag.ClOrdID, p+"MC2", tag.TotalAffectedOrders, "1")
			}
			// Unflagged, the ClOrdID of a mass cancel accepted today is
			// a duplicate: refused by the engine, and C lives.
			d.limit(p+"C", "1", "10", "90.00")
			d.expectNew(p + "C")
			d.send("q", mass...)
			if d.v44 {
				expect(t, d.next(), "r", tag.ClOrdID, p+"MC1", tag.MassCancelResponse, "0",
					tag.MassCancelRejectReason, "99", tag.Text, "account "+d.acct+": duplicate_clordid")
			} else {
				expect(t, d.next(), "j", tag.RefMsgType, "q", tag.BusinessRejectRefID, p+"MC1",
					tag.Text, "account "+d.acct+": duplicate_clordid")
			}
			d.none(100 * time.Millisecond)
		})
	}
}

// TestMassCancelResendAfterRestart: the engine remembers the mass cancels
// it accepted, in its journal and its snapshot, so an
// OrderMassCancelRequest re-sent after a restart of the gateway and the
// core is still answered with the original report, and cancels nothing,
// in particular not the orders entered since.
func TestMassCancelResendAfterRestart(t *testing.T) {
	for _, from := range []string{"journal", "snapshot"} {
		t.Run(from, func(t *testing.T) {
			v := newCrashEnv(t, resumeOpts(), Config{})
			firsts := map[string]map[quickfix.Tag]string{}
			for _, d := range v.desks() {
				d.t = t
				p := d.acct + "-"
				d.limit(p+"A", "1", "10", "90.00")
				d.expectNew(p + "A")
				d.send("q", tag.ClOrdID, p+"MC1", tag.Account, d.acct, tag.MassCancelRequestType, "7")
				expect(t, d.next(), "8", tag.ExecType, "4", tag.ClOrdID, p+"MC1", tag.OrigClOrdID, p+"A")
				if d.v44 {
					firsts[d.acct] = expect(t, d.next(), "r", tag.ClOrdID, p+"MC1", tag.MassCancelResponse, "7",
						tag.TotalAffectedOrders, "1")
				}
			}
			v.restartWith(resumeOpts(), func() {
				if from == "snapshot" {
					writeSnapshot(t, v.core)
				}
			})
			for _, d := range v.desks() {
				p := d.acct + "-"
				d.limit(p+"B", "1", "10", "90.00")
				d.expectNew(p + "B")
			}
			before := v.core.digest(t)
			for _, d := range v.desks() {
				p := d.acct + "-"
				d.resend(tag.PossDupFlag, "q", tag.ClOrdID, p+"MC1", tag.Account, d.acct, tag.MassCancelRequestType, "7")
				if d.v44 {
					first := firsts[d.acct]
					expect(t, d.next(), "r", tag.ClOrdID, p+"MC1", tag.OrderID, first[tag.OrderID],
						tag.MassCancelRequestType, "7", tag.MassCancelResponse, "7", tag.TotalAffectedOrders, "1",
						tag.TransactTime, first[tag.TransactTime], tag.Text, first[tag.Text], tag.PossResend, "Y")
				}
				d.none(100 * time.Millisecond) // B is not cancelled
			}
			require.Equal(t, before, v.core.digest(t), "an answered re-send does not reach the engine")
		})
	}
}

// writeSnapshot recovers the core's closed journal into an engine and
// writes a snapshot of it, so that the next open restores from it.
func writeSnapshot(t *testing.T, c *core) {
	t.Helper()
	j, err := journal.Open("journal", journal.Options{FS: c.fs, Logger: quietLogger()})
	require.NoError(t, err)
	e := engine.New()
	_, err = j.Recover(e, journal.ReplayOptions{})
	require.NoError(t, err)
	require.NoError(t, j.WriteSnapshot(e.LastSeq(), e.Digest(), e.Snapshot(nil)))
	require.NoError(t, j.Close())
}

// TestForeignSameClOrdIDRacingResend pins the limit of routing by account
// and ClOrdID (see "Re-sent requests" in doc.go): a command from another
// gateway with the account and ClOrdID of a re-send in flight, applied
// between the re-send's look-up and its submit, is taken for the re-send's
// answer, and the re-send itself is refused as a plain duplicate.
func TestForeignSameClOrdIDRacingResend(t *testing.T) {
	var v *env
	cfg := Config{submitHook: func(c *book.Command) {
		if c.ClOrdID == "race" {
			// What a gRPC NewOrder with the same account and ClOrdID does.
			v.core.submit(t, book.Command{Kind: book.CmdNewOrder, Account: c.Account, Symbol: testSymbol, ClOrdID: "race",
				Side: book.Buy, Type: book.Limit, TIF: book.Day, Price: 9500, Qty: 10})
		}
	}}
	v = newEnvWith(t, cfg, "", "")
	d := v.desks()[0]
	d.t = t
	d.resend(tag.PossDupFlag, "D", tag.ClOrdID, "race", tag.Account, "DESK1", tag.Symbol, testSymbol, tag.Side, "1",
		tag.OrderQty, "20", tag.OrdType, "2", tag.Price, "90.00", tag.HandlInst, "1")
	// The other gateway's order, reported as the answer (its terms, not the request's) ...
	expect(t, d.next(), "8", tag.ExecType, "0", tag.ClOrdID, "race", tag.OrderQty, "10", tag.Price, "95.00")
	// ... then the re-send's own outcome, a drop copy to the account's session.
	expect(t, d.next(), "8", tag.ExecType, "8", tag.ClOrdID, "race", tag.Text, "duplicate_clordid")
	d.none(100 * time.Millisecond)
}
