package gateway

import (
	"testing"

	pb "github.com/ordercore/oms/proto/omsv1"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
)

// onHand returns the on-hand count of sku at location loc.
func onHand(t *testing.T, cc pb.CommerceServiceClient, sku string, loc uint32) int64 {
	t.Helper()
	av, err := cc.GetAvailability(ctxAs(t, adminTok), &pb.GetAvailabilityRequest{Skus: []string{sku}, PerLocation: true})
	require.NoError(t, err)
	for _, l := range av.GetSkus()[0].GetLocations() {
		if l.GetLocationId() == loc {
			return l.GetLevel().GetOnHand()
		}
	}
	t.Fatalf("no %s at location %d", sku, loc)
	return 0
}

// TestCommerceRequestID: a retried AdjustStock or ConfirmShipment with the
// same request_id comes back duplicate, with the first result, and takes
// the stock once, across a restart too; the same request_id for another
// request is ALREADY_EXISTS naming request_id; ids are scoped by token.
func TestCommerceRequestID(t *testing.T) {
	dir := t.TempDir()
	ts := startTestServer(t, dir, serverOpts{})
	setupCommerce(t, ts) // A: 10 at location 1
	cc := ts.commerce()
	admin := ctxAs(t, adminTok)

	adj := &pb.AdjustStockRequest{Sku: "A", LocationId: 1, Delta: -2, Reason: pb.AdjustReason_ADJUST_REASON_DAMAGE, RequestId: "wms-adj-1"}
	first, err := cc.AdjustStock(admin, adj)
	require.NoError(t, err)
	require.False(t, first.GetDuplicate())
	retry, err := cc.AdjustStock(admin, adj)
	require.NoError(t, err)
	require.True(t, retry.GetDuplicate())
	require.Len(t, retry.GetEvents(), len(first.GetEvents()))
	require.Equal(t, first.GetEvents()[0].GetStock().GetOnHand(), retry.GetEvents()[0].GetStock().GetOnHand())
	require.Equal(t, int64(8), onHand(t, cc, "A", 1), "the delta taken once")

	conflict := &pb.AdjustStockRequest{Sku: "A", LocationId: 1, Delta: -3, Reason: pb.AdjustReason_ADJUST_REASON_DAMAGE, RequestId: "wms-adj-1"}
	_, err = cc.AdjustStock(admin, conflict)
	requireRequestIDConflict(t, err)
	require.Equal(t, int64(8), onHand(t, cc, "A", 1))

	// Malformed ids never reach the engine.
	_, err = cc.ReceiveStock(admin, &pb.ReceiveStockRequest{Sku: "A", LocationId: 1, Qty: 1, RequestId: "has space"})
	st := requireCode(t, err, codes.InvalidArgument)
	require.Equal(t, []string{"request_id"}, fieldsOf(st))

	// Ids are the token's: two channels reserving under one id get two
	// reservations, each channel's retry its own.
	web, mkt := ctxAs(t, webTok), ctxAs(t, mktTok)
	res := &pb.ReserveRequest{Sku: "A", LocationId: 1, Qty: 1, TtlNanos: 3600e9, RequestId: "cart-1"}
	r1, err := cc.Reserve(web, res)
	require.NoError(t, err)
	r2, err := cc.Reserve(mkt, res)
	require.NoError(t, err)
	require.NotEqual(t, r1.GetReservationId(), r2.GetReservationId())
	r1again, err := cc.Reserve(web, res)
	require.NoError(t, err)
	require.True(t, r1again.GetDuplicate())
	require.Equal(t, r1.GetReservationId(), r1again.GetReservationId())

	// A shipment retried under its request id: one shipment, stock taken once.
	placed, err := cc.PlaceOrder(web, webOrder("w-1", line("A", 4)))
	require.NoError(t, err)
	_, err = cc.ReleaseOrder(admin, &pb.ReleaseOrderRequest{OrderId: placed.GetOrderId()})
	require.NoError(t, err)
	loc := placed.GetEvents()[1].GetLocationId()
	before := onHand(t, cc, "A", loc)
	ship := &pb.ConfirmShipmentRequest{OrderId: placed.GetOrderId(), LocationId: loc, Tracking: "TRK1",
		Lines: []*pb.LineQty{{Line: 1, Qty: 2}}, RequestId: "asn-77"}
	s1, err := cc.ConfirmShipment(admin, ship)
	require.NoError(t, err)
	require.False(t, s1.GetDuplicate())
	s2, err := cc.ConfirmShipment(admin, ship)
	require.NoError(t, err)
	require.True(t, s2.GetDuplicate())
	require.Equal(t, s1.GetShipmentId(), s2.GetShipmentId())
	require.Equal(t, before-2, onHand(t, cc, "A", loc))

	_, err = cc.ConfirmShipment(admin, &pb.ConfirmShipmentRequest{OrderId: placed.GetOrderId(), LocationId: loc, Tracking: "TRK2",
		Lines: []*pb.LineQty{{Line: 1, Qty: 2}}, RequestId: "asn-77"})
	requireRequestIDConflict(t, err)

	// After a restart (snapshot and journal), the ids are still known.
	ts.shutdown()
	ts = startTestServer(t, dir, serverOpts{})
	cc = ts.commerce()
	admin = ctxAs(t, adminTok)
	s3, err := cc.ConfirmShipment(admin, ship)
	require.NoError(t, err)
	require.True(t, s3.GetDuplicate())
	require.Equal(t, s1.GetShipmentId(), s3.GetShipmentId())
	again, err := cc.AdjustStock(admin, adj)
	require.NoError(t, err)
	require.True(t, again.GetDuplicate())
	require.Equal(t, before-2, onHand(t, cc, "A", loc))
	got, err := cc.GetOrder(admin, &pb.GetOrderRequest{OrderId: placed.GetOrderId()})
	require.NoError(t, err)
	require.Equal(t, int64(2), got.GetLines()[0].GetShipped())
}

// TestCommerceRequestIDCancel: a partial CancelOrder retried under its
// request_id cancels once, across a restart too (the id is journaled with
// the cancel); the same id for another cancel is ALREADY_EXISTS.
func TestCommerceRequestIDCancel(t *testing.T) {
	dir := t.TempDir()
	ts := startTestServer(t, dir, serverOpts{})
	setupCommerce(t, ts) // A: 10 at location 1
	cc := ts.commerce()
	web := ctxAs(t, webTok)

	placed, err := cc.PlaceOrder(web, webOrder("w-c1", line("A", 3)))
	require.NoError(t, err)
	id := placed.GetOrderId()
	cancelled := func() int64 {
		t.Helper()
		got, err := cc.GetOrder(web, &pb.GetOrderRequest{OrderId: id})
		require.NoError(t, err)
		return got.GetLines()[0].GetCancelled()
	}
	cancel := &pb.CancelCommerceOrderRequest{OrderId: id, Lines: []*pb.LineQty{{Line: 1, Qty: 1}}, RequestId: "cx-1"}
	first, err := cc.CancelOrder(web, cancel)
	require.NoError(t, err)
	require.False(t, first.GetDuplicate())
	retry, err := cc.CancelOrder(web, cancel)
	require.NoError(t, err)
	require.True(t, retry.GetDuplicate())
	require.Len(t, retry.GetEvents(), len(first.GetEvents()))
	require.Equal(t, int64(1), cancelled(), "one unit cancelled, not two")

	_, err = cc.CancelOrder(web, &pb.CancelCommerceOrderRequest{OrderId: id, Lines: []*pb.LineQty{{Line: 1, Qty: 2}}, RequestId: "cx-1"})
	requireRequestIDConflict(t, err)

	ts.shutdown()
	ts = startTestServer(t, dir, serverOpts{})
	cc = ts.commerce()
	web = ctxAs(t, webTok)
	again, err := cc.CancelOrder(web, cancel)
	require.NoError(t, err)
	require.True(t, again.GetDuplicate())
	require.Equal(t, int64(1), cancelled())
}

// requireRequestIDConflict checks that err is the refusal of a request_id
// reused for another request.
func requireRequestIDConflict(t *testing.T, err error) {
	t.Helper()
	st := requireCode(t, err, codes.AlreadyExists)
	require.Equal(t, "request_id_conflict", reasonOf(t, st))
	require.Equal(t, "request_id", metadataOf(t, st)["field"])
}
