package fix

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/book"
	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/tag"
	"github.com/stretchr/testify/require"
)

func TestLogonPassword(t *testing.T) {
	v := newServer(t, "LogonPassword=s3cret", "")
	for _, pw := range []string{"wrong", ""} {
		c := dialRaw(t, v.port, "FIX.4.4", "DESK1")
		fields := []any{tag.EncryptMethod, "0", tag.HeartBtInt, "30"}
		if pw != "" {
			fields = append(fields, tag.Password, pw)
		}
		c.write(c.build("A", fields...))
		f := expect(t, c.read(), "5")
		require.Contains(t, f[tag.Text], "invalid password")
		c.closed()
	}
	good := newClient(t, v.dir, "FIX.4.4", "DESK1", v.port, "s3cret")
	good.waitLogon()
	d := desk{good, "DESK1", true}
	d.limit("p1", "1", "10", "100")
	d.expectNew("p1")
	// A session without a password (DESK2) needs none.
	d2 := newClient(t, v.dir, "FIX.4.2", "DESK2", v.port, "")
	d2.waitLogon()
}

func TestReconnectResendsMissedExecutions(t *testing.T) {
	v := newEnv(t, "", "")
	d1, d2 := v.desks()[0], v.desks()[1]
	d1.limit("s1", "2", "30", "100.00")
	d1.expectNew("s1")
	d1.stop() // DESK1 logs out; its order stays
	d2.limit("b1", "1", "10", "100.00")
	d2.expectNew("b1")
	expect(t, d2.next(), "8", tag.ExecType, "2", tag.ClOrdID, "b1")
	d2.limit("b2", "1", "10", "100.00")
	d2.expectNew("b2")
	expect(t, d2.next(), "8", tag.ExecType, "2", tag.ClOrdID, "b2")
	// DESK1 comes back with its own store: the two fills it missed arrive
	// through FIX resend, in order.
	back := newClient(t, v.dir, "FIX.4.4", "DESK1", v.port, "")
	v.desk1 = back
	back.waitLogon()
	f := expect(t, back.next(), "8", tag.ExecType, "F", tag.ClOrdID, "s1", tag.LastQty, "10", tag.CumQty, "10", tag.LeavesQty, "20")
	e1 := f[tag.ExecID]
	f = expect(t, back.next(), "8", tag.ExecType, "F", tag.ClOrdID, "s1", tag.LastQty, "10", tag.CumQty, "20", tag.LeavesQty, "10")
	require.NotEqual(t, e1, f[tag.ExecID])
	back.none(200 * time.Millisecond)
	// And it trades on.
	bd := desk{back, "DESK1", true}
	bd.send("F", tag.ClOrdID, "s2", tag.OrigClOrdID, "s1", tag.Symbol, testSymbol, tag.Side, "2")
	expect(t, back.next(), "8", tag.ExecType, "4", tag.ClOrdID, "s2", tag.CumQty, "20")
}

func msgSeqNum(t testing.TB, f map[quickfix.Tag]string) int {
	t.Helper()
	var n int
	for _, c := range f[tag.MsgSeqNum] {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestServerRestartKeepsSequenceNumbers(t *testing.T) {
	v := newEnv(t, "", "")
	d1, d2 := v.desks()[0], v.desks()[1]
	d1.limit("r1", "2", "10", "100.00")
	d1.limit("r2", "2", "10", "100.05")
	d1.expectNew("r1")
	last := msgSeqNum(t, d1.expectNew("r2"))
	require.NoError(t, v.gw.Close())
	v.core.close(t)
	select {
	case <-d1.logout:
	case <-time.After(wait):
		t.Fatal("DESK1 not logged out by the shutdown")
	}
	// Restart: the journal recovers the engine, the file stores the FIX
	// sequence numbers. The desks reconnect on their own.
	v.core = openCore(t, v.core.fs)
	l, _ := listen(t, v.port)
	v.gw = startGateway(t, v.core, gatewaySettings(v.dir, v.port, "", ""), l)
	d1.waitLogon()
	d2.waitLogon()
	// The order entered before the restart still reaches DESK1 (routed by
	// account), with sequence numbers that carry on.
	d2.limit("b", "1", "10", "100.00")
	d2.expectNew("b")
	expect(t, d2.next(), "8", tag.ExecType, "2", tag.ClOrdID, "b")
	f := expect(t, d1.next(), "8", tag.ExecType, "F", tag.ClOrdID, "r1", tag.LastQty, "10")
	require.Greater(t, msgSeqNum(t, f), last+1, "sequence numbers survive the restart")
	require.NotEqual(t, "Y", f[tag.PossDupFlag])
	d1.send("F", tag.ClOrdID, "r3", tag.OrigClOrdID, "r2", tag.Symbol, testSymbol, tag.Side, "2")
	expect(t, d1.next(), "8", tag.ExecType, "4", tag.ClOrdID, "r3", tag.OrigClOrdID, "r2")
	// No session-level trouble (rejects, resets) on either side.
	for len(d1.admin) > 0 {
		m := <-d1.admin
		require.True(t, m.IsMsgTypeOf("5"), "unexpected admin message %s", m) // only the shutdown's Logout
	}
}

func TestRateLimit(t *testing.T) {
	v := newEnv(t, "MaxMessagesPerSecond=5", "")
	d1 := v.desks()[0]
	const n = 12
	for i := range n {
		d1.limit("rl"+string(rune('a'+i)), "1", "10", "90.00")
	}
	var accepted, limited int
	for range n {
		f := fields(t, d1.next())
		switch f[tag.MsgType] {
		case "8":
			require.Equal(t, "0", f[tag.ExecType])
			accepted++
		case "j":
			require.Contains(t, f[tag.Text], "rate limit")
			require.Equal(t, "D", f[tag.RefMsgType])
			require.True(t, strings.HasPrefix(f[tag.BusinessRejectRefID], "rl"))
			limited++
		default:
			t.Fatalf("unexpected %v", f)
		}
	}
	require.GreaterOrEqual(t, accepted, 5)
	require.GreaterOrEqual(t, limited, 4, "accepted %d", accepted)
	// The session is not otherwise affected: after a pause it trades again.
	time.Sleep(time.Second) // let the bucket refill: a rate, not a wait for a condition
	d1.limit("after", "1", "10", "90.00")
	d1.expectNew("after")
}

func openOrders(t testing.TB, c *core, acct string) int {
	t.Helper()
	var n int
	require.NoError(t, c.seq.Query(context.Background(), func(e *engine.Engine) {
		n = len(e.Book().OpenOrders(acct, "", nil))
	}))
	return n
}

func TestCancelOnDisconnect(t *testing.T) {
	v := newEnv(t, "CancelOnDisconnect=Y", "")
	d1, d2 := v.desks()[0], v.desks()[1]
	d1.limit("c1", "1", "10", "90.00")
	d1.expectNew("c1")
	d1.limit("c2", "2", "10", "110.00")
	d1.expectNew("c2")
	d2.limit("k1", "1", "10", "90.00")
	d2.expectNew("k1")
	d1.stop()
	require.Eventually(t, func() bool { return openOrders(t, v.core, "DESK1") == 0 }, wait, 10*time.Millisecond)
	require.Equal(t, 1, openOrders(t, v.core, "DESK2"), "DESK2 does not cancel on disconnect")
	back := newClient(t, v.dir, "FIX.4.4", "DESK1", v.port, "")
	v.desk1 = back
	back.waitLogon()
	// The gateway's mass cancel is the request: its ClOrdID (COD-...) is
	// the reports' ClOrdID, the orders' are their OrigClOrdID.
	// Their Text says why, unlike a desk's own mass cancel (mass_cancel).
	f := expect(t, back.next(), "8", tag.ExecType, "4", tag.OrigClOrdID, "c1", tag.Text, "cancel_on_disconnect")
	require.True(t, strings.HasPrefix(f[tag.ClOrdID], "COD-"), f[tag.ClOrdID])
	expect(t, back.next(), "8", tag.ExecType, "4", tag.ClOrdID, f[tag.ClOrdID], tag.OrigClOrdID, "c2", tag.Text, "cancel_on_disconnect")
	back.none(200 * time.Millisecond)
	d2.stop()
	require.NoError(t, v.core.seq.Query(context.Background(), func(e *engine.Engine) {
		st, ok := e.Book().OrderByClOrdID("DESK2", "k1")
		require.True(t, ok)
		require.Equal(t, book.StatusNew, st.Status)
	}))
}

func TestShutdownCancelsForCancelOnDisconnect(t *testing.T) {
	v := newEnv(t, "CancelOnDisconnect=Y", "")
	d1, d2 := v.desks()[0], v.desks()[1]
	d1.limit("c1", "1", "10", "90.00")
	d1.expectNew("c1")
	d2.limit("k1", "1", "10", "90.00")
	d2.expectNew("k1")
	require.NoError(t, v.gw.Close())
	require.Equal(t, 0, openOrders(t, v.core, "DESK1"))
	require.Equal(t, 1, openOrders(t, v.core, "DESK2"))
	// The cancel report was handed over before the session was logged out.
	expect(t, d1.next(), "8", tag.ExecType, "4", tag.OrigClOrdID, "c1", tag.Text, "cancel_on_disconnect")
	d2.none(100 * time.Millisecond)
	// Both sessions were logged out with a Logout that says why.
	for _, d := range []desk{d1, d2} {
		expect(t, d.nextAdmin(), "5", tag.Text, "server shutting down")
	}
}
