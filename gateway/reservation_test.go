package gateway

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	pb "github.com/ordercore/oms/proto/omsv1"
)

// TestReservationBelongsToItsChannel: a reservation is its channel's. Another
// channel can neither release it nor consume it (NotFound, as for an id
// never issued), and the inventory stream, which every channel reads, does
// not show it which channel took it or which order consumed it. An
// administrator's reservation has no owner; an administrator may release any.
func TestReservationBelongsToItsChannel(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupCommerce(t, ts)
	cc := ts.commerce()
	web, mkt, admin := ctxAs(t, webTok), ctxAs(t, mktTok), ctxAs(t, adminTok)

	from := ts.nextSeq()
	webInv, err := ts.streams().SubscribeInventory(web, &pb.SubscribeInventoryRequest{Skus: []string{"A"}, FromSeq: from})
	require.NoError(t, err)
	mktInv, err := ts.streams().SubscribeInventory(mkt, &pb.SubscribeInventoryRequest{Skus: []string{"A"}, FromSeq: from})
	require.NoError(t, err)

	r1, err := cc.Reserve(mkt, &pb.ReserveRequest{Sku: "A", LocationId: 2, Qty: 1, TtlNanos: 60e9})
	require.NoError(t, err)
	st := requireCode(t, errOf(cc.ReleaseReservation(web, &pb.ReleaseReservationRequest{ReservationId: r1.GetReservationId()})), codes.NotFound)
	require.Equal(t, "unknown_reservation", reasonOf(t, st))
	steal := webOrder("w1", &pb.OrderLineInput{Sku: "A", Qty: 1, UnitPrice: 100, Currency: "EUR", ReservationId: r1.GetReservationId()})
	st = requireCode(t, errOf(cc.PlaceOrder(web, steal)), codes.NotFound)
	require.Equal(t, "unknown_reservation", reasonOf(t, st))

	// The marketplace's own order consumes it.
	_, err = cc.PlaceOrder(mkt, &pb.PlaceOrderRequest{Channel: pb.Channel_CHANNEL_MARKETPLACE, ChannelOrderId: "m1", Customer: "c",
		ShipTo: paris, Lines: []*pb.OrderLineInput{{Sku: "A", Qty: 1, UnitPrice: 100, Currency: "EUR", ReservationId: r1.GetReservationId()}}})
	require.NoError(t, err)

	// An administrator releases a channel's reservation; a channel may use
	// an administrator's.
	r2, err := cc.Reserve(mkt, &pb.ReserveRequest{Sku: "A", LocationId: 2, Qty: 1, TtlNanos: 60e9})
	require.NoError(t, err)
	_, err = cc.ReleaseReservation(admin, &pb.ReleaseReservationRequest{ReservationId: r2.GetReservationId()})
	require.NoError(t, err)
	r3, err := cc.Reserve(admin, &pb.ReserveRequest{Sku: "A", LocationId: 2, Qty: 1, TtlNanos: 60e9})
	require.NoError(t, err)
	_, err = cc.PlaceOrder(web, webOrder("w2", &pb.OrderLineInput{Sku: "A", Qty: 1, UnitPrice: 100, Currency: "EUR", ReservationId: r3.GetReservationId()}))
	require.NoError(t, err)

	// The marketplace sees its own reservation's channel and the order that
	// consumed it; the web channel sees the stock move, not whose it was.
	reservations := func(recv func() (*pb.InventoryEventMessage, error), n int) []*pb.CommerceEvent {
		var out []*pb.CommerceEvent
		for len(out) < n {
			m, err := recv()
			require.NoError(t, err)
			if k := m.GetEvent().GetKind(); k != "stock" {
				out = append(out, m.GetEvent())
			}
		}
		return out
	}
	mine := reservations(mktInv.Recv, 2)
	require.Equal(t, "reserved", mine[0].GetKind())
	require.Equal(t, pb.Channel_CHANNEL_MARKETPLACE, mine[0].GetChannel())
	require.Equal(t, "reservation-released", mine[1].GetKind())
	require.NotZero(t, mine[1].GetOrderId(), "the marketplace sees its order")
	theirs := reservations(webInv.Recv, 2)
	require.Equal(t, r1.GetReservationId(), theirs[0].GetReservationId())
	require.Equal(t, pb.Channel_CHANNEL_UNSPECIFIED, theirs[0].GetChannel())
	require.Equal(t, "reservation-released", theirs[1].GetKind())
	require.Zero(t, theirs[1].GetOrderId(), "the web channel does not see the marketplace's order")
	require.Empty(t, theirs[1].GetChannelOrderId())
	require.Zero(t, theirs[1].GetLine())
	require.Equal(t, int64(1), theirs[1].GetQty(), "but it sees the stock move")
}

// TestInventoryStreamSkipsReplayedPlacements: a placement sent again (a
// client retry) answers with the first result's events, marked duplicate.
// They are not stock changes, so the inventory stream leaves them out; before,
// the replayed reservation release went out with the other channel's order
// and line and no channel to redact them by.
func TestInventoryStreamSkipsReplayedPlacements(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupCommerce(t, ts)
	cc := ts.commerce()
	web, mkt := ctxAs(t, webTok), ctxAs(t, mktTok)

	r, err := cc.Reserve(mkt, &pb.ReserveRequest{Sku: "A", LocationId: 2, Qty: 1, TtlNanos: 60e9})
	require.NoError(t, err)
	m1 := &pb.PlaceOrderRequest{Channel: pb.Channel_CHANNEL_MARKETPLACE, ChannelOrderId: "m1", Customer: "c",
		ShipTo: paris, Lines: []*pb.OrderLineInput{{Sku: "A", Qty: 1, UnitPrice: 100, Currency: "EUR", ReservationId: r.GetReservationId()}}}
	first, err := cc.PlaceOrder(mkt, m1)
	require.NoError(t, err)

	inv, err := ts.streams().SubscribeInventory(web, &pb.SubscribeInventoryRequest{Skus: []string{"A"}, FromSeq: ts.nextSeq()})
	require.NoError(t, err)
	again, err := cc.PlaceOrder(mkt, m1)
	require.NoError(t, err)
	require.Equal(t, first.GetOrderId(), again.GetOrderId(), "idempotent")
	// A real stock change after the retry: the next message the web channel
	// sees is that one.
	_, err = cc.ReceiveStock(ctxAs(t, adminTok), &pb.ReceiveStockRequest{Sku: "A", LocationId: 1, Qty: 1})
	require.NoError(t, err)
	m, err := inv.Recv()
	require.NoError(t, err)
	require.Equal(t, "stock", m.GetEvent().GetKind())
	require.Zero(t, m.GetEvent().GetOrderId())
}

// TestResultShowsOnlyTheCallersOrders: a command's events are every change
// it caused. A web cancel that frees stock fills a marketplace backorder;
// the web channel's answer names its own order and shows none of the
// marketplace order's events (its id, channel order id, customer), which
// an administrator's answer to the same kind of command does.
func TestResultShowsOnlyTheCallersOrders(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupCommerce(t, ts)
	cc := ts.commerce()
	web, mkt, admin := ctxAs(t, webTok), ctxAs(t, mktTok), ctxAs(t, adminTok)

	w1, err := cc.PlaceOrder(web, webOrder("w1", line("B", 3)))
	require.NoError(t, err)
	m1, err := cc.PlaceOrder(mkt, &pb.PlaceOrderRequest{Channel: pb.Channel_CHANNEL_MARKETPLACE, ChannelOrderId: "m1",
		Customer: "secret-customer", ShipTo: paris, Lines: []*pb.OrderLineInput{line("B", 2)}})
	require.NoError(t, err)
	require.NotEqual(t, w1.GetOrderId(), m1.GetOrderId())

	res, err := cc.CancelOrder(web, &pb.CancelCommerceOrderRequest{OrderId: w1.GetOrderId()})
	require.NoError(t, err)
	require.Equal(t, w1.GetOrderId(), res.GetOrderId())
	sawStock := false
	for _, e := range res.GetEvents() {
		require.NotEqual(t, m1.GetOrderId(), e.GetOrderId(), "web sees the marketplace's %s", e.GetKind())
		require.NotEqual(t, "secret-customer", e.GetCustomer())
		sawStock = sawStock || e.GetKind() == "stock"
	}
	require.True(t, sawStock, "the stock change is public")

	// The marketplace order was filled: an administrator's receipt that
	// fills it shows it.
	m2, err := cc.PlaceOrder(mkt, &pb.PlaceOrderRequest{Channel: pb.Channel_CHANNEL_MARKETPLACE, ChannelOrderId: "m2",
		Customer: "c", ShipTo: paris, Lines: []*pb.OrderLineInput{line("B", 2)}})
	require.NoError(t, err)
	rec, err := cc.ReceiveStock(admin, &pb.ReceiveStockRequest{Sku: "B", LocationId: 1, Qty: 2})
	require.NoError(t, err)
	seen := false
	for _, e := range rec.GetEvents() {
		seen = seen || e.GetOrderId() == m2.GetOrderId()
	}
	require.True(t, seen, "an administrator sees every order the command changed")
}
