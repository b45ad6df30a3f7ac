package commerce

// Queries read the state without changing it. REQUIRES: the caller owns the
// engine (the sequencer goroutine). Results are fresh values the caller may
// keep; the single-cell queries allocate nothing.

// OrderView is an order with its lines, allocations, shipments, returns and
// history.
type OrderView struct {
	ID             OrderID
	Channel        Channel
	ChannelOrderID string
	Customer       string
	PlacedAt       int64
	ShipTo         Coord
	PickupStore    LocationID
	ShipComplete   bool
	Priority       uint8
	Payment        Payment
	Currency       string
	// Value is the order's current value: its units not cancelled (open or
	// shipped) at their unit prices. Refunds of returns do not lower it
	// (ReturnView has them). PlacedValue is the value at placement, as
	// EvOrderCreated reported it.
	Value       Money
	PlacedValue Money
	Units       Qty
	// ReturnWindow is the return window fixed at the order's first
	// delivery (ns): returns are authorised until this long after a line's
	// last shipment. Zero before any delivery: the rules' window applies.
	ReturnWindow int64
	Status       Status
	Holds        Hold
	// Plan is the score of the order's last sourcing: its placement's,
	// or, once units that waited for a declined payment are sourced on
	// its authorisation, that sourcing's (zero for an order placed with a
	// declined payment until then).
	Plan        PlanScore
	Lines       []LineView
	Allocations []AllocationView
	Shipments   []ShipmentView
	Returns     []ReturnView
	History     []HistoryEntry
}

// LineView is one order line's quantities.
type LineView struct {
	Line                                                                 uint32
	SKU                                                                  SKU
	UnitPrice                                                            Money
	Status                                                               Status
	Qty, Cancelled, Backordered, Allocated, Released, Shipped, Delivered Qty
	ReturnAuthorised, ReturnReceived                                     Qty
	// AwaitingPayment units wait for the order's declined payment and hold
	// no stock: Qty = Cancelled + Backordered + Allocated + Shipped +
	// AwaitingPayment.
	AwaitingPayment Qty
	// ReadyForPickup units of a pickup order's released ones wait at the
	// store for the customer (pickup.go).
	ReadyForPickup Qty
	Reservation    ReservationID
}

// AllocationView is one allocation: Qty is open, Orig as allocated.
type AllocationView struct {
	Line       uint32
	Loc        LocationID
	Qty, Orig  Qty
	Released   bool
	Fulfilment FulfilmentID
	ShipBy     int64
	DeliverBy  int64
	Plan       PlanScore
}

// ShipmentView is one shipment.
type ShipmentView struct {
	ID          ShipmentID
	Loc         LocationID
	Tracking    string
	At          int64
	Delivered   bool
	DeliveredAt int64
	Lines       []LineQty
}

// LineQty is a quantity of one line.
type LineQty struct {
	Line uint32
	Qty  Qty
}

// ReturnView is one return authorisation.
type ReturnView struct {
	ID    ReturnID
	At    int64
	Lines []ReturnLineView
}

// ReturnLineView is one returned line.
type ReturnLineView struct {
	Line                                        uint32
	Authorised, Received, Restocked, WrittenOff Qty
	Refund                                      Money
}

// HistoryEntry is one event that concerned an order.
type HistoryEntry struct {
	At     int64
	Kind   EventKind
	Line   uint32
	Loc    LocationID
	Qty    Qty
	Status Status
	Ref    uint64 // shipment, return or fulfilment id
}

// Order returns an order by id. An archived order is not found: Archived
// tells it from an id never issued.
func (e *Engine) Order(id OrderID) (OrderView, bool) {
	if id == 0 || uint64(id) > uint64(e.orders.len()) {
		return OrderView{}, false
	}
	o := e.liveOrder(int32(id - 1))
	if o == nil {
		return OrderView{}, false // archived: see Archived
	}
	v := OrderView{ID: o.id, Channel: o.channel, ChannelOrderID: o.cid.String(), Customer: e.custs[o.cust].name,
		PlacedAt: o.placedAt, ShipTo: o.shipTo, ShipComplete: o.shipComplete, Priority: o.priority,
		Payment: o.payment, Currency: e.curs.names[o.cur], Value: e.orderValue(o), PlacedValue: o.value, Units: o.units, ReturnWindow: o.retWindow, Status: o.status,
		Holds: o.holds, Plan: o.plan}
	if o.pickup >= 0 {
		v.PickupStore = e.locs[o.pickup].def.ID
	}
	for i := int32(0); i < o.nLines; i++ {
		l := at(&e.lines, o.line0+i)
		v.Lines = append(v.Lines, LineView{Line: l.num, SKU: e.skus[l.sku].name, UnitPrice: l.price, Status: l.status,
			Qty: l.qty, Cancelled: l.cancelled, Backordered: l.backordered, Allocated: l.allocated,
			Released: l.released, Shipped: l.shipped, Delivered: l.delivered, ReturnAuthorised: l.retAuth,
			ReturnReceived: l.retRecv, AwaitingPayment: l.unpaid, ReadyForPickup: l.ready, Reservation: l.reservation})
	}
	for ai := o.allocHead; ai >= 0; ai = at(&e.allocs, ai).next {
		a := at(&e.allocs, ai)
		v.Allocations = append(v.Allocations, AllocationView{Line: at(&e.lines, a.line).num, Loc: e.locs[a.loc].def.ID,
			Qty: a.qty, Orig: a.orig, Released: a.released, Fulfilment: a.fulfilment, ShipBy: a.shipBy,
			DeliverBy: a.deliverBy, Plan: a.plan})
	}
	for si := o.shipHead; si >= 0; si = at(&e.ships, si).next {
		sh := at(&e.ships, si)
		sv := ShipmentView{ID: sh.id, Loc: e.locs[sh.loc].def.ID, Tracking: sh.tracking, At: sh.at,
			Delivered: sh.delivered, DeliveredAt: sh.deliveredAt}
		for i := sh.l0; i < sh.l0+sh.n; i++ {
			sl := at(&e.shipLines, i)
			sv.Lines = append(sv.Lines, LineQty{Line: at(&e.lines, sl.line).num, Qty: sl.qty})
		}
		v.Shipments = append(v.Shipments, sv)
	}
	for ri := o.retHead; ri >= 0; ri = at(&e.rmas, ri).next {
		rm := at(&e.rmas, ri)
		rv := ReturnView{ID: rm.id, At: rm.at}
		for i := rm.l0; i < rm.l0+rm.n; i++ {
			rl := at(&e.rmaLines, i)
			rv.Lines = append(rv.Lines, ReturnLineView{Line: at(&e.lines, rl.line).num, Authorised: rl.qty,
				Received: rl.received, Restocked: rl.restocked, WrittenOff: rl.writtenOff, Refund: rl.refund})
		}
		v.Returns = append(v.Returns, rv)
	}
	for hi := o.histHead; hi >= 0; hi = at(&e.hist, hi).next {
		h := at(&e.hist, hi)
		v.History = append(v.History, HistoryEntry{At: h.at, Kind: h.kind, Line: h.line, Loc: h.loc, Qty: h.qty,
			Status: h.status, Ref: h.ref})
	}
	return v, true
}

// OrderByChannelID returns the id of the order placed with a channel order
// id; for an archived order, while its idempotency key is kept.
func (e *Engine) OrderByChannelID(ch Channel, channelOrderID string) (OrderID, bool) {
	if ch == 0 || ch >= channelCount {
		return 0, false
	}
	oi, ok := e.idemGet(ch, channelOrderID)
	if !ok {
		return 0, false
	}
	if oi < 0 {
		return at(&e.tombs, -oi-1).id, true // archived, within the dedup window
	}
	return OrderID(oi + 1), true
}

// OrdersByCustomer returns a customer's live orders, oldest first.
func (e *Engine) OrdersByCustomer(customer string) []OrderID {
	ci, ok := e.custByKey[customer]
	if !ok {
		return nil
	}
	var ids []OrderID
	for oi := e.custs[ci].head; oi >= 0; oi = at(&e.links, oi).nextCust {
		ids = append(ids, OrderID(oi+1))
	}
	return ids
}

// OrdersByChannel returns a channel's live orders, oldest first.
func (e *Engine) OrdersByChannel(ch Channel) []OrderID {
	if ch == 0 || ch >= channelCount {
		return nil
	}
	var ids []OrderID
	for oi := e.chanHead[ch]; oi >= 0; oi = at(&e.links, oi).nextChan {
		ids = append(ids, OrderID(oi+1))
	}
	return ids
}

// LocationStock is one location's levels of a SKU.
type LocationStock struct {
	Loc   LocationID
	Stock StockLevel
}

// Availability is a SKU's availability per location and across the network.
type Availability struct {
	SKU        SKU
	Locations  []LocationStock // by location id
	NetworkATP Qty             // over active locations
}

// Availability returns a SKU's levels at every location that stocks it.
func (e *Engine) Availability(sku SKU) (Availability, bool) {
	si, ok := e.skuIndex(sku)
	if !ok {
		return Availability{}, false
	}
	// One pass over the cells: the network ATP is the same for every
	// location (level would sum it again per location).
	cells := e.skus[si].cells
	a := Availability{SKU: sku, Locations: make([]LocationStock, len(cells))}
	for ci := range cells {
		c := &cells[ci]
		if e.locs[c.loc].def.Active {
			a.NetworkATP += c.atp()
		}
	}
	for ci := range cells {
		c := &cells[ci]
		a.Locations[ci] = LocationStock{Loc: c.locID, Stock: StockLevel{OnHand: c.onHand, Allocated: c.allocated,
			Reserved: c.reserved, Safety: c.safety, Inbound: e.inboundTotal(c), ATP: c.atp(), NetworkATP: a.NetworkATP}}
	}
	return a, true
}

// ATP returns a SKU's ATP at one location and across the network. It
// allocates nothing.
func (e *Engine) ATP(sku SKU, loc LocationID) (atLoc, network Qty, ok bool) {
	si, ok := e.skuIndex(sku)
	if !ok {
		return 0, 0, false
	}
	if ci := e.cellIndex(si, loc); ci >= 0 {
		atLoc = e.skus[si].cells[ci].atp()
	}
	return atLoc, e.networkATP(si), true
}

// FutureATP returns the ATP of a SKU at a location on a date: today's ATP
// plus inbound supply expected by then, of which a safety stock deficit
// (on hand below allocated + reserved + safety) takes its share first, as
// a receipt would. Backorders waiting for that supply are not netted out:
// see BackorderQueue.
func (e *Engine) FutureATP(sku SKU, loc LocationID, date int64) (Qty, bool) {
	si, ok := e.skuIndex(sku)
	if !ok {
		return 0, false
	}
	ci := e.cellIndex(si, loc)
	if ci < 0 {
		return 0, true
	}
	c := &e.skus[si].cells[ci]
	q := c.net()
	for _, in := range e.inbound(c) {
		if in.date <= date {
			q += in.qty
		}
	}
	return max(q, 0), true
}

// BackorderView is one entry of a SKU's backorder queue.
type BackorderView struct {
	Order    OrderID
	Line     uint32
	Qty      Qty
	Priority uint8
	At       int64
}

// BackorderQueue returns a SKU's backorder queue in fill order.
func (e *Engine) BackorderQueue(sku SKU) []BackorderView {
	si, ok := e.skuIndex(sku)
	if !ok {
		return nil
	}
	var v []BackorderView
	for _, b := range e.backorderList(si, nil) {
		v = append(v, BackorderView{Order: OrderID(b.order + 1), Line: at(&e.lines, b.line).num,
			Qty: at(&e.lines, b.line).backordered, Priority: b.priority, At: b.at})
	}
	return v
}

// ChannelStats are a channel's analytics counters. Rates are in basis points
// (1/100 of a percent): fill rate = units allocated at placement / units
// ordered; split rate = orders sourced from more than one location / orders;
// backorder rate = orders with a backorder at placement / orders; return
// rate = units received back / units shipped. An order placed with a
// declined payment is sourced when it is authorised (lifecycle.go): its
// first sourcing counts as its placement's (allocated units, split,
// backorder), once.
type ChannelStats struct {
	Orders, Lines, SplitOrders, BackorderedOrders              int64
	Units, UnitsAllocated, UnitsShipped, UnitsReturned         int64
	FillRateBps, SplitRateBps, BackorderRateBps, ReturnRateBps int64
}

func bps(n, d int64) int64 {
	if d == 0 {
		return 0
	}
	return n * 10000 / d
}

// Analytics returns a channel's counters.
func (e *Engine) Analytics(ch Channel) ChannelStats {
	if ch == 0 || ch >= channelCount {
		return ChannelStats{}
	}
	st := &e.stats[ch]
	return ChannelStats{Orders: st.orders, Lines: st.lines, SplitOrders: st.splitOrders,
		BackorderedOrders: st.backorderedOrders, Units: st.units, UnitsAllocated: st.unitsAllocated,
		UnitsShipped: st.unitsShipped, UnitsReturned: st.unitsReturned,
		FillRateBps: bps(st.unitsAllocated, st.units), SplitRateBps: bps(st.splitOrders, st.orders),
		BackorderRateBps: bps(st.backorderedOrders, st.orders), ReturnRateBps: bps(st.unitsReturned, st.unitsShipped)}
}

// Location returns a location's definition.
func (e *Engine) Location(id LocationID) (Location, bool) {
	i, ok := e.locByID[id]
	if !ok {
		return Location{}, false
	}
	return e.locs[i].def, true
}

// Locations returns every location's definition, by id.
func (e *Engine) Locations() []Location {
	idx := e.sortedLocs()
	out := make([]Location, len(idx))
	for i, li := range idx {
		out[i] = e.locs[li].def
	}
	return out
}

// Reservation describes one reservation.
type Reservation struct {
	ID      ReservationID
	SKU     SKU
	Loc     LocationID
	Qty     Qty
	Expires int64
	Active  bool    // false once released, consumed by an order, or expired
	Channel Channel // the channel that took it; zero: an administrator
}

// ReservationByID returns a reservation.
func (e *Engine) ReservationByID(id ReservationID) (Reservation, bool) {
	if id == 0 || uint64(id) > uint64(len(e.res)) {
		return Reservation{}, false
	}
	r := &e.res[id-1]
	return Reservation{ID: id, SKU: e.skus[r.sku].name, Loc: e.locs[r.loc].def.ID, Qty: r.qty,
		Expires: r.expires, Active: r.state == resActive, Channel: r.channel}, true
}

// Counts are sizes of the commerce state, for reports such as oms replay's.
// Orders live and closed are in ArchiveStats.
type Counts struct {
	Locations, SKUs int
	// Backorders is the number of backordered lines queued, over every SKU.
	Backorders int
	// Reservations is the number of active reservations.
	Reservations int
}

// Counts returns the sizes of the state. It walks the backorder queues and
// every reservation taken: a report's query, not a hot path's.
func (e *Engine) Counts() Counts {
	c := Counts{Locations: len(e.locs), SKUs: len(e.skus)}
	for i := range e.boQueues {
		q := &e.boQueues[i]
		c.Backorders += len(q.ship)
		for j := range q.stores {
			c.Backorders += len(q.stores[j].q)
		}
	}
	for i := range e.res {
		if e.res[i].state == resActive {
			c.Reservations++
		}
	}
	return c
}

// orderValue is the value of the order's units not cancelled.
func (e *Engine) orderValue(o *order) Money {
	var v Money
	for i := int32(0); i < o.nLines; i++ {
		l := at(&e.lines, o.line0+i)
		v += Money(l.qty-l.cancelled) * l.price
	}
	return v
}
