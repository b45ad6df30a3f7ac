package book

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine/wire"
)

// TestRestoreKeepsDoneLogDense: after a restore, the day's finished orders
// go back to the dense part of the done log, not to the map of older ones
// (which would make a mid-day restart map millions of ids, and every later
// snapshot sort them); a GTC order from an earlier day stays in the map.
func TestRestoreKeepsDoneLogDense(t *testing.T) {
	e := New()
	now := int64(0)
	apply := func(c Command) []Event { now++; return e.Apply(&c, now, nil) }
	apply(Command{Kind: CmdAddInstrument, Instrument: Instrument{Symbol: "X", PriceDecimals: 2, TickSize: 1, LotSize: 1, Multiplier: 1, State: Open}})
	apply(Command{Kind: CmdAddAccount, Acct: Account{ID: "A", STP: CancelAggressor}})
	gtc := apply(Command{Kind: CmdNewOrder, Account: "A", Symbol: "X", ClOrdID: "gtc", Side: Sell, Type: Limit, TIF: GTC, Price: 200, Qty: 1})[0].Order.ID
	// Many orders of earlier days, finished and forgotten at end of day.
	for i := range 2000 {
		apply(Command{Kind: CmdNewOrder, Account: "A", Symbol: "X", ClOrdID: "old" + strconv.Itoa(i), Side: Buy, Type: Limit, TIF: IOC, Price: 100, Qty: 1})
	}
	apply(Command{Kind: CmdEndOfDay})
	for i := range 500 {
		apply(Command{Kind: CmdNewOrder, Account: "A", Symbol: "X", ClOrdID: "d" + strconv.Itoa(i), Side: Buy, Type: Limit, TIF: IOC, Price: 100, Qty: 1})
	}
	apply(Command{Kind: CmdCancel, Account: "A", OrderID: gtc, ClOrdID: "cx"})
	var w wire.Writer
	e.Snapshot(&w)
	snap := append([]byte(nil), w.Bytes()...)

	f := New()
	require.NoError(t, f.Restore(wire.NewReader(snap)))
	require.Len(t, f.done.older, 1, "only the earlier day's GTC order is older")
	require.Equal(t, 500, f.done.recs.Len(), "the day's 500 orders are dense")
	var w2 wire.Writer
	f.Snapshot(&w2)
	require.Equal(t, snap, w2.Bytes())
	st, ok := f.Order(gtc)
	require.True(t, ok)
	require.Equal(t, "cx", st.ClOrdID, "a cancelled order reports the cancel's id")
}
