package gateway

import (
	"strconv"
	"testing"

	"github.com/ordercore/oms/engine/book"
	pb "github.com/ordercore/oms/proto/omsv1"
	"github.com/ordercore/oms/sequencer"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// requireCode checks err's status code and returns the status.
func requireCode(t *testing.T, err error, c codes.Code) *status.Status {
	t.Helper()
	require.Error(t, err)
	st, ok := status.FromError(err)
	require.True(t, ok, "not a status: %v", err)
	require.Equal(t, c, st.Code(), "message: %s", st.Message())
	return st
}

// reasonOf returns the engine reason in a status's ErrorInfo.
func reasonOf(t *testing.T, st *status.Status) string {
	t.Helper()
	for _, d := range st.Details() {
		if ei, ok := d.(*errdetails.ErrorInfo); ok {
			return ei.GetReason()
		}
	}
	t.Fatalf("no ErrorInfo in %v", st.Details())
	return ""
}

// metadataOf returns the metadata of a status's ErrorInfo.
func metadataOf(t *testing.T, st *status.Status) map[string]string {
	t.Helper()
	for _, d := range st.Details() {
		if ei, ok := d.(*errdetails.ErrorInfo); ok {
			return ei.GetMetadata()
		}
	}
	t.Fatalf("no ErrorInfo in %v", st.Details())
	return nil
}

// fieldsOf returns the fields of a status's BadRequest violations.
func fieldsOf(st *status.Status) []string {
	var out []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out = append(out, v.GetField())
			}
		}
	}
	return out
}

// setupTrading defines instrument XYZ and accounts A, B and C.
func setupTrading(t *testing.T, ts *testServer) {
	t.Helper()
	tc := ts.trading()
	ctx := ctxAs(t, adminTok)
	_, err := tc.AddInstrument(ctx, &pb.AddInstrumentRequest{Instrument: &pb.Instrument{Symbol: "XYZ", PriceDecimals: 2,
		TickSize: 1, LotSize: 1, RefPrice: 10_000}})
	require.NoError(t, err)
	for _, id := range []string{"A", "B", "C"} {
		_, err := tc.AddAccount(ctx, &pb.AddAccountRequest{Account: &pb.Account{Id: id}})
		require.NoError(t, err)
	}
}

func limit(acct, clid string, side pb.Side, px, qty int64) *pb.NewOrderRequest {
	return &pb.NewOrderRequest{Account: acct, Symbol: "XYZ", ClOrdId: clid, Side: side, Type: pb.OrdType_ORD_TYPE_LIMIT,
		Tif: pb.TimeInForce_TIME_IN_FORCE_GTC, Price: px, Qty: qty}
}

func TestTradingEndToEnd(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupTrading(t, ts)
	tc := ts.trading()
	desk := ctxAs(t, deskTok)

	sell, err := tc.NewOrder(desk, limit("A", "s1", pb.Side_SIDE_SELL, 10_100, 10))
	require.NoError(t, err)
	require.Equal(t, pb.OrdStatus_ORD_STATUS_NEW, sell.GetOrder().GetStatus())
	require.NotZero(t, sell.GetOrder().GetOrderId())
	require.NotZero(t, sell.GetSeq())

	buy, err := tc.NewOrder(desk, limit("B", "b1", pb.Side_SIDE_BUY, 10_100, 4))
	require.NoError(t, err)
	require.Equal(t, pb.OrdStatus_ORD_STATUS_FILLED, buy.GetOrder().GetStatus())
	var trades int
	for _, e := range buy.GetEvents() {
		if e.GetKind() == "trade" {
			trades++
			require.Equal(t, int64(4), e.GetLastQty())
			require.Equal(t, int64(10_100), e.GetLastPx())
			require.Equal(t, sell.GetOrder().GetOrderId(), e.GetMaker().GetOrderId())
		}
	}
	require.Equal(t, 1, trades)

	got, err := tc.GetOrder(desk, &pb.GetTradeOrderRequest{OrderId: sell.GetOrder().GetOrderId()})
	require.NoError(t, err)
	require.Equal(t, int64(4), got.GetCumQty())
	require.Equal(t, int64(6), got.GetLeavesQty())
	byCl, err := tc.GetOrder(desk, &pb.GetTradeOrderRequest{Account: "A", ClOrdId: "s1"})
	require.NoError(t, err)
	require.Equal(t, got.GetOrderId(), byCl.GetOrderId())

	open, err := tc.ListOpenOrders(desk, &pb.ListOpenOrdersRequest{Account: "A"})
	require.NoError(t, err)
	require.Len(t, open.GetOrders(), 1)

	depth, err := tc.GetDepth(desk, &pb.GetDepthRequest{Symbol: "XYZ"})
	require.NoError(t, err)
	require.Empty(t, depth.GetBids())
	require.Len(t, depth.GetAsks(), 1)
	require.Equal(t, int64(6), depth.GetAsks()[0].GetQty())
	require.Equal(t, int64(10_100), depth.GetLastPrice())

	pos, err := tc.GetPositions(desk, &pb.GetPositionsRequest{Account: "B"})
	require.NoError(t, err)
	require.Len(t, pos.GetPositions(), 1)
	require.Equal(t, int64(4), pos.GetPositions()[0].GetQty())

	rep, err := tc.ReplaceOrder(desk, &pb.ReplaceOrderRequest{Account: "A", OrigClOrdId: "s1", ClOrdId: "s1r", Price: 10_200, Qty: 8})
	require.NoError(t, err)
	require.Equal(t, "s1r", rep.GetOrder().GetClOrdId())
	require.Equal(t, int64(4), rep.GetOrder().GetLeavesQty())

	cxl, err := tc.CancelOrder(desk, &pb.CancelOrderRequest{Account: "A", OrigClOrdId: "s1r", ClOrdId: "c1"})
	require.NoError(t, err)
	require.Equal(t, pb.OrdStatus_ORD_STATUS_CANCELED, cxl.GetOrder().GetStatus())

	_, err = tc.NewOrder(desk, limit("A", "s2", pb.Side_SIDE_SELL, 10_300, 1))
	require.NoError(t, err)
	mc, err := tc.MassCancel(desk, &pb.MassCancelRequest{Account: "A", ClOrdId: "m1"})
	require.NoError(t, err)
	require.NotEmpty(t, mc.GetEvents())
	open, err = tc.ListOpenOrders(desk, &pb.ListOpenOrdersRequest{Account: "A"})
	require.NoError(t, err)
	require.Empty(t, open.GetOrders())

	admin := ctxAs(t, adminTok)
	_, err = tc.UpdateInstrument(admin, &pb.UpdateInstrumentRequest{Instrument: &pb.Instrument{Symbol: "XYZ", PriceDecimals: 2,
		TickSize: 1, LotSize: 1, RefPrice: 10_000, BandBps: 500}})
	require.NoError(t, err)
	_, err = tc.UpdateAccount(admin, &pb.UpdateAccountRequest{Account: &pb.Account{Id: "A", MaxOrderQty: 100}})
	require.NoError(t, err)
	_, err = tc.SetTradingState(admin, &pb.SetTradingStateRequest{Symbol: "XYZ", State: pb.TradingState_TRADING_STATE_HALTED})
	require.NoError(t, err)
	st := requireCode(t, errOf(tc.NewOrder(desk, limit("A", "h1", pb.Side_SIDE_BUY, 10_000, 1))), codes.FailedPrecondition)
	require.Equal(t, "instrument_halted", reasonOf(t, st))
	_, err = tc.EndOfDay(admin, &pb.EndOfDayRequest{})
	require.NoError(t, err)

	ins, err := tc.ListInstruments(desk, &pb.ListInstrumentsRequest{})
	require.NoError(t, err)
	require.Len(t, ins.GetInstruments(), 1)
	require.Equal(t, int64(500), ins.GetInstruments()[0].GetBandBps())
	accts, err := tc.ListAccounts(desk, &pb.ListAccountsRequest{})
	require.NoError(t, err)
	require.Len(t, accts.GetAccounts(), 2, "a desk sees only its accounts")
	accts, err = tc.ListAccounts(admin, &pb.ListAccountsRequest{})
	require.NoError(t, err)
	require.Len(t, accts.GetAccounts(), 3)
}

func errOf[T any](_ T, err error) error { return err }

func TestTradingRejectionsCarryReason(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupTrading(t, ts)
	tc := ts.trading()
	desk := ctxAs(t, deskTok)

	req := limit("A", "x1", pb.Side_SIDE_BUY, 10_000, 1)
	req.Symbol = "NOPE"
	st := requireCode(t, errOf(tc.NewOrder(desk, req)), codes.NotFound)
	require.Equal(t, "unknown_instrument", reasonOf(t, st))

	_, err := tc.NewOrder(desk, limit("A", "dup", pb.Side_SIDE_BUY, 10_000, 1))
	require.NoError(t, err)
	st = requireCode(t, errOf(tc.NewOrder(desk, limit("A", "dup", pb.Side_SIDE_BUY, 10_000, 1))), codes.AlreadyExists)
	require.Equal(t, "duplicate_clordid", reasonOf(t, st))

	st = requireCode(t, errOf(tc.CancelOrder(desk, &pb.CancelOrderRequest{Account: "A", OrderId: 999, ClOrdId: "x9"})), codes.NotFound)
	require.Equal(t, "unknown_order", reasonOf(t, st))

	st = requireCode(t, errOf(tc.AddAccount(ctxAs(t, adminTok), &pb.AddAccountRequest{Account: &pb.Account{Id: "A"}})), codes.AlreadyExists)
	require.Equal(t, "duplicate_account", reasonOf(t, st))

	_, err = tc.GetOrder(desk, &pb.GetTradeOrderRequest{OrderId: 999})
	requireCode(t, err, codes.NotFound)
	_, err = tc.GetDepth(desk, &pb.GetDepthRequest{Symbol: "NOPE"})
	requireCode(t, err, codes.NotFound)
}

func TestMalformedRequestsNameFields(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupTrading(t, ts)
	tc := ts.trading()
	desk := ctxAs(t, deskTok)

	st := requireCode(t, errOf(tc.NewOrder(desk, &pb.NewOrderRequest{Account: "A", Qty: -1, Side: 7})), codes.InvalidArgument)
	require.ElementsMatch(t, []string{"symbol", "cl_ord_id", "side", "qty", "price"}, fieldsOf(st))
	require.Contains(t, st.Message(), "symbol")

	st = requireCode(t, errOf(tc.NewOrder(desk, &pb.NewOrderRequest{Account: "A", Symbol: "XYZ", ClOrdId: "bad id", Side: pb.Side_SIDE_BUY,
		Price: 1, Qty: 1, DisplayQty: 5})), codes.InvalidArgument)
	require.ElementsMatch(t, []string{"cl_ord_id", "display_qty"}, fieldsOf(st))

	// Off tick is found by the engine, and still reported as a field.
	_, err := tc.AddInstrument(ctxAs(t, adminTok), &pb.AddInstrumentRequest{Instrument: &pb.Instrument{Symbol: "T5", TickSize: 5, LotSize: 1, RefPrice: 100}})
	require.NoError(t, err)
	req := limit("A", "t1", pb.Side_SIDE_BUY, 101, 1)
	req.Symbol = "T5"
	st = requireCode(t, errOf(tc.NewOrder(desk, req)), codes.InvalidArgument)
	require.Equal(t, "off_tick", reasonOf(t, st))
	require.Equal(t, []string{"price"}, fieldsOf(st))

	st = requireCode(t, errOf(tc.AddInstrument(ctxAs(t, adminTok), &pb.AddInstrumentRequest{Instrument: &pb.Instrument{PriceDecimals: 9}})), codes.InvalidArgument)
	require.ElementsMatch(t, []string{"instrument.symbol", "instrument.price_decimals", "instrument.tick_size", "instrument.lot_size"}, fieldsOf(st))

	st = requireCode(t, errOf(tc.CancelOrder(desk, &pb.CancelOrderRequest{Account: "A"})), codes.InvalidArgument)
	require.ElementsMatch(t, []string{"order_id", "cl_ord_id"}, fieldsOf(st))
}

// A cancel, replace or new order without its client order id is refused by
// the translation, before the sequencer: no sequence number is used up.
func TestMissingClOrdIDRefusedBeforeJournal(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupTrading(t, ts)
	tc := ts.trading()
	desk := ctxAs(t, deskTok)
	_, err := tc.NewOrder(desk, limit("A", "c2", pb.Side_SIDE_SELL, 10_000, 5))
	require.NoError(t, err)
	next := ts.nextSeq()

	noID := limit("A", "", pb.Side_SIDE_SELL, 10_000, 5)
	for name, call := range map[string]func() error{
		"new": func() error { return errOf(tc.NewOrder(desk, noID)) },
		"cancel": func() error {
			return errOf(tc.CancelOrder(desk, &pb.CancelOrderRequest{Account: "A", OrigClOrdId: "c2"}))
		},
		"replace": func() error {
			return errOf(tc.ReplaceOrder(desk, &pb.ReplaceOrderRequest{Account: "A", OrigClOrdId: "c2", Qty: 4}))
		},
	} {
		st := requireCode(t, call(), codes.InvalidArgument)
		require.Equal(t, []string{"cl_ord_id"}, fieldsOf(st), name)
		require.Equal(t, next, ts.nextSeq(), "%s: refused before the sequencer", name)
	}
}

func TestAuthDenials(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupTrading(t, ts)
	tc := ts.trading()

	_, err := tc.ListInstruments(ctxAs(t, ""), &pb.ListInstrumentsRequest{})
	requireCode(t, err, codes.Unauthenticated)
	_, err = tc.ListInstruments(ctxAs(t, "no-such-token-at-all"), &pb.ListInstrumentsRequest{})
	requireCode(t, err, codes.Unauthenticated)

	// A desk trades only its accounts and administers nothing.
	_, err = tc.NewOrder(ctxAs(t, deskTok), limit("C", "x", pb.Side_SIDE_BUY, 10_000, 1))
	requireCode(t, err, codes.PermissionDenied)
	_, err = tc.AddAccount(ctxAs(t, deskTok), &pb.AddAccountRequest{Account: &pb.Account{Id: "D"}})
	requireCode(t, err, codes.PermissionDenied)
	_, err = tc.GetPositions(ctxAs(t, deskTok), &pb.GetPositionsRequest{Account: "C"})
	requireCode(t, err, codes.PermissionDenied)
	_, err = ts.admin().GetStatus(ctxAs(t, deskTok), &pb.GetStatusRequest{})
	requireCode(t, err, codes.PermissionDenied)

	// Another desk's order is not found, so ids cannot be probed.
	res, err := tc.NewOrder(ctxAs(t, otherTok), limit("C", "c1", pb.Side_SIDE_BUY, 10_000, 1))
	require.NoError(t, err)
	_, err = tc.GetOrder(ctxAs(t, deskTok), &pb.GetTradeOrderRequest{OrderId: res.GetOrder().GetOrderId()})
	requireCode(t, err, codes.NotFound)

	// A channel token cannot trade; a desk cannot use commerce admin.
	_, err = tc.NewOrder(ctxAs(t, webTok), limit("A", "w", pb.Side_SIDE_BUY, 10_000, 1))
	requireCode(t, err, codes.PermissionDenied)
	_, err = ts.commerce().SetStock(ctxAs(t, deskTok), &pb.SetStockRequest{Sku: "S", LocationId: 1, OnHand: 1, Version: 1})
	requireCode(t, err, codes.PermissionDenied)
	_, err = ts.commerce().PlaceOrder(ctxAs(t, mktTok), &pb.PlaceOrderRequest{Channel: pb.Channel_CHANNEL_WEB, ChannelOrderId: "o1",
		Customer: "c", ShipTo: &pb.Coord{}, Lines: []*pb.OrderLineInput{{Sku: "S", Qty: 1, Currency: "EUR"}}})
	requireCode(t, err, codes.PermissionDenied)

	who, err := ts.admin().WhoAmI(ctxAs(t, webTok), &pb.WhoAmIRequest{})
	require.NoError(t, err)
	require.Equal(t, "web", who.GetChannel())
}

func TestCounterpartyHidden(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupTrading(t, ts)
	tc := ts.trading()
	aStream, err := ts.streams().SubscribeOrders(ctxAs(t, deskTok), &pb.SubscribeOrdersRequest{Account: "A", FromSeq: ts.nextSeq()})
	require.NoError(t, err)
	sell, err := tc.NewOrder(ctxAs(t, deskTok), limit("A", "secret-a", pb.Side_SIDE_SELL, 10_100, 5))
	require.NoError(t, err)

	buy, err := tc.NewOrder(ctxAs(t, otherTok), limit("C", "c1", pb.Side_SIDE_BUY, 10_100, 2))
	require.NoError(t, err)
	var trade *pb.TradeEvent
	for _, e := range buy.GetEvents() {
		require.NotEqual(t, "A", e.GetOrder().GetAccount(), "C sees no order of A")
		if e.GetKind() == "trade" {
			trade = e
		}
	}
	require.NotNil(t, trade)
	require.Nil(t, trade.GetMaker(), "the maker is hidden from the taker")
	require.Equal(t, "C", trade.GetOrder().GetAccount())

	// A's stream shows the same trade from the maker's side.
	msgs := recvN(t, aStream.Recv, 2)
	require.Equal(t, "accepted", msgs[0].GetTrade().GetKind())
	mt := msgs[1].GetTrade()
	require.Equal(t, "trade", mt.GetKind())
	require.Equal(t, sell.GetOrder().GetOrderId(), mt.GetOrder().GetOrderId())
	require.Equal(t, int64(2), mt.GetOrder().GetCumQty())
	require.Nil(t, mt.GetMaker())
	require.Equal(t, int64(2), mt.GetLastQty())
}

// TestTradeResultSkipsExpiries: the GTD orders due when a command runs
// expire first, in the same result; the result's order is still the one
// the command addresses, and another account's expiry is not shown.
func TestTradeResultSkipsExpiries(t *testing.T) {
	res := &sequencer.Result{Seq: 7, Trade: []book.Event{
		{Kind: book.EvExpired, Reason: book.ReasonExpiredGTD, Order: book.OrderState{ID: 3, Account: "B", ClOrdID: "b1", Status: book.StatusExpired}},
		{Kind: book.EvExpired, Reason: book.ReasonExpiredGTD, Order: book.OrderState{ID: 4, Account: "A", ClOrdID: "a0", Status: book.StatusExpired}},
		{Kind: book.EvAccepted, Order: book.OrderState{ID: 9, Account: "A", ClOrdID: "a1", Status: book.StatusNew}},
	}}
	out, err := tradeResult(&Principal{Name: "desk", Accounts: []string{"A"}}, res)
	require.NoError(t, err)
	require.Equal(t, uint64(9), out.GetOrder().GetOrderId())
	require.Len(t, out.GetEvents(), 2, "A's expiry and acceptance, not B's expiry")
}

// TestMassCancelRetryNotProcessedAgain: a MassCancel retried with the
// cl_ord_id of one the engine accepted today, before or after a restart,
// is refused (AlreadyExists, duplicate_clordid) and cancels nothing, in
// particular not the orders entered since. One without a cl_ord_id is
// processed each time: nothing identifies a retry of it.
func TestMassCancelRetryNotProcessedAgain(t *testing.T) {
	dir := t.TempDir()
	ts := startTestServer(t, dir, serverOpts{})
	setupTrading(t, ts)
	desk := ctxAs(t, deskTok)
	_, err := ts.trading().NewOrder(desk, limit("A", "s1", pb.Side_SIDE_SELL, 10_300, 1))
	require.NoError(t, err)
	mc, err := ts.trading().MassCancel(desk, &pb.MassCancelRequest{Account: "A", ClOrdId: "m1"})
	require.NoError(t, err)
	var ev *pb.TradeEvent
	for _, e := range mc.GetEvents() {
		if e.GetKind() == "mass-canceled" {
			ev = e
		}
	}
	require.NotNil(t, ev)
	require.Equal(t, "m1", ev.GetOrder().GetClOrdId())
	require.Zero(t, ev.GetOrder().GetOrderId(), "the engine's mass-cancel number is no order id")

	open := func(ts *testServer) int {
		o, err := ts.trading().ListOpenOrders(desk, &pb.ListOpenOrdersRequest{Account: "A"})
		require.NoError(t, err)
		return len(o.GetOrders())
	}
	for _, restart := range []bool{false, true} {
		if restart {
			ts.shutdown()
			ts = startTestServer(t, dir, serverOpts{})
		}
		_, err = ts.trading().NewOrder(desk, limit("A", "s2-"+strconv.FormatBool(restart), pb.Side_SIDE_SELL, 10_300, 1))
		require.NoError(t, err)
		st := requireCode(t, errOf(ts.trading().MassCancel(desk, &pb.MassCancelRequest{Account: "A", ClOrdId: "m1"})), codes.AlreadyExists)
		require.Equal(t, "duplicate_clordid", reasonOf(t, st))
		require.Equal(t, 1, open(ts), "the order entered since lives")
		_, err = ts.trading().MassCancel(desk, &pb.MassCancelRequest{Account: "A"})
		require.NoError(t, err)
		require.Zero(t, open(ts))
	}
}
