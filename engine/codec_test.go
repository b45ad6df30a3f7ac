package engine_test

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/engine/commerce"
	"github.com/ordercore/oms/engine/wire"
	"github.com/stretchr/testify/require"
)

func tradeCommands() []engine.Command {
	return []engine.Command{
		{Seq: 1, Time: 10, Kind: engine.KindTrade, Trade: book.Command{Kind: book.CmdAddInstrument, Instrument: book.Instrument{
			Symbol: "ACME", PriceDecimals: 2, TickSize: 5, LotSize: 10, Multiplier: 1, BandBps: 500, RefPrice: 1000, State: book.Open}}},
		{Seq: 2, Time: 11, Kind: engine.KindTrade, Trade: book.Command{Kind: book.CmdAddAccount, Acct: book.Account{
			ID: "A", MaxOrderQty: 100, MaxOrderNotional: 5, CreditLimit: 6, MaxPosition: 7, Restricted: []string{"X", "Y"}, STP: book.CancelBoth}}},
		{Seq: 3, Time: 12, Kind: engine.KindTrade, Trade: book.Command{Kind: book.CmdNewOrder, Account: "A", Symbol: "ACME",
			ClOrdID: "c1", Side: book.Sell, Type: book.StopLimit, TIF: book.GTD, Price: 995, StopPrice: 1000, Qty: 30,
			DisplayQty: 10, PostOnly: true, ExpireTime: 99}},
		{Seq: 4, Time: -5, Kind: engine.KindTrade, Trade: book.Command{Kind: book.CmdReplace, Account: "A", OrderID: 7,
			OrigClOrdID: "c1", ClOrdID: "c2", Price: 990, StopPrice: 1, Qty: 20}},
		{Seq: 4, Time: 3, Kind: engine.KindTrade, Trade: book.Command{Kind: book.CmdReplace, Account: "A",
			OrigClOrdID: "c2", ClOrdID: "c4", Symbol: "ACME", Side: book.Sell, Type: book.StopLimit, TIF: book.GTD, Qty: 30}},
		{Seq: 5, Kind: engine.KindTrade, Trade: book.Command{Kind: book.CmdCancel, Account: "A", OrigClOrdID: "c2", ClOrdID: "c3"}},
		{Seq: 6, Kind: engine.KindTrade, Trade: book.Command{Kind: book.CmdMassCancel, Account: "A", Symbol: "ACME", ClOrdID: "m"}},
		{Seq: 7, Kind: engine.KindTrade, Trade: book.Command{Kind: book.CmdEndOfDay, Symbol: "ACME"}},
		{Seq: 8, Kind: engine.KindTrade, Trade: book.Command{Kind: book.CmdSetTradingState, Symbol: "ACME", State: book.Halted}},
		{Seq: 9, Time: 1 << 62, Kind: engine.KindTick},
	}
}

func TestCommandRoundTrip(t *testing.T) {
	names := wire.NewInterner(100)
	for _, c := range tradeCommands() {
		b := engine.AppendCommand(nil, &c)
		var got engine.Command
		require.NoError(t, engine.DecodeCommand(b, &got))
		require.Equal(t, c, got)
		var interned engine.Command
		require.NoError(t, engine.DecodeCommandInterned(b, &interned, names))
		require.Equal(t, c, interned, "interning names changes nothing")
		// Every strict prefix is refused, never silently accepted.
		for i := 0; i < len(b); i++ {
			require.Error(t, engine.DecodeCommand(b[:i], &got), "prefix %d of %v", i, c.Trade.Kind)
		}
		require.Error(t, engine.DecodeCommand(append(b, 0), &got), "trailing byte")
	}
}

// TestDecodeCommandV1Replace: a replace journaled in the version 1 payload
// encoding (no Symbol, Side, Type or TIF) still decodes, with those fields
// zero, which the engine reads as "not checked". The bytes are pinned, not
// produced by today's encoder.
func TestDecodeCommandV1Replace(t *testing.T) {
	// version 1, seq 4, time 12, trade, replace, account "A", order id 7,
	// orig "c1", cl "c2", price 990, stop 1, qty 20.
	b, err := hex.DecodeString("0104180108014107026331026332bc0f0228")
	require.NoError(t, err)
	var got engine.Command
	require.NoError(t, engine.DecodeCommand(b, &got))
	require.Equal(t, engine.Command{Seq: 4, Time: 12, Kind: engine.KindTrade, Trade: book.Command{Kind: book.CmdReplace,
		Account: "A", OrderID: 7, OrigClOrdID: "c1", ClOrdID: "c2", Price: 990, StopPrice: 1, Qty: 20}}, got)
	for i := 0; i < len(b); i++ {
		require.Error(t, engine.DecodeCommand(b[:i], &got), "prefix %d", i)
	}
	// Re-encoded, it is a current version record of the same command.
	v2 := engine.AppendCommand(nil, &got)
	require.Equal(t, book.CodecVersion, v2[0])
	var back engine.Command
	require.NoError(t, engine.DecodeCommand(v2, &back))
	require.Equal(t, got, back)
	// A version 2 decoder reading version 1 bytes of other kinds: unchanged.
	for _, c := range tradeCommands() {
		if c.Kind != engine.KindTrade || c.Trade.Kind == book.CmdReplace {
			continue
		}
		b := engine.AppendCommand(nil, &c)
		b[0] = 1
		require.NoError(t, engine.DecodeCommand(b, &got))
		require.Equal(t, c, got)
	}
}

// TestDecodeCommandV1Reservation: a reservation and its release journaled
// in the version 1 payload encoding (no channel) still decode, with the
// channel zero: no owner, as an administrator's. The bytes are pinned.
func TestDecodeCommandV1Reservation(t *testing.T) {
	for _, tc := range []struct {
		hex  string
		want commerce.Command
	}{
		// version 1, seq 5, time 9, commerce, reserve, SKU "A", location 1,
		// qty 2, TTL 60.
		{"01051202070141010478", commerce.Command{Kind: commerce.CmdReserve, SKU: "A", Loc: 1, Qty: 2, TTL: 60}},
		// version 1, seq 6, time 9, commerce, release reservation 3.
		{"010612020803", commerce.Command{Kind: commerce.CmdReleaseReservation, Reservation: 3}},
	} {
		b, err := hex.DecodeString(tc.hex)
		require.NoError(t, err)
		var got engine.Command
		require.NoError(t, engine.DecodeCommand(b, &got), tc.hex)
		require.Equal(t, tc.want, got.Commerce, tc.hex)
		for i := 0; i < len(b); i++ {
			require.Error(t, engine.DecodeCommand(b[:i], &got), "%s prefix %d", tc.hex, i)
		}
		// From version 2 the channel is written, and read back.
		got.Commerce.Channel = commerce.Marketplace
		v2 := engine.AppendCommand(nil, &got)
		require.Equal(t, commerce.CodecVersion, v2[0])
		var back engine.Command
		require.NoError(t, engine.DecodeCommand(v2, &back))
		require.Equal(t, got, back)
	}
}

// TestCodecVersionsAgree: the payload version is one number for both
// halves of the engine.
func TestCodecVersionsAgree(t *testing.T) {
	require.Equal(t, book.CodecVersion, commerce.CodecVersion)
	require.Equal(t, book.CodecV1, commerce.CodecV1)
}

func TestDecodeCommandErrors(t *testing.T) {
	var c engine.Command
	err := engine.DecodeCommand([]byte{9}, &c)
	require.ErrorContains(t, err, "version")
	b := engine.AppendCommand(nil, &engine.Command{Seq: 1, Kind: engine.KindTick})
	b[len(b)-1] = 77 // unknown kind
	err = engine.DecodeCommand(b, &c)
	require.True(t, errors.Is(err, wire.ErrCorrupt), "%v", err)
}

func FuzzDecodeCommand(f *testing.F) {
	for _, c := range tradeCommands() {
		f.Add(engine.AppendCommand(nil, &c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var c engine.Command
		if engine.DecodeCommand(b, &c) != nil {
			return
		}
		// Whatever decodes re-encodes to the same bytes (an older version
		// re-encodes at the current one, to the same command), and
		// applies without panicking.
		re := engine.AppendCommand(nil, &c)
		if b[0] == re[0] {
			require.Equal(t, b, re)
		} else {
			var back engine.Command
			require.NoError(t, engine.DecodeCommand(re, &back))
			require.Equal(t, c, back)
		}
		var out engine.Output
		engine.New().Apply(&c, &out)
	})
}

// TestEngineDeterminism applies the same commands to two engines: events
// and snapshots must be byte-identical, and a restored engine must have the
// same digest.
func TestEngineDeterminism(t *testing.T) {
	a, b := engine.New(), engine.New()
	var oa, ob engine.Output
	for _, c := range tradeCommands() {
		oa.Reset()
		ob.Reset()
		a.Apply(&c, &oa)
		b.Apply(&c, &ob)
		require.Equal(t, oa, ob)
	}
	require.Equal(t, a.Snapshot(nil), b.Snapshot(nil))
	r := engine.New()
	require.NoError(t, r.Restore(a.Snapshot(nil)))
	require.Equal(t, a.Digest(), r.Digest())
	require.Equal(t, uint64(9), r.LastSeq())
	// A damaged snapshot is refused and leaves an empty engine.
	snap := a.Snapshot(nil)
	require.Error(t, r.Restore(snap[:len(snap)-3]))
	require.Equal(t, engine.New().Digest(), r.Digest())
}

// TestSnapshotVersion1 restores a version 1 snapshot (the book's layout
// without the mass-cancel memory): it reads as the same state, none
// remembered, and writes the current version back.
func TestSnapshotVersion1(t *testing.T) {
	a := engine.New()
	var out engine.Output
	for _, c := range tradeCommands() {
		if c.Trade.Kind == book.CmdMassCancel {
			continue // a version 1 engine remembered none
		}
		out.Reset()
		a.Apply(&c, &out)
	}
	var bw, cw wire.Writer
	a.Book().Snapshot(&bw)
	a.Commerce().Snapshot(&cw)
	b := bw.Bytes()
	accounts := len(a.Book().Accounts())
	require.Equal(t, byte(1), b[len(b)-1-accounts], "the mass-cancel counter, untouched")
	v1 := wire.NewWriter(nil)
	v1.Byte(1)
	v1.Uvarint(a.LastSeq())
	v1.Varint(a.Now())
	raw := append(v1.Bytes(), b[:len(b)-1-accounts]...)
	raw = append(raw, cw.Bytes()...)
	r := engine.New()
	require.NoError(t, r.Restore(raw))
	require.Equal(t, a.Snapshot(nil), r.Snapshot(nil))
	require.Equal(t, a.Digest(), r.Digest())
	raw[0] = 3
	require.Error(t, engine.New().Restore(raw))
}
