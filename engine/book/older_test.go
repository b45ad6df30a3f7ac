package book_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/engine/wire"
)

// TestOlderFinishedOrders: a GTC order from an earlier day that finishes
// today goes to the done log's older map with its client order id in the
// key arena. A late cancel is "too late" and names it; a query finds it;
// snapshot/restore is byte-identical (also after the restore, when every
// finished order is "older"); end of day forgets it.
func TestOlderFinishedOrders(t *testing.T) {
	e, apply, clock := engineWithX("A", "B")
	evs := apply(book.Command{Kind: book.CmdNewOrder, Account: "A", Symbol: "X", ClOrdID: "gtc-from-yesterday-0123456789-abcdefghij", Side: book.Sell, Type: book.Limit, TIF: book.GTC, Price: 100, Qty: 5})
	id := evs[0].Order.ID
	apply(book.Command{Kind: book.CmdEndOfDay})
	// Fill a day's worth of dense ids first, then fill the GTC.
	for i := range 50 {
		apply(book.Command{Kind: book.CmdNewOrder, Account: "B", Symbol: "X", ClOrdID: "d" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Side: book.Buy, Type: book.Limit, TIF: book.IOC, Price: 99, Qty: 1})
	}
	apply(book.Command{Kind: book.CmdNewOrder, Account: "B", Symbol: "X", ClOrdID: "taker", Side: book.Buy, Type: book.Limit, TIF: book.IOC, Price: 100, Qty: 5})
	check := func(e *book.Engine) {
		st, ok := e.Order(id)
		require.True(t, ok)
		require.Equal(t, "gtc-from-yesterday-0123456789-abcdefghij", st.ClOrdID)
		require.Equal(t, "A", st.Account)
		require.Equal(t, "X", st.Symbol)
	}
	check(e)
	var w wire.Writer
	e.Snapshot(&w)
	snap := append([]byte(nil), w.Bytes()...)
	r := book.New()
	require.NoError(t, r.Restore(wire.NewReader(snap)))
	check(r)
	var w2 wire.Writer
	r.Snapshot(&w2)
	require.Equal(t, snap, w2.Bytes(), "snapshot after restore is byte-identical")
	late := r.Apply(&book.Command{Kind: book.CmdCancel, Account: "A", OrderID: id, ClOrdID: "late"}, *clock+1, nil)
	require.Len(t, late, 1)
	require.Equal(t, book.EvCancelRejected, late[0].Kind)
	require.Equal(t, book.ReasonTooLate, late[0].Reason)
	r.Apply(&book.Command{Kind: book.CmdEndOfDay}, *clock+2, nil)
	_, ok := r.Order(id)
	require.False(t, ok)
}

// engineWithX returns an engine with an open instrument X (ticks and lots
// of 1) and the accounts named (self-trade: cancel the aggressor), an
// apply that stamps each command with the next time, and that clock.
func engineWithX(accounts ...string) (*book.Engine, func(book.Command) []book.Event, *int64) {
	e := book.New()
	now := new(int64)
	apply := func(c book.Command) []book.Event { *now++; return e.Apply(&c, *now, nil) }
	apply(book.Command{Kind: book.CmdAddInstrument, Instrument: book.Instrument{Symbol: "X", PriceDecimals: 2, TickSize: 1, LotSize: 1, Multiplier: 1, State: book.Open}})
	for _, a := range accounts {
		apply(book.Command{Kind: book.CmdAddAccount, Acct: book.Account{ID: a, STP: book.CancelAggressor}})
	}
	return e, apply, now
}
