package gateway

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/commerce"
	pb "github.com/ordercore/oms/proto/omsv1"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// setupCommerce defines two warehouses and SKUs A and B in stock.
func setupCommerce(t *testing.T, ts *testServer) {
	t.Helper()
	cc := ts.commerce()
	ctx := ctxAs(t, adminTok)
	for _, l := range []*pb.Location{
		{Id: 1, Kind: pb.LocationKind_LOCATION_KIND_WAREHOUSE, At: &pb.Coord{Lat: 48_856_600, Lon: 2_352_200}, LeadHours: 24,
			CostPerShipment: 500, CostPerKm: 1, Priority: 1, Ships: true, Active: true},
		{Id: 2, Kind: pb.LocationKind_LOCATION_KIND_WAREHOUSE, At: &pb.Coord{Lat: 45_764_000, Lon: 4_835_700}, LeadHours: 24,
			CostPerShipment: 500, CostPerKm: 1, Priority: 2, Ships: true, Active: true},
	} {
		_, err := cc.SetLocation(ctx, &pb.SetLocationRequest{Location: l})
		require.NoError(t, err)
	}
	for _, s := range []struct {
		sku string
		loc uint32
		qty int64
	}{{"A", 1, 10}, {"A", 2, 5}, {"B", 1, 3}} {
		_, err := cc.SetStock(ctx, &pb.SetStockRequest{Sku: s.sku, LocationId: s.loc, OnHand: s.qty, Version: 1})
		require.NoError(t, err)
	}
}

var paris = &pb.Coord{Lat: 48_850_000, Lon: 2_350_000}

func webOrder(id string, lines ...*pb.OrderLineInput) *pb.PlaceOrderRequest {
	return &pb.PlaceOrderRequest{Channel: pb.Channel_CHANNEL_WEB, ChannelOrderId: id, Customer: "cust-1", ShipTo: paris, Lines: lines}
}

func line(sku string, qty int64) *pb.OrderLineInput {
	return &pb.OrderLineInput{Sku: sku, Qty: qty, UnitPrice: 1000, Currency: "EUR"}
}

func TestCommerceOrderLifecycle(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupCommerce(t, ts)
	cc := ts.commerce()
	web, admin := ctxAs(t, webTok), ctxAs(t, adminTok)

	placed, err := cc.PlaceOrder(web, webOrder("w-1", line("A", 4), line("B", 1)))
	require.NoError(t, err)
	require.NotZero(t, placed.GetOrderId())
	require.False(t, placed.GetDuplicate())

	// Idempotent re-submit: the same order, flagged duplicate, nothing new.
	again, err := cc.PlaceOrder(web, webOrder("w-1", line("A", 4), line("B", 1)))
	require.NoError(t, err)
	require.True(t, again.GetDuplicate())
	require.Equal(t, placed.GetOrderId(), again.GetOrderId())

	// The same key for a different order is refused, naming the holder.
	_, err = cc.PlaceOrder(web, webOrder("w-1", line("A", 5)))
	st := requireCode(t, err, codes.AlreadyExists)
	require.Equal(t, "channel_order_id_conflict", reasonOf(t, st))
	require.Equal(t, strconv.FormatUint(placed.GetOrderId(), 10), metadataOf(t, st)["order_id"])
	require.Equal(t, "channel_order_id", metadataOf(t, st)["field"])
	require.Contains(t, st.Message(), fmt.Sprintf("held by order %d", placed.GetOrderId()))

	// A rejection that is not InvalidArgument names its field too.
	_, err = cc.PlaceOrder(web, webOrder("w-2", line("A", 1), line("NOPE", 1)))
	st = requireCode(t, err, codes.NotFound)
	require.Equal(t, "lines[1].sku", metadataOf(t, st)["field"])
	require.Equal(t, "rejected: unknown_sku (lines[1].sku)", st.Message())

	got, err := cc.GetOrder(web, &pb.GetOrderRequest{Channel: pb.Channel_CHANNEL_WEB, ChannelOrderId: "w-1"})
	require.NoError(t, err)
	require.Equal(t, placed.GetOrderId(), got.GetOrderId())
	require.Len(t, got.GetLines(), 2)
	require.Equal(t, int64(4), got.GetLines()[0].GetAllocated())

	list, err := cc.ListOrders(web, &pb.ListOrdersRequest{Customer: "cust-1"})
	require.NoError(t, err)
	require.Len(t, list.GetOrders(), 1)

	av, err := cc.GetAvailability(web, &pb.GetAvailabilityRequest{Skus: []string{"A", "B", "NOPE"}, PerLocation: true})
	require.NoError(t, err)
	require.Equal(t, int64(11), av.GetSkus()[0].GetNetworkAtp())
	require.Len(t, av.GetSkus()[0].GetLocations(), 2)
	require.False(t, av.GetSkus()[2].GetKnown())

	// Cancel one unit of line 1, then release, ship and deliver the rest.
	_, err = cc.CancelOrder(web, &pb.CancelCommerceOrderRequest{OrderId: placed.GetOrderId(), Lines: []*pb.LineQty{{Line: 1, Qty: 1}}})
	require.NoError(t, err)
	_, err = cc.ReleaseOrder(admin, &pb.ReleaseOrderRequest{OrderId: placed.GetOrderId()})
	require.NoError(t, err)
	got, err = cc.GetOrder(admin, &pb.GetOrderRequest{OrderId: placed.GetOrderId()})
	require.NoError(t, err)
	require.Equal(t, int64(4*1000), got.GetAmount(), "the value after the cancel: 3 A and 1 B at 1000")
	require.Equal(t, int64(5*1000), got.GetPlacedAmount())
	loc := uint32(1)
	ship, err := cc.ConfirmShipment(admin, &pb.ConfirmShipmentRequest{OrderId: placed.GetOrderId(), LocationId: loc, Tracking: "TRK1",
		Lines: []*pb.LineQty{{Line: 1, Qty: got.GetLines()[0].GetReleased()}, {Line: 2, Qty: 1}}})
	require.NoError(t, err, "order: %v", got)
	require.NotZero(t, ship.GetShipmentId())
	require.Zero(t, got.GetReturnWindowNanos(), "not delivered: the rules' window applies")
	_, err = cc.ConfirmDelivery(admin, &pb.ConfirmDeliveryRequest{OrderId: placed.GetOrderId(), ShipmentId: ship.GetShipmentId()})
	require.NoError(t, err)
	got, err = cc.GetOrder(web, &pb.GetOrderRequest{OrderId: placed.GetOrderId()})
	require.NoError(t, err)
	require.Equal(t, 30*commerce.Day, got.GetReturnWindowNanos(), "the default window, fixed at delivery")

	ret, err := cc.CreateReturn(web, &pb.CreateReturnRequest{OrderId: placed.GetOrderId(), Lines: []*pb.LineQty{{Line: 2, Qty: 1}}})
	require.NoError(t, err)
	require.NotZero(t, ret.GetReturnId())
	_, err = cc.ReceiveReturn(admin, &pb.ReceiveReturnRequest{ReturnId: ret.GetReturnId(), LocationId: 1,
		Lines: []*pb.LineQty{{Line: 2, Qty: 1, Condition: pb.Condition_CONDITION_RESELLABLE}}})
	require.NoError(t, err)

	locs, err := cc.ListLocations(web, &pb.ListLocationsRequest{})
	require.NoError(t, err)
	require.Len(t, locs.GetLocations(), 2)
	require.Equal(t, uint32(2), locs.GetLocations()[1].GetId())
	require.Equal(t, int32(45_764_000), locs.GetLocations()[1].GetAt().GetLat())

	counters, err := cc.GetCounters(web, &pb.GetCountersRequest{})
	require.NoError(t, err)
	require.NotEmpty(t, counters.GetCounters())
	require.Equal(t, "web.orders", counters.GetCounters()[0].GetName())
	require.Equal(t, int64(1), counters.GetCounters()[0].GetValue())
}

func TestCommerceStockAndReservations(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupCommerce(t, ts)
	cc := ts.commerce()
	web, admin := ctxAs(t, webTok), ctxAs(t, adminTok)

	_, err := cc.AdjustStock(admin, &pb.AdjustStockRequest{Sku: "A", LocationId: 1, Delta: -2, Reason: pb.AdjustReason_ADJUST_REASON_DAMAGE})
	require.NoError(t, err)
	_, err = cc.SetSafetyStock(admin, &pb.SetSafetyStockRequest{Sku: "A", LocationId: 1, Qty: 1})
	require.NoError(t, err)
	_, err = cc.AddInbound(admin, &pb.AddInboundRequest{Sku: "B", LocationId: 2, Qty: 7, DateUnixNano: 4_000_000_000_000_000_000})
	require.NoError(t, err)
	_, err = cc.ReceiveStock(admin, &pb.ReceiveStockRequest{Sku: "B", LocationId: 2, Qty: 2})
	require.NoError(t, err)
	res, err := cc.Reserve(web, &pb.ReserveRequest{Sku: "A", LocationId: 2, Qty: 2, TtlNanos: 60e9})
	require.NoError(t, err)
	require.NotZero(t, res.GetReservationId())

	av, err := cc.GetAvailability(web, &pb.GetAvailabilityRequest{Skus: []string{"A", "B"}})
	require.NoError(t, err)
	require.Equal(t, int64(7+3), av.GetSkus()[0].GetNetworkAtp(), "A: 10-2-1 at 1, 5-2 at 2")
	require.Equal(t, int64(2), av.GetSkus()[0].GetReserved())
	require.Equal(t, int64(3+2), av.GetSkus()[1].GetNetworkAtp())

	_, err = cc.ReleaseReservation(web, &pb.ReleaseReservationRequest{ReservationId: res.GetReservationId()})
	require.NoError(t, err)
	st := requireCode(t, errOf(cc.ReleaseReservation(web, &pb.ReleaseReservationRequest{ReservationId: res.GetReservationId()})), codes.FailedPrecondition)
	require.Equal(t, "reservation_used", reasonOf(t, st))

	// Stale version and unknown location come back with the engine's reason and field.
	st = requireCode(t, errOf(cc.SetStock(admin, &pb.SetStockRequest{Sku: "A", LocationId: 1, OnHand: 3, Version: 1})), codes.FailedPrecondition)
	require.Equal(t, "stale_version", reasonOf(t, st))
	st = requireCode(t, errOf(cc.SetStock(admin, &pb.SetStockRequest{Sku: "A", LocationId: 9, OnHand: 3, Version: 1})), codes.NotFound)
	require.Equal(t, "unknown_location", reasonOf(t, st))

	pr, err := cc.PromiseDate(web, &pb.PromiseDateRequest{ShipTo: paris, Lines: []*pb.OrderLineInput{line("A", 2)}})
	require.NoError(t, err)
	require.True(t, pr.GetPromisable())
	require.Equal(t, uint32(1), pr.GetLines()[0].GetLocationId())
	require.Greater(t, pr.GetDeliverByUnixNano(), pr.GetShipByUnixNano())
}

func TestCommerceHoldsAndOwnership(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupCommerce(t, ts)
	cc := ts.commerce()
	web, mkt, admin := ctxAs(t, webTok), ctxAs(t, mktTok), ctxAs(t, adminTok)

	_, err := cc.SetHoldRules(admin, &pb.SetHoldRulesRequest{Rules: &pb.HoldRules{MaxQty: 3}})
	require.NoError(t, err)
	_, err = cc.SetCustomer(admin, &pb.SetCustomerRequest{Customer: "cust-1", B2B: true, CreditLimit: 1_000_000})
	require.NoError(t, err)
	placed, err := cc.PlaceOrder(web, webOrder("big", line("A", 5)))
	require.NoError(t, err)
	got, err := cc.GetOrder(web, &pb.GetOrderRequest{OrderId: placed.GetOrderId()})
	require.NoError(t, err)
	require.Equal(t, "qty", got.GetHold())

	// Another channel cannot see or touch it; a channel cannot release holds.
	_, err = cc.GetOrder(mkt, &pb.GetOrderRequest{OrderId: placed.GetOrderId()})
	requireCode(t, err, codes.NotFound)
	_, err = cc.CancelOrder(mkt, &pb.CancelCommerceOrderRequest{OrderId: placed.GetOrderId()})
	requireCode(t, err, codes.NotFound)
	list, err := cc.ListOrders(mkt, &pb.ListOrdersRequest{})
	require.NoError(t, err)
	require.Empty(t, list.GetOrders())
	_, err = cc.ListOrders(mkt, &pb.ListOrdersRequest{Channel: pb.Channel_CHANNEL_WEB})
	requireCode(t, err, codes.PermissionDenied)
	_, err = cc.ReleaseHold(web, &pb.ReleaseHoldRequest{OrderId: placed.GetOrderId()})
	requireCode(t, err, codes.PermissionDenied)

	_, err = cc.ReleaseHold(admin, &pb.ReleaseHoldRequest{OrderId: placed.GetOrderId()})
	require.NoError(t, err)
	_, err = cc.SetPayment(web, &pb.SetPaymentRequest{OrderId: placed.GetOrderId(), Payment: pb.PaymentStatus_PAYMENT_STATUS_AUTHORISED})
	require.NoError(t, err)
	_, err = cc.CancelOrder(web, &pb.CancelCommerceOrderRequest{OrderId: placed.GetOrderId()})
	require.NoError(t, err)
	got, err = cc.GetOrder(web, &pb.GetOrderRequest{OrderId: placed.GetOrderId()})
	require.NoError(t, err)
	require.Equal(t, pb.OrderStatus_ORDER_STATUS_CANCELLED, got.GetStatus())

	// Paging: three more orders, two per page.
	for _, id := range []string{"p1", "p2", "p3"} {
		_, err := cc.PlaceOrder(web, webOrder(id, line("B", 1)))
		require.NoError(t, err)
	}
	page, err := cc.ListOrders(web, &pb.ListOrdersRequest{PageSize: 2})
	require.NoError(t, err)
	require.Len(t, page.GetOrders(), 2)
	require.NotEmpty(t, page.GetNextPageToken())
	page2, err := cc.ListOrders(web, &pb.ListOrdersRequest{PageSize: 2, PageToken: page.GetNextPageToken()})
	require.NoError(t, err)
	require.Len(t, page2.GetOrders(), 2)
	require.Empty(t, page2.GetNextPageToken())
	status, err := cc.ListOrders(admin, &pb.ListOrdersRequest{Status: pb.OrderStatus_ORDER_STATUS_CANCELLED})
	require.NoError(t, err)
	require.Len(t, status.GetOrders(), 1)
}

func TestCommerceMalformed(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	cc := ts.commerce()
	web := ctxAs(t, webTok)
	st := requireCode(t, errOf(cc.PlaceOrder(web, &pb.PlaceOrderRequest{Channel: pb.Channel_CHANNEL_WEB,
		Lines: []*pb.OrderLineInput{{Sku: "", Qty: 0, Currency: "euro"}}})), codes.InvalidArgument)
	require.ElementsMatch(t, []string{"channel_order_id", "customer", "ship_to", "lines[0].sku", "lines[0].qty", "lines[0].currency"}, fieldsOf(st))
	st = requireCode(t, errOf(cc.Reserve(web, &pb.ReserveRequest{Sku: "A"})), codes.InvalidArgument)
	require.ElementsMatch(t, []string{"location_id", "qty", "ttl_nanos"}, fieldsOf(st))
	st = requireCode(t, errOf(cc.Reserve(web, &pb.ReserveRequest{Sku: "A", LocationId: 1, Qty: 1,
		TtlNanos: commerce.MaxReservationTTL + 1})), codes.InvalidArgument)
	require.Equal(t, []string{"ttl_nanos"}, fieldsOf(st))
	st = requireCode(t, errOf(cc.GetAvailability(web, &pb.GetAvailabilityRequest{})), codes.InvalidArgument)
	require.Equal(t, []string{"skus"}, fieldsOf(st))
}

func TestCommerceRetentionAdmin(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupCommerce(t, ts)
	cc := ts.commerce()
	web, admin := ctxAs(t, webTok), ctxAs(t, adminTok)

	// Administrators only; malformed requests name the field.
	_, err := cc.SetRetention(web, &pb.SetRetentionRequest{Retention: &pb.Retention{ArchiveAfterNanos: 1}})
	requireCode(t, err, codes.PermissionDenied)
	_, err = cc.GetRetention(web, &pb.GetRetentionRequest{})
	requireCode(t, err, codes.PermissionDenied)
	st := requireCode(t, errOf(cc.SetRetention(admin, &pb.SetRetentionRequest{})), codes.InvalidArgument)
	require.Equal(t, []string{"retention"}, fieldsOf(st))
	st = requireCode(t, errOf(cc.SetRetention(admin, &pb.SetRetentionRequest{Retention: &pb.Retention{DedupWindowNanos: -1}})),
		codes.InvalidArgument)
	require.Equal(t, []string{"retention.dedup_window_nanos"}, fieldsOf(st))
	got, err := cc.GetRetention(admin, &pb.GetRetentionRequest{})
	require.NoError(t, err)
	require.Zero(t, got.GetArchiveAfterNanos(), "nothing was changed: the defaults")

	// Archive closed orders at once; keep their keys for an hour.
	const hour = int64(time.Hour)
	res, err := cc.SetRetention(admin, &pb.SetRetentionRequest{Retention: &pb.Retention{ArchiveAfterNanos: 1, DedupWindowNanos: hour}})
	require.NoError(t, err)
	require.Len(t, res.GetEvents(), 1)
	require.Equal(t, "retention", res.GetEvents()[0].GetKind())
	require.Equal(t, int64(1), res.GetEvents()[0].GetRetention().GetArchiveAfterNanos())
	require.Zero(t, res.GetEvents()[0].GetDateUnixNano(), "a duration is not reported as a date")
	got, err = cc.GetRetention(admin, &pb.GetRetentionRequest{})
	require.NoError(t, err)
	require.Equal(t, hour, got.GetDedupWindowNanos())

	placed, err := cc.PlaceOrder(web, webOrder("gone", line("A", 1)))
	require.NoError(t, err)
	_, err = cc.CancelOrder(web, &pb.CancelCommerceOrderRequest{OrderId: placed.GetOrderId()})
	require.NoError(t, err)
	_, err = ts.seq.Submit(context.Background(), engine.Command{Kind: engine.KindTick}) // archiving runs on ticks
	require.NoError(t, err)
	// A channel asking by order id cannot tell an archived order from
	// another channel's (the archived order's channel is gone); by its own
	// channel order id, or as an administrator, it learns it was archived.
	st = requireCode(t, errOf(cc.GetOrder(web, &pb.GetOrderRequest{OrderId: placed.GetOrderId()})), codes.NotFound)
	require.Equal(t, "order not found", st.Message())
	st = requireCode(t, errOf(cc.GetOrder(web, &pb.GetOrderRequest{Channel: pb.Channel_CHANNEL_WEB, ChannelOrderId: "gone"})),
		codes.NotFound)
	require.Equal(t, "order_archived", reasonOf(t, st))
	st = requireCode(t, errOf(cc.GetOrder(admin, &pb.GetOrderRequest{OrderId: placed.GetOrderId()})), codes.NotFound)
	require.Equal(t, "order_archived", reasonOf(t, st))
	// Commands naming it are refused with the same reason.
	st = requireCode(t, errOf(cc.CancelOrder(admin, &pb.CancelCommerceOrderRequest{OrderId: placed.GetOrderId()})), codes.NotFound)
	require.Equal(t, "order_archived", reasonOf(t, st))
	// Within the dedup window a re-submit still returns the first order.
	again, err := cc.PlaceOrder(web, webOrder("gone", line("A", 1)))
	require.NoError(t, err)
	require.Equal(t, placed.GetOrderId(), again.GetOrderId())
}

// TestCommercePromiseDateSourcesAsPlacement checks that a promise answers
// what placing the order would do: split across locations, then inbound
// supply, promisable only when every unit is in stock now, with no price
// or currency needed.
func TestCommercePromiseDateSourcesAsPlacement(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupCommerce(t, ts)
	cc := ts.commerce()
	web, admin := ctxAs(t, webTok), ctxAs(t, adminTok)
	qty := func(sku string, n int64) *pb.OrderLineInput { return &pb.OrderLineInput{Sku: sku, Qty: n} }

	// 12 A: no location holds 12 (10 at 1, 5 at 2), a placement splits.
	pr, err := cc.PromiseDate(web, &pb.PromiseDateRequest{ShipTo: paris, Lines: []*pb.OrderLineInput{qty("A", 12)}})
	require.NoError(t, err)
	require.True(t, pr.GetPromisable())
	require.Zero(t, pr.GetShortQty())
	got := map[uint32]int64{}
	for _, l := range pr.GetLines() {
		require.Equal(t, uint32(1), l.GetLine())
		require.False(t, l.GetLater())
		got[l.GetLocationId()] += l.GetQty()
		require.LessOrEqual(t, l.GetDeliverByUnixNano(), pr.GetDeliverByUnixNano())
	}
	require.Equal(t, map[uint32]int64{1: 10, 2: 2}, got)
	require.NotZero(t, pr.GetDeliverByUnixNano())

	// Ship-complete, no location can ship 12 and nothing is due: all short.
	pr, err = cc.PromiseDate(web, &pb.PromiseDateRequest{ShipTo: paris, ShipComplete: true, Lines: []*pb.OrderLineInput{qty("A", 12)}})
	require.NoError(t, err)
	require.False(t, pr.GetPromisable())
	require.Equal(t, int64(12), pr.GetShortQty())
	require.Zero(t, pr.GetDeliverByUnixNano())

	// B: 3 now at 1, 20 due at 2. 21 are promised (18 later), not now.
	const due = 5 * 24 * 3600 * 1e9
	_, err = cc.AddInbound(admin, &pb.AddInboundRequest{Sku: "B", LocationId: 2, Qty: 20, DateUnixNano: due})
	require.NoError(t, err)
	pr, err = cc.PromiseDate(web, &pb.PromiseDateRequest{ShipTo: paris, Lines: []*pb.OrderLineInput{qty("B", 21)}})
	require.NoError(t, err)
	require.False(t, pr.GetPromisable(), "18 units are not in stock")
	require.Zero(t, pr.GetShortQty())
	require.Equal(t, int64(18), pr.GetLaterQty())
	require.Greater(t, pr.GetShipByUnixNano(), int64(due))

	// More than stock and inbound: short, and no order date.
	pr, err = cc.PromiseDate(web, &pb.PromiseDateRequest{ShipTo: paris, Lines: []*pb.OrderLineInput{qty("B", 30)}})
	require.NoError(t, err)
	require.False(t, pr.GetPromisable())
	require.Equal(t, int64(7), pr.GetShortQty())
	require.Zero(t, pr.GetShipByUnixNano())

	// A SKU twice is refused, at the second entry.
	st := requireCode(t, errOf(cc.PromiseDate(web, &pb.PromiseDateRequest{ShipTo: paris,
		Lines: []*pb.OrderLineInput{qty("A", 1), qty("A", 2)}})), codes.InvalidArgument)
	require.Equal(t, []string{"lines[1].sku"}, fieldsOf(st))
}

// TestCommerceRejectionFieldIsRequestEntry checks that a line's rejection
// names the entry's position in the request, not the order's line number,
// and the request's field names.
func TestCommerceRejectionFieldIsRequestEntry(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupCommerce(t, ts)
	cc := ts.commerce()
	web, admin := ctxAs(t, webTok), ctxAs(t, adminTok)
	placed, err := cc.PlaceOrder(web, webOrder("f-1", line("A", 2), line("B", 1)))
	require.NoError(t, err)
	id := placed.GetOrderId()
	field := func(err error) string {
		t.Helper()
		require.Error(t, err)
		st, ok := status.FromError(err)
		require.True(t, ok, "not a status: %v", err)
		return metadataOf(t, st)["field"]
	}
	ship := func(lines ...*pb.LineQty) error {
		return errOf(cc.ConfirmShipment(admin, &pb.ConfirmShipmentRequest{OrderId: id, LocationId: 1, Tracking: "T", Lines: lines}))
	}

	require.Equal(t, "lines[0].qty", field(ship(&pb.LineQty{Line: 2, Qty: 1})), "not released: the only entry")
	require.Equal(t, "lines[0].line", field(ship(&pb.LineQty{Line: 9, Qty: 1})))
	require.Equal(t, "lines[1].line", field(ship(&pb.LineQty{Line: 1, Qty: 1}, &pb.LineQty{Line: 1, Qty: 1})), "the duplicate entry")
	require.Equal(t, "lines[1].qty", field(ship(&pb.LineQty{Line: 1, Qty: 1}, &pb.LineQty{Line: 1, Qty: 1 << 50})),
		"the entry whose quantity is out of range")
	require.Equal(t, "lines[0].qty", field(errOf(cc.CreateReturn(web, &pb.CreateReturnRequest{OrderId: id,
		Lines: []*pb.LineQty{{Line: 2, Qty: 3}}}))), "nothing shipped to return")

	// A placement's reservation field is the request's reservation_id.
	require.Equal(t, "lines[1].reservation_id", field(errOf(cc.PlaceOrder(web, webOrder("f-2", line("A", 1),
		&pb.OrderLineInput{Sku: "B", Qty: 1, UnitPrice: 1, Currency: "EUR", ReservationId: 77})))))

	// Stock commands name their request's quantity field.
	require.Equal(t, "delta", field(errOf(cc.AdjustStock(admin, &pb.AdjustStockRequest{Sku: "A", LocationId: 1, Delta: -100,
		Reason: pb.AdjustReason_ADJUST_REASON_DAMAGE}))))
}

// TestOrderStatusNames pins the proto's order statuses to the engine's:
// the gateway converts them by number.
func TestOrderStatusNames(t *testing.T) {
	for s := commerce.StatusCreated; s <= commerce.LastStatus; s++ {
		want := "ORDER_STATUS_" + strings.ToUpper(strings.ReplaceAll(s.String(), "-", "_"))
		require.Equal(t, want, pb.OrderStatus(s).String(), "status %d", s)
	}
	_, known := pb.OrderStatus_name[int32(commerce.LastStatus)+1]
	require.False(t, known, "the proto has a status the engine does not")
}

// TestCommerceDeclinedPayment: a declined payment frees the order's stock
// and GetOrder shows its units awaiting payment; an authorisation sources
// them again.
func TestCommerceDeclinedPayment(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupCommerce(t, ts)
	cc := ts.commerce()
	web, admin := ctxAs(t, webTok), ctxAs(t, adminTok)
	_, err := cc.SetHoldRules(admin, &pb.SetHoldRulesRequest{Rules: &pb.HoldRules{CheckPayment: true}})
	require.NoError(t, err)
	req := webOrder("unpaid", line("A", 2))
	req.Payment = pb.PaymentStatus_PAYMENT_STATUS_PENDING
	placed, err := cc.PlaceOrder(web, req)
	require.NoError(t, err)
	atp := func() int64 {
		av, err := cc.GetAvailability(web, &pb.GetAvailabilityRequest{Skus: []string{"A"}})
		require.NoError(t, err)
		return av.GetSkus()[0].GetNetworkAtp()
	}
	held := atp()

	_, err = cc.SetPayment(web, &pb.SetPaymentRequest{OrderId: placed.GetOrderId(), Payment: pb.PaymentStatus_PAYMENT_STATUS_DECLINED})
	require.NoError(t, err)
	got, err := cc.GetOrder(web, &pb.GetOrderRequest{OrderId: placed.GetOrderId()})
	require.NoError(t, err)
	require.Equal(t, pb.OrderStatus_ORDER_STATUS_AWAITING_PAYMENT, got.GetStatus())
	require.Equal(t, int64(2), got.GetLines()[0].GetAwaitingPayment())
	require.Zero(t, got.GetLines()[0].GetAllocated())
	require.Equal(t, held+2, atp(), "the declined order's units are available again")
	list, err := cc.ListOrders(web, &pb.ListOrdersRequest{Status: pb.OrderStatus_ORDER_STATUS_AWAITING_PAYMENT})
	require.NoError(t, err)
	require.Len(t, list.GetOrders(), 1)

	_, err = cc.SetPayment(web, &pb.SetPaymentRequest{OrderId: placed.GetOrderId(), Payment: pb.PaymentStatus_PAYMENT_STATUS_AUTHORISED})
	require.NoError(t, err)
	got, err = cc.GetOrder(web, &pb.GetOrderRequest{OrderId: placed.GetOrderId()})
	require.NoError(t, err)
	require.Equal(t, pb.OrderStatus_ORDER_STATUS_ALLOCATED, got.GetStatus())
	require.Equal(t, int64(2), got.GetLines()[0].GetAllocated())
	require.Equal(t, held, atp())
}

// TestCommercePickup: a pickup order is made ready at its store and
// collected without a tracking number; shipping it is refused, and the
// pickup calls refuse a shipping order.
func TestCommercePickup(t *testing.T) {
	ts := startTestServer(t, t.TempDir(), serverOpts{})
	setupCommerce(t, ts)
	cc := ts.commerce()
	web, admin := ctxAs(t, webTok), ctxAs(t, adminTok)
	_, err := cc.SetLocation(admin, &pb.SetLocationRequest{Location: &pb.Location{Id: 7, Kind: pb.LocationKind_LOCATION_KIND_STORE,
		At: &pb.Coord{Lat: 48_860_000, Lon: 2_340_000}, LeadHours: 2, Pickup: true, Active: true}})
	require.NoError(t, err)
	_, err = cc.SetStock(admin, &pb.SetStockRequest{Sku: "A", LocationId: 7, OnHand: 2, Version: 1})
	require.NoError(t, err)
	placed, err := cc.PlaceOrder(web, &pb.PlaceOrderRequest{Channel: pb.Channel_CHANNEL_WEB, ChannelOrderId: "bopis-1",
		Customer: "cust-1", PickupStore: 7, Lines: []*pb.OrderLineInput{line("A", 2)}})
	require.NoError(t, err)
	id := placed.GetOrderId()

	// Not released yet; then released, but a pickup order is not shipped.
	st := requireCode(t, errOf(cc.MarkReadyForPickup(admin, &pb.MarkReadyForPickupRequest{OrderId: id})), codes.FailedPrecondition)
	require.Equal(t, "not_released", reasonOf(t, st))
	_, err = cc.ReleaseOrder(admin, &pb.ReleaseOrderRequest{OrderId: id})
	require.NoError(t, err)
	st = requireCode(t, errOf(cc.ConfirmShipment(admin, &pb.ConfirmShipmentRequest{OrderId: id, LocationId: 7, Tracking: "T",
		Lines: []*pb.LineQty{{Line: 1, Qty: 2}}})), codes.FailedPrecondition)
	require.Equal(t, "pickup_order", reasonOf(t, st))
	st = requireCode(t, errOf(cc.ConfirmPickup(admin, &pb.ConfirmPickupRequest{OrderId: id})), codes.FailedPrecondition)
	require.Equal(t, "not_ready_for_pickup", reasonOf(t, st))
	_, err = cc.MarkReadyForPickup(web, &pb.MarkReadyForPickupRequest{OrderId: id})
	requireCode(t, err, codes.PermissionDenied)

	ready, err := cc.MarkReadyForPickup(admin, &pb.MarkReadyForPickupRequest{OrderId: id})
	require.NoError(t, err)
	require.False(t, ready.GetDuplicate())
	got, err := cc.GetOrder(web, &pb.GetOrderRequest{OrderId: id})
	require.NoError(t, err)
	require.Equal(t, pb.OrderStatus_ORDER_STATUS_READY_FOR_PICKUP, got.GetStatus())
	require.Equal(t, int64(2), got.GetLines()[0].GetReadyForPickup())

	// A re-send gets the first answer, marked duplicate, and changes nothing.
	again, err := cc.MarkReadyForPickup(admin, &pb.MarkReadyForPickupRequest{OrderId: id})
	require.NoError(t, err)
	require.True(t, again.GetDuplicate())
	require.Len(t, again.GetEvents(), len(ready.GetEvents()))
	got, err = cc.GetOrder(web, &pb.GetOrderRequest{OrderId: id})
	require.NoError(t, err)
	require.Equal(t, int64(2), got.GetLines()[0].GetReadyForPickup())

	res, err := cc.ConfirmPickup(admin, &pb.ConfirmPickupRequest{OrderId: id, Lines: []*pb.LineQty{{Line: 1, Qty: 2}}})
	require.NoError(t, err)
	require.NotZero(t, res.GetShipmentId())
	got, err = cc.GetOrder(web, &pb.GetOrderRequest{OrderId: id})
	require.NoError(t, err)
	require.Equal(t, pb.OrderStatus_ORDER_STATUS_DELIVERED, got.GetStatus())
	require.Equal(t, int64(2), got.GetLines()[0].GetDelivered())

	// A shipping order has no pickup steps; bad requests name their fields.
	ship, err := cc.PlaceOrder(web, webOrder("ship-1", line("A", 1)))
	require.NoError(t, err)
	st = requireCode(t, errOf(cc.MarkReadyForPickup(admin, &pb.MarkReadyForPickupRequest{OrderId: ship.GetOrderId()})), codes.FailedPrecondition)
	require.Equal(t, "not_pickup_order", reasonOf(t, st))
	st = requireCode(t, errOf(cc.ConfirmPickup(admin, &pb.ConfirmPickupRequest{Lines: []*pb.LineQty{{Line: 0, Qty: 0}}})), codes.InvalidArgument)
	require.ElementsMatch(t, []string{"order_id", "lines[0].line", "lines[0].qty"}, fieldsOf(st))
}
