package commerce

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/cockroachdb/datadriven"
)

var ddCmdKinds = map[string]CmdKind{
	"location": CmdSetLocation, "stock": CmdSetStock, "adjust": CmdAdjustStock, "safety": CmdSetSafetyStock,
	"inbound": CmdAddInbound, "receive": CmdReceive, "reserve": CmdReserve, "unreserve": CmdReleaseReservation,
	"place": CmdPlaceOrder, "release-hold": CmdReleaseHold, "release": CmdRelease, "ship": CmdShip,
	"deliver": CmdDeliver, "cancel": CmdCancel, "authorise-return": CmdAuthoriseReturn,
	"receive-return": CmdReceiveReturn, "rules": CmdSetRules, "customer": CmdSetCustomer, "payment": CmdSetPayment,
	"retention": CmdSetRetention, "ready-for-pickup": CmdReadyForPickup, "picked-up": CmdPickedUp, "raw": 0,
}

// buildCommand turns a scenario command into a Command. Lines come from the
// input block, one per line, as key=value fields.
func buildCommand(d *datadriven.TestData, c *Command) error {
	k, ok := ddCmdKinds[d.Cmd]
	if !ok {
		return fmt.Errorf("unknown command %q", d.Cmd)
	}
	a := cmdArgs(d)
	if d.Cmd == "raw" {
		k = CmdKind(a.int("kind"))
	}
	*c = Command{Kind: k}
	c.SKU = SKU(a.str("sku"))
	c.Loc = LocationID(a.int("loc"))
	c.Qty = Qty(a.int("qty"))
	c.Version = uint64(a.int("v"))
	c.Date = a.time("date")
	c.TTL = a.time("ttl")
	c.Reservation = ReservationID(a.int("res"))
	c.Order = OrderID(a.int("order"))
	c.Shipment = ShipmentID(a.int("shipment"))
	c.Return = ReturnID(a.int("return"))
	c.Tracking = a.str("track")
	c.RequestID = a.str("req")
	c.Caller = a.str("caller")
	c.Customer = a.str("cust")
	c.ChannelOrderID = a.str("id")
	c.ShipTo = a.coord("to")
	c.PickupStore = LocationID(a.int("pickup"))
	c.ShipComplete = a.has("complete")
	c.Priority = uint8(a.int("prio"))
	c.CreditLimit = Money(a.int("limit"))
	c.B2BCustomer = a.has("b2b")
	if a.has("reason") {
		c.Adjust = enumOf[AdjustReason](adjustReasonNames[:], a.str("reason"))
	}
	if a.has("ch") {
		c.Channel = enumOf[Channel](channelNames[:], a.str("ch"))
	}
	c.Payment = PaymentAuthorised
	if a.has("pay") {
		c.Payment = enumOf[Payment](paymentNames[:], a.str("pay"))
	}
	if k == CmdSetLocation {
		buildLocation(a, &c.Location)
	}
	if k == CmdSetRules {
		c.Rules = HoldRules{MaxValue: Money(a.int("max-value")), MaxQty: Qty(a.int("max-qty")),
			CheckCredit: a.has("credit"), CheckPayment: a.has("payment"), ReturnWindow: a.time("window")}
	}
	if k == CmdSetRetention {
		c.Retention = Retention{ArchiveAfter: a.time("archive"), DedupWindow: a.time("dedup")}
		if a.has("never") {
			c.Retention.ArchiveAfter = -1
		}
	}
	if a.err != nil {
		return a.err
	}
	for _, ln := range strings.Split(strings.TrimSpace(d.Input), "\n") {
		if ln = strings.TrimSpace(ln); ln == "" {
			continue
		}
		la := parseArgs(strings.Fields(ln))
		l := LineInput{Line: uint32(la.int("line")), SKU: SKU(la.str("sku")), Qty: Qty(la.int("qty")),
			UnitPrice: Money(la.int("price")), Currency: la.str("cur"), Reservation: ReservationID(la.int("res"))}
		if l.Currency == "" && k == CmdPlaceOrder {
			l.Currency = "EUR"
		}
		if la.has("cond") {
			l.Condition = enumOf[Condition](conditionNames[:], la.str("cond"))
		}
		if la.err != nil {
			return la.err
		}
		c.Lines = append(c.Lines, l)
	}
	return nil
}

func buildLocation(a *args, l *Location) {
	l.ID = LocationID(a.int("id"))
	l.Kind = enumOf[LocKind](locKindNames[:], a.str("kind"))
	l.At = a.coord("at")
	l.LeadHours = int32(a.int("lead"))
	l.Capacity = int32(a.int("cap"))
	l.CostPerShipment = Money(a.int("cost"))
	l.CostPerKm = Money(a.int("km"))
	l.Priority = int32(a.int("prio"))
	for _, f := range strings.Split(a.str("flags"), ",") {
		switch f {
		case "ships":
			l.Ships = true
		case "pickup":
			l.Pickup = true
		case "sfs":
			l.ShipFromStore = true
		case "active":
			l.Active = true
		}
	}
}

func formatLevel(s StockLevel) string {
	return fmt.Sprintf("onhand=%d alloc=%d res=%d safety=%d inbound=%d atp=%d net=%d",
		s.OnHand, s.Allocated, s.Reserved, s.Safety, s.Inbound, s.ATP, s.NetworkATP)
}

func formatPlan(p PlanScore) string {
	ex := "exact"
	if !p.Exact {
		ex = "greedy"
	}
	return fmt.Sprintf("plan=(ships=%d cost=%d prio=%d cands=%d why=%s %s km=%d)",
		p.Shipments, p.Cost, p.Priority, p.Candidates, p.Why, ex, p.DistanceKm)
}

func formatEvent(ev *Event) string {
	var b strings.Builder
	b.WriteString(ev.Kind.String())
	if ev.Duplicate {
		b.WriteString(" (duplicate)")
	}
	w := func(f string, a ...any) { fmt.Fprintf(&b, " "+f, a...) }
	if ev.Order != 0 {
		w("order=%d", ev.Order)
	}
	if ev.Line != 0 {
		w("line=%d", ev.Line)
	}
	if ev.Kind != EvRejected && ev.Reason != ReasonNone {
		w("reason=%s", ev.Reason)
	}
	switch ev.Kind {
	case EvRejected:
		w("%s reason=%s field=%s", ev.Cmd, ev.Reason, ev.Field)
	case EvLocation:
		l := ev.Location
		w("id=%d kind=%s at=%d,%d lead=%dh cap=%d cost=%d km=%d prio=%d ships=%t pickup=%t sfs=%t active=%t",
			l.ID, l.Kind, l.At.Lat, l.At.Lon, l.LeadHours, l.Capacity, l.CostPerShipment, l.CostPerKm,
			l.Priority, l.Ships, l.Pickup, l.ShipFromStore, l.Active)
	case EvStock:
		w("%s@%d delta=%d", ev.SKU, ev.Loc, ev.Qty)
		if ev.Adjust != 0 {
			w("reason=%s", ev.Adjust)
		}
		w("%s", formatLevel(ev.Stock))
	case EvInbound:
		w("%s@%d qty=%d date=%s", ev.SKU, ev.Loc, ev.Qty, fmtTime(ev.Date))
	case EvReserved, EvReservationReleased, EvReservationExpired:
		w("res=%d %s@%d qty=%d expires=%s", ev.Reservation, ev.SKU, ev.Loc, ev.Qty, fmtTime(ev.Expires))
		if ev.Kind == EvReserved && ev.Channel != 0 {
			w("ch=%s", ev.Channel)
		}
	case EvOrderCreated:
		w("ch=%s id=%s cust=%s units=%d value=%d %s", ev.Channel, ev.ChannelOrderID, ev.Customer, ev.Qty, ev.Amount, ev.Currency)
	case EvAllocated:
		w("%s@%d qty=%d %s ship-by=%s deliver-by=%s", ev.SKU, ev.Loc, ev.Qty, formatPlan(ev.Plan),
			fmtTime(ev.ShipBy), fmtTime(ev.DeliverBy))
	case EvBackordered, EvCancelled:
		w("%s qty=%d", ev.SKU, ev.Qty)
	case EvReadyForPickup:
		w("%s@%d qty=%d", ev.SKU, ev.Loc, ev.Qty)
	case EvAwaitingPayment:
		w("%s qty=%d", ev.SKU, ev.Qty)
		if ev.Loc != 0 {
			w("from=%d", ev.Loc)
		}
	case EvHeld, EvHoldReleased:
		w("hold=%s", ev.Hold)
	case EvOrderStatus:
		if ev.SKU != "" {
			w("%s", ev.SKU)
		}
		w("status=%s", ev.Status)
	case EvFulfilmentRequest:
		w("fulfilment=%d loc=%d lines=%d pickup=%t", ev.Fulfilment, ev.Loc, ev.Count, ev.PickedUp)
	case EvFulfilmentLine, EvFulfilmentCancelled:
		w("fulfilment=%d %s@%d qty=%d", ev.Fulfilment, ev.SKU, ev.Loc, ev.Qty)
	case EvShipped:
		w("shipment=%d %s@%d qty=%d tracking=%s", ev.Shipment, ev.SKU, ev.Loc, ev.Qty, ev.Tracking)
	case EvDelivered:
		w("shipment=%d loc=%d tracking=%s picked-up=%t", ev.Shipment, ev.Loc, ev.Tracking, ev.PickedUp)
	case EvReturnAuthorised:
		w("return=%d %s qty=%d", ev.Return, ev.SKU, ev.Qty)
	case EvReturnReceived:
		w("return=%d %s@%d qty=%d %s refund=%d %s", ev.Return, ev.SKU, ev.Loc, ev.Qty, ev.Condition, ev.Amount, ev.Currency)
	case EvRules:
		r := ev.Rules
		w("max-value=%d max-qty=%d credit=%t payment=%t window=%s", r.MaxValue, r.MaxQty, r.CheckCredit,
			r.CheckPayment, fmtTime(r.ReturnWindow))
	case EvCustomer:
		w("cust=%s limit=%d", ev.Customer, ev.Amount)
	case EvPayment:
		w("payment=%s", ev.Payment)
	case EvRetention:
		after := fmtTime(ev.Date)
		if ev.Date < 0 {
			after = "never"
		}
		w("archive-after=%s dedup-window=%s", after, fmtTime(ev.Expires))
	case EvArchived:
		w("ch=%s id=%s status=%s", ev.Channel, ev.ChannelOrderID, ev.Status)
	}
	return b.String()
}

// query answers the read-only scenario commands.
func (h *harness) query(d *datadriven.TestData) (string, bool, error) {
	a := cmdArgs(d)
	var b strings.Builder
	w := func(f string, x ...any) { fmt.Fprintf(&b, f+"\n", x...) }
	switch d.Cmd {
	case "show-order":
		v, ok := h.e.Order(OrderID(a.int("order")))
		if !ok && h.e.Archived(OrderID(a.int("order"))) {
			return "archived order\n", true, nil
		}
		if !ok {
			return "unknown order\n", true, nil
		}
		formatOrder(&b, &v)
		if p := v.Plan; a.has("plan") {
			// The order's plan: no line's reason or distance.
			w("  plan ships=%d cost=%d prio=%d cands=%d exact=%t", p.Shipments, p.Cost, p.Priority, p.Candidates, p.Exact)
		}
	case "orders":
		var ids []OrderID
		if a.has("cust") {
			ids = h.e.OrdersByCustomer(a.str("cust"))
		} else {
			ids = h.e.OrdersByChannel(enumOf[Channel](channelNames[:], a.str("ch")))
		}
		w("%v", ids)
	case "avail":
		av, ok := h.e.Availability(SKU(a.str("sku")))
		if !ok {
			return "unknown sku\n", true, nil
		}
		for _, l := range av.Locations {
			w("loc=%d %s", l.Loc, formatLevel(l.Stock))
		}
		w("network atp=%d", av.NetworkATP)
	case "future-atp":
		q, _ := h.e.FutureATP(SKU(a.str("sku")), LocationID(a.int("loc")), a.time("date"))
		w("atp=%d", q)
	case "backorders":
		for _, bo := range h.e.BackorderQueue(SKU(a.str("sku"))) {
			w("order=%d line=%d qty=%d prio=%d at=%s", bo.Order, bo.Line, bo.Qty, bo.Priority, fmtTime(bo.At))
		}
		if b.Len() == 0 {
			w("empty")
		}
	case "archive-stats":
		s := h.e.ArchiveStats()
		w("live=%d closed=%d archived=%d tombstones=%d", s.Live, s.Closed, s.Archived, s.Tombstones)
	case "order-by-channel-id":
		id, ok := h.e.OrderByChannelID(enumOf[Channel](channelNames[:], a.str("ch")), a.str("id"))
		w("order=%d found=%t", id, ok)
	case "stats":
		s := h.e.Analytics(enumOf[Channel](channelNames[:], a.str("ch")))
		w("orders=%d lines=%d units=%d allocated=%d split=%d backordered=%d shipped=%d returned=%d",
			s.Orders, s.Lines, s.Units, s.UnitsAllocated, s.SplitOrders, s.BackorderedOrders, s.UnitsShipped, s.UnitsReturned)
		w("fill=%dbps split=%dbps backorder=%dbps return=%dbps", s.FillRateBps, s.SplitRateBps, s.BackorderRateBps, s.ReturnRateBps)
	case "promise":
		// One line from the arguments (sku, qty) or lines from the input.
		var lines []LineInput
		if a.has("sku") {
			lines = []LineInput{{SKU: SKU(a.str("sku")), Qty: Qty(a.int("qty"))}}
		}
		for _, ln := range strings.Split(strings.TrimSpace(d.Input), "\n") {
			if ln = strings.TrimSpace(ln); ln != "" {
				la := parseArgs(strings.Fields(ln))
				lines = append(lines, LineInput{SKU: SKU(la.str("sku")), Qty: Qty(la.int("qty"))})
			}
		}
		before := snapshotBytes(h.e)
		p, why, at := h.e.PromiseOrder(lines, a.coord("to"), a.has("complete"), uint8(a.int("prio")), h.now)
		if !bytes.Equal(before, snapshotBytes(h.e)) {
			return "", false, fmt.Errorf("promise changed the engine's state")
		}
		if why != ReasonNone {
			w("rejected %s line=%d", why, at+1)
			break
		}
		w("now=%t short=%d later=%d available=%s ship-by=%s deliver-by=%s", p.Now(), p.Short, p.Later,
			fmtTime(p.Available), fmtTime(p.ShipBy), fmtTime(p.DeliverBy))
		for _, q := range p.Parts {
			w("  line=%d loc=%d qty=%d available=%s ship-by=%s deliver-by=%s later=%t inbound=%t km=%d", q.Line+1, q.Loc,
				q.Qty, fmtTime(q.Available), fmtTime(q.ShipBy), fmtTime(q.DeliverBy), q.Later, q.FromInbound, q.DistanceKm)
		}
	case "locations":
		for _, l := range h.e.Locations() {
			w("id=%d kind=%s active=%t", l.ID, l.Kind, l.Active)
		}
	case "reservation":
		r, ok := h.e.ReservationByID(ReservationID(a.int("id")))
		if !ok {
			w("unknown reservation")
		} else {
			w("res=%d %s@%d qty=%d expires=%s active=%t", r.ID, r.SKU, r.Loc, r.Qty, fmtTime(r.Expires), r.Active)
		}
	case "distance":
		w("km=%d", distanceKm(a.coord("from"), a.coord("to")))
	default:
		return "", false, nil
	}
	return b.String(), true, a.err
}

func formatOrder(b *strings.Builder, v *OrderView) {
	w := func(f string, x ...any) { fmt.Fprintf(b, f+"\n", x...) }
	w("order=%d ch=%s id=%s cust=%s placed=%s status=%s holds=%s value=%d %s units=%d pickup=%d complete=%t prio=%d payment=%s",
		v.ID, v.Channel, v.ChannelOrderID, v.Customer, fmtTime(v.PlacedAt), v.Status, v.Holds, v.Value, v.Currency,
		v.Units, v.PickupStore, v.ShipComplete, v.Priority, v.Payment)
	if v.PlacedValue != v.Value {
		w("  placed-value=%d", v.PlacedValue)
	}
	if v.ReturnWindow != 0 {
		w("  return-window=%s", fmtTime(v.ReturnWindow))
	}
	for _, l := range v.Lines {
		w("  line=%d %s qty=%d price=%d status=%s cancelled=%d backordered=%d allocated=%d released=%d shipped=%d delivered=%d ret-auth=%d ret-recv=%d",
			l.Line, l.SKU, l.Qty, l.UnitPrice, l.Status, l.Cancelled, l.Backordered, l.Allocated, l.Released, l.Shipped,
			l.Delivered, l.ReturnAuthorised, l.ReturnReceived)
		if l.AwaitingPayment != 0 {
			w("    awaiting-payment=%d", l.AwaitingPayment)
		}
		if l.ReadyForPickup != 0 {
			w("    ready-for-pickup=%d", l.ReadyForPickup)
		}
	}
	for _, a := range v.Allocations {
		w("  alloc line=%d loc=%d qty=%d/%d released=%t fulfilment=%d ship-by=%s deliver-by=%s why=%s",
			a.Line, a.Loc, a.Qty, a.Orig, a.Released, a.Fulfilment, fmtTime(a.ShipBy), fmtTime(a.DeliverBy), a.Plan.Why)
	}
	for _, s := range v.Shipments {
		w("  shipment=%d loc=%d tracking=%s at=%s delivered=%t lines=%v", s.ID, s.Loc, s.Tracking, fmtTime(s.At), s.Delivered, s.Lines)
	}
	for _, r := range v.Returns {
		w("  return=%d at=%s lines=%v", r.ID, fmtTime(r.At), r.Lines)
	}
	for _, h := range v.History {
		st := ""
		if h.Kind == EvOrderStatus || h.Kind == EvOrderCreated {
			st = " status=" + h.Status.String()
		}
		w("  history %s %s line=%d loc=%d qty=%d ref=%d%s", fmtTime(h.At), h.Kind, h.Line, h.Loc, h.Qty, h.Ref, st)
	}
}
