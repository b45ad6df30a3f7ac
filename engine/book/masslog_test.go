package book_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/engine/wire"
)

func massSetup(t *testing.T) *book.Engine {
	e := book.New()
	e.Apply(&book.Command{Kind: book.CmdAddInstrument, Instrument: book.Instrument{
		Symbol: "X", PriceDecimals: 2, TickSize: 1, LotSize: 1, Multiplier: 1, State: book.Open}}, 1, nil)
	out := e.Apply(&book.Command{Kind: book.CmdAddAccount, Acct: book.Account{ID: "A", STP: book.CancelAggressor}}, 1, nil)
	require.Equal(t, book.EvAccount, out[0].Kind)
	return e
}

// TestMassCancelMemoryBound: an account remembers its last
// MaxMassCancelIDs mass cancels; the oldest is forgotten first, and a mass
// cancel is never refused for the memory's sake.
func TestMassCancelMemoryBound(t *testing.T) {
	e := massSetup(t)
	var out []book.Event
	n := book.MaxMassCancelIDs + 3
	for i := range n {
		out = e.Apply(&book.Command{Kind: book.CmdMassCancel, Account: "A", ClOrdID: "m" + strconv.Itoa(i)}, int64(2+i), out[:0])
		require.Equal(t, book.EvMassCanceled, out[len(out)-1].Kind, "mass cancel %d", i)
		require.Equal(t, book.MassCancelID(i+1), out[len(out)-1].MassCancel, "mass cancel %d's id", i)
	}
	require.NoError(t, e.CheckInvariants())
	for i := range 3 {
		_, ok := e.MassCancel("A", "m"+strconv.Itoa(i))
		require.False(t, ok, "m%d is one of the oldest: forgotten", i)
	}
	for _, i := range []int{3, n / 2, n - 1} {
		m, ok := e.MassCancel("A", "m"+strconv.Itoa(i))
		require.True(t, ok, "m%d", i)
		require.Equal(t, book.MassCancelState{ID: book.MassCancelID(i + 1), Account: "A", ClOrdID: "m" + strconv.Itoa(i), Time: int64(2 + i)}, m)
		out = e.Apply(&book.Command{Kind: book.CmdMassCancel, Account: "A", ClOrdID: "m" + strconv.Itoa(i)}, int64(2+n), out[:0])
		require.Equal(t, book.EvRejected, out[0].Kind)
		require.Equal(t, book.ReasonDuplicateClOrdID, out[0].Reason)
	}
	// A forgotten one is processed again, and remembered again.
	out = e.Apply(&book.Command{Kind: book.CmdMassCancel, Account: "A", ClOrdID: "m0"}, int64(3+n), out[:0])
	require.Equal(t, book.EvMassCanceled, out[0].Kind)
	_, ok := e.MassCancel("A", "m3")
	require.False(t, ok, "pushed out by m0")

	// The ring survives a snapshot as it is, oldest first.
	var w wire.Writer
	e.Snapshot(&w)
	r := book.New()
	require.NoError(t, r.Restore(wire.NewReader(w.Bytes())))
	require.NoError(t, r.CheckInvariants())
	var w2 wire.Writer
	r.Snapshot(&w2)
	require.Equal(t, w.Bytes(), w2.Bytes())
	out = r.Apply(&book.Command{Kind: book.CmdMassCancel, Account: "A", ClOrdID: "m-next"}, int64(4+n), out[:0])
	require.Equal(t, book.MassCancelID(n+2), out[0].MassCancel)
	_, ok = r.MassCancel("A", "m4")
	require.False(t, ok, "the oldest after the restore is the one pushed out")
}

// TestMassCancelSnapshotV1: a snapshot in the layout before mass cancels
// were remembered restores with none remembered.
func TestMassCancelSnapshotV1(t *testing.T) {
	e := massSetup(t)
	var w wire.Writer
	e.Snapshot(&w)
	b := w.Bytes()
	// A version 1 layout is the version 2 one without its tail: the
	// counter (1) and one empty memory per account.
	require.Equal(t, []byte{1, 0}, b[len(b)-2:])
	r := book.New()
	require.NoError(t, r.RestoreVersion(wire.NewReader(b[:len(b)-2]), book.SnapshotV1))
	var w2 wire.Writer
	r.Snapshot(&w2)
	require.Equal(t, b, w2.Bytes())
	require.Error(t, book.New().RestoreVersion(wire.NewReader(b), book.SnapshotVersion+1))
}
