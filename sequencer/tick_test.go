package sequencer_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/journal"
	"github.com/ordercore/oms/sequencer"
)

// TestTicksExpireWhatIsDue: with TickEvery, a good-till-date order expires
// once the clock passes its time though no other command comes; the ticks
// are journaled, so a replay reaches the same state. Without TickEvery
// nothing ticks.
func TestTicksExpireWhatIsDue(t *testing.T) {
	var now atomic.Int64
	now.Store(1_000_000)
	clock := func() int64 { return now.Load() }
	fs := vfs.NewMem()
	v := open(t, fs, "db", journal.Options{}, sequencer.Options{Now: clock, TickEvery: 2 * time.Millisecond})
	sub, err := v.s.Subscribe(0, 1024)
	require.NoError(t, err)
	ctx := context.Background()
	for _, c := range []book.Command{
		{Kind: book.CmdAddInstrument, Instrument: book.Instrument{Symbol: "X", PriceDecimals: 2, TickSize: 1, LotSize: 1, Multiplier: 1, State: book.Open}},
		{Kind: book.CmdAddAccount, Acct: book.Account{ID: "A", STP: book.CancelAggressor}},
		{Kind: book.CmdNewOrder, Account: "A", Symbol: "X", ClOrdID: "g1", Side: book.Buy, Type: book.Limit, TIF: book.GTD,
			Price: 100, Qty: 5, ExpireTime: 2_000_000},
	} {
		res, err := v.s.Submit(ctx, engine.Command{Kind: engine.KindTrade, Trade: c})
		require.NoError(t, err)
		for _, ev := range res.Trade {
			require.NotEqual(t, book.EvRejected, ev.Kind, "%+v", ev)
		}
	}
	now.Store(3_000_000) // past the expiry; only a tick can act on it
	deadline := time.After(10 * time.Second)
	for expired := false; !expired; {
		select {
		case r, ok := <-sub.C:
			require.True(t, ok, "subscription ended: %v", sub.Err())
			for _, ev := range r.Trade {
				if ev.Kind == book.EvExpired && ev.Order.ClOrdID == "g1" {
					expired = true
				}
			}
		case <-deadline:
			t.Fatal("the GTD order did not expire")
		}
	}
	v.close(t)

	// The ticks are in the journal: the replayed order has expired too.
	v = open(t, fs, "db", journal.Options{}, sequencer.Options{})
	defer v.close(t)
	var st book.OrderState
	require.NoError(t, v.s.Query(ctx, func(e *engine.Engine) { st, _ = e.Book().OrderByClOrdID("A", "g1") }))
	require.Equal(t, book.StatusExpired, st.Status)
	// Without TickEvery, no command is journaled by itself.
	_, seq := v.digest(t)
	time.Sleep(20 * time.Millisecond)
	_, again := v.digest(t)
	require.Equal(t, seq, again)
}

func TestTickEveryValidated(t *testing.T) {
	j, err := journal.Open("db", journal.Options{FS: vfs.NewMem(), Logger: quiet()})
	require.NoError(t, err)
	defer j.Close()
	_, err = sequencer.New(engine.New(), j, sequencer.Options{TickEvery: -time.Second})
	require.ErrorContains(t, err, "option TickEvery is -1s")
}
