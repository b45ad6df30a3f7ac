package gateway

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/ordercore/oms/engine/commerce"
	pb "github.com/ordercore/oms/proto/omsv1"
	"google.golang.org/grpc/codes"
)

func commerceReasonCode(r commerce.Reason) codes.Code {
	switch r {
	case commerce.ReasonUnknownSKU, commerce.ReasonUnknownLocation, commerce.ReasonUnknownOrder,
		commerce.ReasonUnknownReservation, commerce.ReasonUnknownLine, commerce.ReasonUnknownShipment,
		commerce.ReasonUnknownReturn:
		return codes.NotFound
	case commerce.ReasonInvalidQty, commerce.ReasonInvalidCommand, commerce.ReasonInvalidLocation,
		commerce.ReasonInvalidCoord, commerce.ReasonInvalidChannel, commerce.ReasonMissingChannelOrderID,
		commerce.ReasonMissingCustomer, commerce.ReasonNoLines, commerce.ReasonTooManyLines,
		commerce.ReasonInvalidPrice, commerce.ReasonCurrencyMismatch, commerce.ReasonInvalidPayment,
		commerce.ReasonInvalidTTL, commerce.ReasonInvalidDate, commerce.ReasonInvalidAdjustReason,
		commerce.ReasonDuplicateLine, commerce.ReasonInvalidCondition, commerce.ReasonMissingTracking,
		commerce.ReasonInvalidRules, commerce.ReasonOverflow:
		return codes.InvalidArgument
	}
	return codes.FailedPrecondition
}

// snake turns the engine's field name (Go style, e.g. "Lines[1].Qty") into
// the request's (proto style, "lines[1].qty").
func snake(s string) string {
	var b strings.Builder
	prev := rune(0)
	for _, r := range s {
		if unicode.IsUpper(r) {
			if prev != 0 && prev != '.' && prev != '[' && !unicode.IsUpper(prev) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

// commerceField names the request field an engine rejection is about. The
// engine names its command's fields; most match the request's, a few are
// renamed, and a line's field gets the line's index (PlaceOrder numbers its
// lines 1.. in request order).
func commerceField(e *commerce.Event) string {
	f := snake(e.Field)
	switch f {
	case "loc":
		f = "location_id"
	case "ttl":
		f = "ttl_nanos"
	case "reservation":
		f = "reservation_id"
	case "order":
		f = "order_id"
	case "shipment":
		f = "shipment_id"
	case "return":
		f = "return_id"
	case "adjust":
		f = "reason"
	case "date":
		f = "date_unix_nano"
	}
	if rest, ok := strings.CutPrefix(f, "lines."); ok && e.Line > 0 {
		f = fmt.Sprintf("lines[%d].%s", e.Line-1, rest)
	}
	return f
}

func commerceReject(e *commerce.Event, seq uint64) error {
	return reasonErr(commerceReasonCode(e.Reason), domainCommerce, e.Reason.String(), commerceField(e), seq)
}

func stockToPB(s *commerce.StockLevel) *pb.StockLevel {
	return &pb.StockLevel{OnHand: int64(s.OnHand), Allocated: int64(s.Allocated), Reserved: int64(s.Reserved),
		Safety: int64(s.Safety), Inbound: int64(s.Inbound), Atp: int64(s.ATP), NetworkAtp: int64(s.NetworkATP)}
}

func locationToPB(l *commerce.Location) *pb.Location {
	return &pb.Location{Id: uint32(l.ID), Kind: pb.LocationKind(l.Kind), At: &pb.Coord{Lat: int32(l.At.Lat), Lon: int32(l.At.Lon)},
		LeadHours: l.LeadHours, Capacity: l.Capacity, CostPerShipment: int64(l.CostPerShipment), CostPerKm: int64(l.CostPerKm),
		Priority: l.Priority, Ships: l.Ships, Pickup: l.Pickup, ShipFromStore: l.ShipFromStore, Active: l.Active}
}

func commerceEventToPB(e *commerce.Event) *pb.CommerceEvent {
	out := &pb.CommerceEvent{Kind: e.Kind.String(), Duplicate: e.Duplicate, OrderId: uint64(e.Order),
		Channel: pb.Channel(e.Channel), ChannelOrderId: e.ChannelOrderID, Customer: e.Customer, Line: e.Line,
		Sku: string(e.SKU), LocationId: uint32(e.Loc), Qty: int64(e.Qty), Amount: int64(e.Amount), Currency: e.Currency,
		DateUnixNano: e.Date, Adjust: pb.AdjustReason(e.Adjust), ReservationId: uint64(e.Reservation),
		ExpiresUnixNano: e.Expires, Status: pb.OrderStatus(e.Status), Payment: pb.PaymentStatus(e.Payment),
		ShipByUnixNano: e.ShipBy, DeliverByUnixNano: e.DeliverBy, FulfilmentId: uint64(e.Fulfilment), Count: e.Count,
		ShipmentId: uint64(e.Shipment), Tracking: e.Tracking, PickedUp: e.PickedUp, ReturnId: uint64(e.Return),
		Condition: pb.Condition(e.Condition)}
	if e.Hold != 0 {
		out.Hold = e.Hold.String()
	}
	switch e.Kind {
	case commerce.EvRejected:
		out.Cmd, out.Reason, out.Field = e.Cmd.String(), e.Reason.String(), commerceField(e)
	case commerce.EvStock:
		out.Stock = stockToPB(&e.Stock)
	case commerce.EvAllocated:
		p := &e.Plan
		out.Plan = &pb.SourcingPlan{Shipments: p.Shipments, Cost: int64(p.Cost), Priority: p.Priority,
			Candidates: p.Candidates, Why: p.Why.String(), Exact: p.Exact, DistanceKm: p.DistanceKm}
	case commerce.EvLocation:
		out.Location = locationToPB(&e.Location)
	case commerce.EvRules:
		r := &e.Rules
		out.Rules = &pb.HoldRules{MaxValue: int64(r.MaxValue), MaxQty: int64(r.MaxQty), CheckCredit: r.CheckCredit,
			CheckPayment: r.CheckPayment, ReturnWindowNanos: r.ReturnWindow}
	case commerce.EvHoldReleased, commerce.EvCancelled:
		if e.Reason != commerce.ReasonNone {
			out.Reason = e.Reason.String()
		}
	}
	return out
}
