package gateway

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/ordercore/oms/engine/commerce"
	pb "github.com/ordercore/oms/proto/omsv1"
)

// maxLines bounds the lines of one request; the engine has its own limit
// and rejects with too_many_lines above it.
const maxLines = 1000

// parseChannel maps a channel name (as in the token configuration) to the
// engine's channel. It accepts the engine's names (callcentre) and the
// API's (call-centre, call_centre), in any case.
func parseChannel(name string) (commerce.Channel, bool) {
	n := strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(name))
	for c := commerce.Web; c <= commerce.B2B; c++ {
		if c.String() == n {
			return c, true
		}
	}
	return 0, false
}

func checkCoord(v *violations, field string, c *pb.Coord) commerce.Coord {
	out := commerce.Coord{Lat: commerce.MicroDeg(c.GetLat()), Lon: commerce.MicroDeg(c.GetLon())}
	if !out.Valid() {
		v.add(field, "latitude must be within ±90e6 and longitude within ±180e6 micro-degrees")
	}
	return out
}

func checkSKU(v *violations, field, sku string) commerce.SKU {
	checkID(v, field, sku, true)
	return commerce.SKU(sku)
}

func checkLoc(v *violations, field string, id uint32) commerce.LocationID {
	if id == 0 {
		v.add(field, "required")
	}
	return commerce.LocationID(id)
}

func checkPositive(v *violations, field string, x int64) {
	if x <= 0 {
		v.add(field, "must be positive")
	}
}

func placeOrderCommand(r *pb.PlaceOrderRequest) (commerce.Command, error) {
	var v violations
	checkEnum(&v, "channel", r.GetChannel(), pb.Channel_CHANNEL_B2B, true)
	checkID(&v, "channel_order_id", r.GetChannelOrderId(), true)
	checkID(&v, "customer", r.GetCustomer(), true)
	checkEnum(&v, "payment", r.GetPayment(), pb.PaymentStatus_PAYMENT_STATUS_DECLINED, false)
	if r.GetPriority() > 255 {
		v.add("priority", "must be 0..255")
	}
	c := commerce.Command{Kind: commerce.CmdPlaceOrder, Channel: commerce.Channel(r.GetChannel()),
		ChannelOrderID: r.GetChannelOrderId(), Customer: r.GetCustomer(), PickupStore: commerce.LocationID(r.GetPickupStore()),
		ShipComplete: r.GetShipComplete(), Priority: uint8(r.GetPriority()), Payment: commerce.Payment(r.GetPayment())}
	if c.Payment == 0 {
		c.Payment = commerce.PaymentAuthorised
	}
	if r.GetPickupStore() == 0 {
		if r.GetShipTo() == nil {
			v.add("ship_to", "required unless pickup_store is set")
		}
		c.ShipTo = checkCoord(&v, "ship_to", r.GetShipTo())
	}
	c.Lines = orderLines(&v, r.GetLines())
	return c, v.err()
}

func orderLines(v *violations, lines []*pb.OrderLineInput) []commerce.LineInput {
	if !checkLineCount(v, len(lines)) {
		return nil
	}
	out := make([]commerce.LineInput, len(lines))
	for i, l := range lines {
		// A line's violations name its fields alone until there are some:
		// a valid line formats no field names.
		var lv violations
		out[i] = commerce.LineInput{Line: uint32(i + 1), SKU: checkSKU(&lv, "sku", l.GetSku()), Qty: commerce.Qty(l.GetQty()),
			UnitPrice: commerce.Money(l.GetUnitPrice()), Currency: l.GetCurrency(),
			Reservation: commerce.ReservationID(l.GetReservationId())}
		checkPositive(&lv, "qty", l.GetQty())
		checkNonNeg(&lv, "unit_price", l.GetUnitPrice())
		if c := l.GetCurrency(); len(c) != 3 || strings.ToUpper(c) != c || !isLetters(c) {
			lv.add("currency", "must be a three-letter ISO 4217 code such as EUR")
		}
		for _, fv := range lv {
			fv.Field = fmt.Sprintf("lines[%d].%s", i, fv.Field)
			*v = append(*v, fv)
		}
	}
	return out
}

func isLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// refLines translates lines that address an existing order's lines.
// required says whether at least one line must be given.
func refLines(v *violations, lines []*pb.LineQty, required, condition bool) []commerce.LineInput {
	if len(lines) == 0 {
		if required {
			v.add("lines", "at least one line is required")
		}
		return nil
	}
	if len(lines) > maxLines {
		v.add("lines", fmt.Sprintf("at most %d lines", maxLines))
		return nil
	}
	out := make([]commerce.LineInput, len(lines))
	for i, l := range lines {
		f := fmt.Sprintf("lines[%d].", i)
		if l.GetLine() == 0 {
			v.add(f+"line", "required (line numbers start at 1)")
		}
		checkPositive(v, f+"qty", l.GetQty())
		if condition {
			checkEnum(v, f+"condition", l.GetCondition(), pb.Condition_CONDITION_DAMAGED, true)
		} else if l.GetCondition() != 0 {
			v.add(f+"condition", "only returns received have a condition")
		}
		out[i] = commerce.LineInput{Line: l.GetLine(), Qty: commerce.Qty(l.GetQty()), Condition: commerce.Condition(l.GetCondition())}
	}
	return out
}

// checkRequestID validates an optional request id (an idempotency key:
// engine/commerce reqid.go), an identifier like the others.
func checkRequestID(v *violations, id string) string {
	checkID(v, "request_id", id, false)
	return id
}

func checkOrderID(v *violations, id uint64) commerce.OrderID {
	if id == 0 {
		v.add("order_id", "required")
	}
	return commerce.OrderID(id)
}

func cancelOrderCommand(r *pb.CancelCommerceOrderRequest) (commerce.Command, error) {
	var v violations
	c := commerce.Command{Kind: commerce.CmdCancel, Order: checkOrderID(&v, r.GetOrderId()), Lines: refLines(&v, r.GetLines(), false, false),
		RequestID: checkRequestID(&v, r.GetRequestId())}
	return c, v.err()
}

func orderOnlyCommand(kind commerce.CmdKind, id uint64) (commerce.Command, error) {
	var v violations
	return commerce.Command{Kind: kind, Order: checkOrderID(&v, id)}, v.err()
}

func setPaymentCommand(r *pb.SetPaymentRequest) (commerce.Command, error) {
	var v violations
	c := commerce.Command{Kind: commerce.CmdSetPayment, Order: checkOrderID(&v, r.GetOrderId()), Payment: commerce.Payment(r.GetPayment())}
	checkEnum(&v, "payment", r.GetPayment(), pb.PaymentStatus_PAYMENT_STATUS_DECLINED, true)
	return c, v.err()
}

func shipCommand(r *pb.ConfirmShipmentRequest) (commerce.Command, error) {
	var v violations
	c := commerce.Command{Kind: commerce.CmdShip, Order: checkOrderID(&v, r.GetOrderId()), Loc: checkLoc(&v, "location_id", r.GetLocationId()),
		Tracking: r.GetTracking(), Lines: refLines(&v, r.GetLines(), true, false), RequestID: checkRequestID(&v, r.GetRequestId())}
	checkID(&v, "tracking", r.GetTracking(), true)
	return c, v.err()
}

// pickupCommand translates MarkReadyForPickup and ConfirmPickup: an order
// and, optionally, the quantities of its lines (none: all of them) and a
// request id.
func pickupCommand(kind commerce.CmdKind, order uint64, lines []*pb.LineQty, requestID string) (commerce.Command, error) {
	var v violations
	c := commerce.Command{Kind: kind, Order: checkOrderID(&v, order), Lines: refLines(&v, lines, false, false),
		RequestID: checkRequestID(&v, requestID)}
	return c, v.err()
}

func deliverCommand(r *pb.ConfirmDeliveryRequest) (commerce.Command, error) {
	var v violations
	c := commerce.Command{Kind: commerce.CmdDeliver, Order: checkOrderID(&v, r.GetOrderId()), Shipment: commerce.ShipmentID(r.GetShipmentId())}
	if r.GetShipmentId() == 0 {
		v.add("shipment_id", "required")
	}
	return c, v.err()
}

func createReturnCommand(r *pb.CreateReturnRequest) (commerce.Command, error) {
	var v violations
	c := commerce.Command{Kind: commerce.CmdAuthoriseReturn, Order: checkOrderID(&v, r.GetOrderId()), Lines: refLines(&v, r.GetLines(), true, false),
		RequestID: checkRequestID(&v, r.GetRequestId())}
	return c, v.err()
}

func receiveReturnCommand(r *pb.ReceiveReturnRequest) (commerce.Command, error) {
	var v violations
	c := commerce.Command{Kind: commerce.CmdReceiveReturn, Return: commerce.ReturnID(r.GetReturnId()),
		Loc: checkLoc(&v, "location_id", r.GetLocationId()), Lines: refLines(&v, r.GetLines(), true, true),
		RequestID: checkRequestID(&v, r.GetRequestId())}
	if r.GetReturnId() == 0 {
		v.add("return_id", "required")
	}
	return c, v.err()
}

// reserveCommand translates r for channel ch, the reservation's owner (zero:
// an administrator's, which any channel may use).
func reserveCommand(r *pb.ReserveRequest, ch commerce.Channel) (commerce.Command, error) {
	var v violations
	c := commerce.Command{Kind: commerce.CmdReserve, SKU: checkSKU(&v, "sku", r.GetSku()), Loc: checkLoc(&v, "location_id", r.GetLocationId()),
		Qty: commerce.Qty(r.GetQty()), TTL: r.GetTtlNanos(), Channel: ch, RequestID: checkRequestID(&v, r.GetRequestId())}
	checkPositive(&v, "qty", r.GetQty())
	checkPositive(&v, "ttl_nanos", r.GetTtlNanos())
	if r.GetTtlNanos() > commerce.MaxReservationTTL {
		v.add("ttl_nanos", fmt.Sprintf("at most %d days (%d ns)", commerce.MaxReservationTTL/commerce.Day, commerce.MaxReservationTTL))
	}
	return c, v.err()
}

// releaseReservationCommand translates r for channel ch, which may release
// only its own reservations (zero: an administrator, any).
func releaseReservationCommand(r *pb.ReleaseReservationRequest, ch commerce.Channel) (commerce.Command, error) {
	var v violations
	if r.GetReservationId() == 0 {
		v.add("reservation_id", "required")
	}
	return commerce.Command{Kind: commerce.CmdReleaseReservation, Reservation: commerce.ReservationID(r.GetReservationId()), Channel: ch}, v.err()
}

// stockCommand translates the stock calls, which all address a SKU at a
// location with a quantity.
func stockCommand(kind commerce.CmdKind, sku string, loc uint32, qtyField string, qty int64) (commerce.Command, violations) {
	var v violations
	c := commerce.Command{Kind: kind, SKU: checkSKU(&v, "sku", sku), Loc: checkLoc(&v, "location_id", loc), Qty: commerce.Qty(qty)}
	switch kind {
	case commerce.CmdSetStock, commerce.CmdSetSafetyStock:
		checkNonNeg(&v, qtyField, qty)
	case commerce.CmdAdjustStock:
		if qty == 0 {
			v.add(qtyField, "must not be zero")
		}
	default:
		checkPositive(&v, qtyField, qty)
	}
	return c, v
}

func setStockCommand(r *pb.SetStockRequest) (commerce.Command, error) {
	c, v := stockCommand(commerce.CmdSetStock, r.GetSku(), r.GetLocationId(), "on_hand", r.GetOnHand())
	c.Version = r.GetVersion()
	if r.GetVersion() == 0 {
		v.add("version", "required: a number that increases with every sync of this SKU and location")
	}
	return c, v.err()
}

func adjustStockCommand(r *pb.AdjustStockRequest) (commerce.Command, error) {
	c, v := stockCommand(commerce.CmdAdjustStock, r.GetSku(), r.GetLocationId(), "delta", r.GetDelta())
	checkEnum(&v, "reason", r.GetReason(), pb.AdjustReason_ADJUST_REASON_CORRECTION, true)
	c.Adjust = commerce.AdjustReason(r.GetReason())
	c.RequestID = checkRequestID(&v, r.GetRequestId())
	return c, v.err()
}

func setSafetyStockCommand(r *pb.SetSafetyStockRequest) (commerce.Command, error) {
	c, v := stockCommand(commerce.CmdSetSafetyStock, r.GetSku(), r.GetLocationId(), "qty", r.GetQty())
	return c, v.err()
}

func addInboundCommand(r *pb.AddInboundRequest) (commerce.Command, error) {
	c, v := stockCommand(commerce.CmdAddInbound, r.GetSku(), r.GetLocationId(), "qty", r.GetQty())
	c.Date = r.GetDateUnixNano()
	checkPositive(&v, "date_unix_nano", r.GetDateUnixNano())
	c.RequestID = checkRequestID(&v, r.GetRequestId())
	return c, v.err()
}

func receiveStockCommand(r *pb.ReceiveStockRequest) (commerce.Command, error) {
	c, v := stockCommand(commerce.CmdReceive, r.GetSku(), r.GetLocationId(), "qty", r.GetQty())
	c.RequestID = checkRequestID(&v, r.GetRequestId())
	return c, v.err()
}

func setLocationCommand(r *pb.SetLocationRequest) (commerce.Command, error) {
	var v violations
	l := r.GetLocation()
	if l == nil {
		v.add("location", "required")
		return commerce.Command{}, v.err()
	}
	loc := commerce.Location{ID: checkLoc(&v, "location.id", l.GetId()), Kind: commerce.LocKind(l.GetKind()),
		LeadHours: l.GetLeadHours(), Capacity: l.GetCapacity(), CostPerShipment: commerce.Money(l.GetCostPerShipment()),
		CostPerKm: commerce.Money(l.GetCostPerKm()), Priority: l.GetPriority(), Ships: l.GetShips(), Pickup: l.GetPickup(),
		ShipFromStore: l.GetShipFromStore(), Active: l.GetActive()}
	checkEnum(&v, "location.kind", l.GetKind(), pb.LocationKind_LOCATION_KIND_DROPSHIP, true)
	if l.GetAt() == nil {
		v.add("location.at", "required")
	}
	loc.At = checkCoord(&v, "location.at", l.GetAt())
	checkNonNeg(&v, "location.lead_hours", int64(l.GetLeadHours()))
	checkNonNeg(&v, "location.capacity", int64(l.GetCapacity()))
	checkNonNeg(&v, "location.cost_per_shipment", l.GetCostPerShipment())
	checkNonNeg(&v, "location.cost_per_km", l.GetCostPerKm())
	return commerce.Command{Kind: commerce.CmdSetLocation, Location: loc, Loc: loc.ID}, v.err()
}

func setRulesCommand(r *pb.SetHoldRulesRequest) (commerce.Command, error) {
	var v violations
	ru := r.GetRules()
	if ru == nil {
		v.add("rules", "required")
		return commerce.Command{}, v.err()
	}
	checkNonNeg(&v, "rules.max_value", ru.GetMaxValue())
	checkNonNeg(&v, "rules.max_qty", ru.GetMaxQty())
	checkNonNeg(&v, "rules.return_window_nanos", ru.GetReturnWindowNanos())
	return commerce.Command{Kind: commerce.CmdSetRules, Rules: commerce.HoldRules{MaxValue: commerce.Money(ru.GetMaxValue()),
		MaxQty: commerce.Qty(ru.GetMaxQty()), CheckCredit: ru.GetCheckCredit(), CheckPayment: ru.GetCheckPayment(),
		ReturnWindow: ru.GetReturnWindowNanos()}}, v.err()
}

func setRetentionCommand(r *pb.SetRetentionRequest) (commerce.Command, error) {
	var v violations
	ru := r.GetRetention()
	if ru == nil {
		v.add("retention", "required")
		return commerce.Command{}, v.err()
	}
	// Negative archive_after means never; the engine bounds both.
	if ru.GetArchiveAfterNanos() > commerce.MaxRetention {
		v.add("retention.archive_after_nanos", "at most 100 years")
	}
	checkNonNeg(&v, "retention.dedup_window_nanos", ru.GetDedupWindowNanos())
	if ru.GetDedupWindowNanos() > commerce.MaxRetention {
		v.add("retention.dedup_window_nanos", "at most 100 years")
	}
	return commerce.Command{Kind: commerce.CmdSetRetention, Retention: commerce.Retention{
		ArchiveAfter: ru.GetArchiveAfterNanos(), DedupWindow: ru.GetDedupWindowNanos()}}, v.err()
}

func setCustomerCommand(r *pb.SetCustomerRequest) (commerce.Command, error) {
	var v violations
	checkID(&v, "customer", r.GetCustomer(), true)
	checkNonNeg(&v, "credit_limit", r.GetCreditLimit())
	return commerce.Command{Kind: commerce.CmdSetCustomer, Customer: r.GetCustomer(), B2BCustomer: r.GetB2B(),
		CreditLimit: commerce.Money(r.GetCreditLimit())}, v.err()
}

// checkLineCount reports whether a request's line count is allowed (1 to
// maxLines), recording the violation if not.
func checkLineCount(v *violations, n int) bool {
	switch {
	case n == 0:
		v.add("lines", "at least one line is required")
		return false
	case n > maxLines:
		v.add("lines", fmt.Sprintf("at most %d lines", maxLines))
		return false
	}
	return true
}
