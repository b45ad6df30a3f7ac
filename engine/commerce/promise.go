package commerce

import "slices"

// PromiseOrder answers "when can this order reach this address": what
// sourcing would do with the order if it were placed now, and when each
// unit would arrive. It changes no state.
//
// The units that current stock can cover are planned exactly as PlaceOrder
// plans them (source): split across the eligible shipping locations, or
// from one location for a ship-complete order, in the same plan order
// (units, then shipments, cost, priority, location ids). Those parts are
// available now. What the plan backorders is then promised from dated
// supply, as the backorder fill would serve it:
//
//   - A split order's backordered units take the SKU's supply in arrival
//     order (date, then location id), from any shipping location, one part
//     per arrival used. A ship-complete order that no location can fill
//     now waits for the first location (earliest, then delivery, then id)
//     at which current ATP plus the supply arrived there covers every
//     line, and ships whole from it.
//   - Supply is inbound stock and, at a location whose capacity for today
//     is used up, its current ATP, available at the next capacity day.
//   - Backorders ahead of the new order (those of priority <= prio, all
//     placed before it) take arriving supply first, each where its order
//     may take it (mayFillAt); the promise uses what is left. Current ATP
//     where capacity is left is not netted: the queue has already been
//     offered it and could not take it.
//   - Safety stock: where on hand is below allocated + reserved + safety,
//     the arrivals there make up that deficit first (a receipt does).
//   - Capacity: a part available on a capacity day whose capacity is used
//     up ships from the next day (now / Day + 1). Later days are assumed
//     to have capacity.
//
// A part ships LeadHours after it is available and is delivered after the
// transit days of its distance band. Units of unknown SKUs, and units no
// stock or supply can cover, are Short: they have no date. Reservations
// and prices play no part (a promise is for a new order).
type OrderPromise struct {
	Parts []PromisePart
	// Short counts the units that neither stock nor dated supply covers;
	// Later the units promised from supply rather than from stock an order
	// placed now would be allocated.
	Short, Later Qty
	// The order's promise: when its last unit is available, ships and is
	// delivered, the latest over the parts; all zero when Short > 0.
	Available, ShipBy, DeliverBy int64
}

// Now reports whether every unit can be sourced from current stock.
func (p *OrderPromise) Now() bool { return p.Short == 0 && p.Later == 0 }

// PromisePart is qty of a request line from one location.
type PromisePart struct {
	Line        int // index of the line in the request
	Loc         LocationID
	Qty         Qty
	Available   int64 // when the units are available at Loc (and it has capacity)
	ShipBy      int64
	DeliverBy   int64
	Later       bool // from supply, not from stock allocated now
	FromInbound bool // from inbound supply (else from stock)
	DistanceKm  int32
}

// PromiseOrder promises lines (their SKU and Qty; the rest is ignored) as
// an order of priority prio shipped to to, placed at now (see
// OrderPromise). A request PlaceOrder would refuse for its lines is
// refused the same way: ReasonInvalidQty or ReasonDuplicateLine, with the
// index of the line; ReasonInvalidCoord (index -1) for the address.
func (e *Engine) PromiseOrder(lines []LineInput, to Coord, shipComplete bool, prio uint8, now int64) (OrderPromise, Reason, int) {
	var p OrderPromise
	switch {
	case len(lines) == 0 || len(lines) > MaxLines:
		return p, ReasonInvalidQty, -1
	case !to.Valid():
		return p, ReasonInvalidCoord, -1
	}
	for i := range lines {
		if lines[i].Qty <= 0 || lines[i].Qty > MaxQty {
			return p, ReasonInvalidQty, i
		}
		for j := range i {
			if lines[j].SKU == lines[i].SKU {
				return p, ReasonDuplicateLine, i
			}
		}
	}
	s := &e.src
	s.req = s.req[:0]
	var of []int // request index of each sourced line
	for i := range lines {
		si, ok := e.skuIndex(lines[i].SKU)
		if !ok {
			p.Short += lines[i].Qty
			continue
		}
		s.req = append(s.req, lineReq{sku: si, qty: lines[i].Qty, resLoc: -1})
		of = append(of, i)
	}
	if shipComplete && p.Short > 0 {
		// No location stocks an unknown SKU: nothing ships.
		for i := range s.req {
			p.Short += s.req[i].qty
		}
		return p, ReasonNone, 0
	}
	if len(s.req) > 0 {
		// Sourcing reads the capacity left at e.now: plan as at now.
		saved := e.now
		e.now = now
		e.source(-1, to, shipComplete)
		e.now = saved
	}
	if len(s.req) == 0 {
		return p, ReasonNone, 0
	}
	back := make([]Qty, len(s.req))
	copy(back, s.back)
	for _, a := range s.assigns {
		d := &e.locs[a.loc].def
		p.Parts = append(p.Parts, e.promisePart(of[a.line], d, a.qty, now, a.km))
	}
	req := slices.Clone(s.req)
	if shipComplete {
		e.promiseComplete(&p, req, of, back, to, prio, now)
	} else {
		e.promiseSplit(&p, req, of, back, to, prio, now)
	}
	if p.Short == 0 {
		for i := range p.Parts {
			q := &p.Parts[i]
			p.Available, p.ShipBy, p.DeliverBy = max(p.Available, q.Available), max(p.ShipBy, q.ShipBy), max(p.DeliverBy, q.DeliverBy)
		}
	}
	return p, ReasonNone, 0
}

// promisePart is qty of request line i from location d, available at t.
// An inbound date may be any positive time: the dates saturate, or a far
// one would wrap.
func (e *Engine) promisePart(i int, d *Location, qty Qty, t int64, km int32) PromisePart {
	ship := satAdd(t, int64(d.LeadHours)*Hour)
	return PromisePart{Line: i, Loc: d.ID, Qty: qty, Available: t, ShipBy: ship,
		DeliverBy: satAdd(ship, transitDays(km)*Day), DistanceKm: km}
}

// promiseSplit promises each line's backordered units from its SKU's
// supply in arrival order.
func (e *Engine) promiseSplit(p *OrderPromise, req []lineReq, of []int, back []Qty, to Coord, prio uint8, now int64) {
	for l, r := range req {
		if back[l] == 0 {
			continue
		}
		for _, a := range e.supplyAfterBackorders(r.sku, prio, now) {
			if back[l] == 0 {
				break
			}
			d := &e.locs[a.loc].def
			if a.left <= 0 || !d.shipEligible() {
				continue
			}
			x := min(a.left, back[l])
			back[l] -= x
			p.Later += x
			q := e.promisePart(of[l], d, x, e.capacityFrom(a.loc, max(now, a.date)), distanceKm(d.At, to))
			q.Later, q.FromInbound = true, a.j >= 0
			p.Parts = append(p.Parts, q)
		}
		p.Short += back[l]
	}
}

// promiseComplete promises a ship-complete order that no location can fill
// now (the plan backordered every line) from the first location at which
// current ATP and the supply arrived there cover every line.
func (e *Engine) promiseComplete(p *OrderPromise, req []lineReq, of []int, back []Qty, to Coord, prio uint8, now int64) {
	if len(req) == 0 || back[0] == 0 {
		return // the plan ships it now (planComplete backorders all or none)
	}
	supply := make([][]arrival, len(req))
	for l, r := range req {
		supply[l] = e.supplyAfterBackorders(r.sku, prio, now)
	}
	var best PromisePart
	bestLoc := int32(-1)
	for _, c := range e.skus[req[0].sku].cells {
		d := &e.locs[c.loc].def
		if !d.shipEligible() {
			continue
		}
		t, ok := e.coverAt(req, supply, c.loc, now)
		if !ok {
			continue
		}
		q := e.promisePart(0, d, 0, e.capacityFrom(c.loc, t), distanceKm(d.At, to))
		if bestLoc < 0 || q.Available < best.Available || q.Available == best.Available &&
			(q.DeliverBy < best.DeliverBy || q.DeliverBy == best.DeliverBy && q.Loc < best.Loc) {
			best, bestLoc = q, c.loc
		}
	}
	if bestLoc < 0 {
		for l := range req {
			p.Short += req[l].qty
		}
		return
	}
	for l, r := range req {
		q := best
		q.Line, q.Qty = of[l], r.qty
		// The whole order waits for its last unit: every line is later.
		q.Later, q.FromInbound = true, e.stockNow(r.sku, bestLoc, now) < r.qty
		p.Later += r.qty
		p.Parts = append(p.Parts, q)
	}
}

// stockNow is the ATP of sku at loc that an order placed at now could
// take now: none where the day's capacity is used up.
func (e *Engine) stockNow(sku, loc int32, now int64) Qty {
	if e.capacityFrom(loc, now) != now {
		return 0
	}
	ci := e.cellIndex(sku, e.locs[loc].def.ID)
	if ci < 0 {
		return 0
	}
	return max(e.skus[sku].cells[ci].atp(), 0)
}

// coverAt returns the first time from now at which loc's stock now plus
// its supply arrived by then covers every line.
func (e *Engine) coverAt(req []lineReq, supply [][]arrival, loc int32, now int64) (int64, bool) {
	t := now
	for l, r := range req {
		have := e.stockNow(r.sku, loc, now)
		tl := now
		for _, a := range supply[l] {
			if have >= r.qty {
				break
			}
			if a.loc == loc && a.left > 0 {
				have += a.left
				tl = max(now, a.date)
			}
		}
		if have < r.qty {
			return 0, false
		}
		t = max(t, tl)
	}
	return t, true
}

// capacityFrom returns the first time from t at which loc can take one more
// shipment: t itself unless t falls on the capacity day whose capacity is
// used up, then the start of the next day.
func (e *Engine) capacityFrom(loc int32, t int64) int64 {
	l := &e.locs[loc]
	if l.def.Capacity == 0 || l.capDay != t/Day || l.capUsed < l.def.Capacity {
		return t
	}
	return satAdd(t/Day*Day, Day)
}

// arrival is one supply as the promise consumes it: an inbound receipt, or
// (j < 0) the ATP of a location whose capacity today is used up.
type arrival struct {
	date int64
	id   LocationID
	loc  int32
	ci   int32
	j    int32 // index in the cell's inbound list, or -1 for held ATP
	left Qty
}

// supplyAfterBackorders lists the SKU's supply in arrival order (date, then
// location id), each with what is left once the backorders ahead of an
// order of priority prio placed at now have taken their share.
func (e *Engine) supplyAfterBackorders(si int32, prio uint8, now int64) []arrival {
	s := &e.skus[si]
	var arr []arrival
	for ci := range s.cells {
		c := &s.cells[ci]
		if from := e.capacityFrom(c.loc, now); from != now && c.atp() > 0 {
			arr = append(arr, arrival{date: from, id: c.locID, loc: c.loc, ci: int32(ci), j: -1, left: c.atp()})
		}
		deficit := max(-c.net(), 0)
		for j, in := range e.inbound(c) {
			// The cell's list is in date order: the earliest arrivals
			// make up the deficit.
			left := in.qty - min(deficit, in.qty)
			deficit -= in.qty - left
			arr = append(arr, arrival{date: in.date, id: c.locID, loc: c.loc, ci: int32(ci), j: int32(j), left: left})
		}
	}
	slices.SortFunc(arr, func(a, b arrival) int {
		switch {
		case a.date != b.date:
			return cmpInt(a.date, b.date)
		case a.id != b.id:
			return cmpInt(int64(a.id), int64(b.id))
		}
		return cmpInt(int64(a.j), int64(b.j))
	})
	queue := e.backorderList(si, nil)
	if len(arr) == 0 || len(queue) == 0 {
		return arr
	}
	want := make([]Qty, len(queue))
	for k, b := range queue {
		// The queue is in (priority, time) order and every entry was
		// placed before now: those of a higher priority number come after.
		if b.priority <= prio {
			want[k] = at(&e.lines, b.line).backordered
		}
	}
	for i := range arr {
		a := &arr[i]
		for k := 0; k < len(want) && a.left > 0; k++ {
			if want[k] == 0 || !e.mayFillAt(queue[k].order, a.loc) {
				continue
			}
			x := min(want[k], a.left)
			want[k] -= x
			a.left -= x
		}
	}
	return arr
}

// mayFillAt reports whether order oi's backorders could be filled at loc,
// capacity aside (see fillEligible).
func (e *Engine) mayFillAt(oi, loc int32) bool {
	o := at(&e.orders, oi)
	if !e.serves(loc, o.pickup) {
		return false
	}
	if o.pickup >= 0 {
		return true
	}
	if o.shipComplete {
		for ai := o.allocHead; ai >= 0; ai = at(&e.allocs, ai).next {
			if a := at(&e.allocs, ai); (a.qty > 0 || a.released) && a.loc != loc {
				return false
			}
		}
	}
	return true
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
