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
		commerce.ReasonUnknownReturn, commerce.ReasonOrderArchived:
		// An archived order has left memory (engine/commerce retention):
		// NotFound, with order_archived in the details to tell it apart.
		return codes.NotFound
	case commerce.ReasonInvalidQty, commerce.ReasonInvalidCommand, commerce.ReasonInvalidLocation,
		commerce.ReasonInvalidCoord, commerce.ReasonInvalidChannel, commerce.ReasonMissingChannelOrderID,
		commerce.ReasonMissingCustomer, commerce.ReasonNoLines, commerce.ReasonTooManyLines,
		commerce.ReasonInvalidPrice, commerce.ReasonCurrencyMismatch, commerce.ReasonInvalidPayment,
		commerce.ReasonInvalidTTL, commerce.ReasonInvalidDate, commerce.ReasonInvalidAdjustReason,
		commerce.ReasonDuplicateLine, commerce.ReasonInvalidCondition, commerce.ReasonMissingTracking,
		commerce.ReasonInvalidRules, commerce.ReasonOverflow, commerce.ReasonInvalidRetention,
		commerce.ReasonChannelOrderIDTooLong, commerce.ReasonAdjustSign, commerce.ReasonTTLTooLong,
		commerce.ReasonRequestIDTooLong:
		return codes.InvalidArgument
	case commerce.ReasonChannelOrderIDConflict, commerce.ReasonRequestIDConflict:
		// The key names an existing order (or an earlier call), which this
		// request is not.
		return codes.AlreadyExists
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

// commerceField names the request field an engine rejection of command c
// is about. The engine names its command's fields; most match the
// request's, a few are renamed (per command where the request's name
// differs: SetStock's on_hand, AdjustStock's delta), and a line's field
// gets the index of the request entry it is about (lineEntry). Without the
// command (nil) a line's field is indexed only for a placement, whose
// lines are numbered by position.
func commerceField(e *commerce.Event, c *commerce.Command) string {
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
	case "retention.archive_after", "retention.dedup_window":
		f += "_nanos"
	case "qty":
		switch e.Cmd {
		case commerce.CmdSetStock:
			f = "on_hand"
		case commerce.CmdAdjustStock:
			f = "delta"
		}
	}
	rest, ok := strings.CutPrefix(f, "lines.")
	if !ok {
		return f
	}
	if rest == "reservation" {
		rest = "reservation_id"
	}
	if i := lineEntry(e, c); i >= 0 {
		return fmt.Sprintf("lines[%d].%s", i, rest)
	}
	return "lines." + rest
}

// lineEntry returns the index in c's lines of the entry rejection e is
// about, or -1. A placement's lines are numbered by position (line i+1 is
// entry i). Other commands name an order's line by number, and the engine
// reports that number: the entry is the first that names it, except that a
// duplicate is the first entry repeating an earlier one's number, and an
// out-of-range quantity the first entry for the line that has one
// (refLines checks, entry by entry, the number, the quantity, then
// earlier duplicates; the later checks run on distinct lines).
func lineEntry(e *commerce.Event, c *commerce.Command) int {
	if e.Line == 0 {
		return -1
	}
	if e.Cmd == commerce.CmdPlaceOrder {
		return int(e.Line) - 1
	}
	if c == nil {
		return -1
	}
	first := -1
	for i := range c.Lines {
		in := &c.Lines[i]
		if in.Line != e.Line {
			continue
		}
		switch {
		case e.Reason == commerce.ReasonDuplicateLine:
			if first >= 0 {
				return i
			}
		case e.Reason == commerce.ReasonInvalidQty && (in.Qty <= 0 || in.Qty > commerce.MaxQty):
			return i
		}
		if first < 0 {
			first = i
		}
	}
	return first
}

func commerceReject(e *commerce.Event, seq uint64, c *commerce.Command) error {
	var order uint64
	if e.Reason == commerce.ReasonChannelOrderIDConflict {
		order = uint64(e.Order) // the order holding the key: the channel's own
	}
	return reasonErr(commerceReasonCode(e.Reason), domainCommerce, e.Reason.String(), commerceField(e, c), seq, order)
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
	var b eventBox
	b.fill(e)
	return &b.ev
}

// eventBox holds an event's message and the sub-messages some kinds need,
// so that one allocation (or one slab of boxes for a command's events)
// serves them all: allocation was the largest share of the gateway's own
// CPU per order.
type eventBox struct {
	ev    pb.CommerceEvent
	plan  pb.SourcingPlan
	stock pb.StockLevel
}

// fill sets b.ev from e; b must be zero.
func (b *eventBox) fill(e *commerce.Event) {
	out := &b.ev
	out.Kind, out.Duplicate, out.OrderId = e.Kind.String(), e.Duplicate, uint64(e.Order)
	out.Channel, out.ChannelOrderId, out.Customer, out.Line = pb.Channel(e.Channel), e.ChannelOrderID, e.Customer, e.Line
	out.Sku, out.LocationId, out.Qty, out.Amount, out.Currency = string(e.SKU), uint32(e.Loc), int64(e.Qty), int64(e.Amount), e.Currency
	out.DateUnixNano, out.Adjust, out.ReservationId = e.Date, pb.AdjustReason(e.Adjust), uint64(e.Reservation)
	out.ExpiresUnixNano, out.Status, out.Payment = e.Expires, pb.OrderStatus(e.Status), pb.PaymentStatus(e.Payment)
	out.ShipByUnixNano, out.DeliverByUnixNano, out.FulfilmentId, out.Count = e.ShipBy, e.DeliverBy, uint64(e.Fulfilment), e.Count
	out.ShipmentId, out.Tracking, out.PickedUp, out.ReturnId = uint64(e.Shipment), e.Tracking, e.PickedUp, uint64(e.Return)
	out.Condition = pb.Condition(e.Condition)
	if e.Hold != 0 {
		out.Hold = e.Hold.String()
	}
	switch e.Kind {
	case commerce.EvRejected:
		out.Cmd, out.Reason, out.Field = e.Cmd.String(), e.Reason.String(), commerceField(e, nil)
	case commerce.EvStock:
		st, pst := &e.Stock, &b.stock
		pst.OnHand, pst.Allocated, pst.Reserved, pst.Safety = int64(st.OnHand), int64(st.Allocated), int64(st.Reserved), int64(st.Safety)
		pst.Inbound, pst.Atp, pst.NetworkAtp = int64(st.Inbound), int64(st.ATP), int64(st.NetworkATP)
		out.Stock = pst
	case commerce.EvAllocated:
		p, pp := &e.Plan, &b.plan
		pp.Shipments, pp.Cost, pp.Priority, pp.Candidates = p.Shipments, int64(p.Cost), p.Priority, p.Candidates
		pp.Why, pp.Exact, pp.DistanceKm = p.Why.String(), p.Exact, p.DistanceKm
		out.Plan = pp
	case commerce.EvLocation:
		if e.Location != nil {
			out.Location = locationToPB(e.Location)
		}
	case commerce.EvRules:
		if r := e.Rules; r != nil {
			out.Rules = &pb.HoldRules{MaxValue: int64(r.MaxValue), MaxQty: int64(r.MaxQty), CheckCredit: r.CheckCredit,
				CheckPayment: r.CheckPayment, ReturnWindowNanos: r.ReturnWindow}
		}
	case commerce.EvRetention:
		// The engine carries the rules in Date (ArchiveAfter) and Expires
		// (DedupWindow); they are durations, not times.
		out.Retention = &pb.Retention{ArchiveAfterNanos: e.Date, DedupWindowNanos: e.Expires}
		out.DateUnixNano, out.ExpiresUnixNano = 0, 0
	case commerce.EvHoldReleased, commerce.EvCancelled:
		if e.Reason != commerce.ReasonNone {
			out.Reason = e.Reason.String()
		}
	}
}
