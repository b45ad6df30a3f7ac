package commerce

import "slices"

// Promise answers "when can qty of sku reach this address": the earliest
// delivery from one shipping location, from its ATP now or, failing that,
// its ATP plus inbound supply by each expected date. Ties go to the lower
// location id.
//
// The date accounts for what is ahead of a new order:
//
//   - Backorders: the SKU's backorder queue takes arriving supply first, as
//     fillBackorders would: inbound arrivals, in (date, location id) order,
//     go to the queue in its order, each entry taking what its order may
//     take there (a pickup order only at its store while it is active and
//     takes pickups, a ship-complete order only where it already has an
//     allocation or was released from, else any shipping location); the
//     promise uses what is left. Current ATP is not netted: the queue
//     has already been offered it and could not take it.
//   - Safety stock: where on hand is below allocated + reserved + safety,
//     the arrivals there make up that deficit first (a receipt does), and
//     only the rest goes to the queue and the promise.
//   - Capacity: a location whose daily capacity is used up for the day the
//     units are available cannot take the order before the next capacity
//     day (now / Day + 1). Later days are assumed to have capacity.
type Promise struct {
	Loc         LocationID
	Available   int64 // when the units are available at Loc (and it has capacity)
	ShipBy      int64
	DeliverBy   int64
	FromInbound bool
	DistanceKm  int32
}

// arrival is one inbound supply as the promise simulation consumes it.
type arrival struct {
	date int64
	id   LocationID
	loc  int32
	ci   int32
	j    int32 // index in the cell's inbound list
	left Qty
}

// Promise returns the best promise, or false if no location can supply qty
// from current and expected stock.
func (e *Engine) Promise(sku SKU, qty Qty, to Coord, now int64) (Promise, bool) {
	si, ok := e.skuIndex(sku)
	if !ok || qty <= 0 {
		return Promise{}, false
	}
	arr := e.arrivalsAfterBackorders(si)
	var best Promise
	found := false
	for ci := range e.skus[si].cells {
		c := &e.skus[si].cells[ci]
		d := &e.locs[c.loc].def
		if !d.shipEligible() {
			continue
		}
		avail, when, inb := c.atp(), now, false
		for j := range arr {
			if avail >= qty {
				break
			}
			if a := &arr[j]; a.ci == int32(ci) && a.left > 0 {
				avail += a.left
				when, inb = max(now, a.date), true
			}
		}
		if avail < qty {
			continue
		}
		when = e.capacityFrom(c.loc, when)
		km := distanceKm(d.At, to)
		// An inbound date may be any positive time: saturate, or a far one
		// would wrap into the best promise.
		p := Promise{Loc: d.ID, Available: when, ShipBy: satAdd(when, int64(d.LeadHours)*Hour), FromInbound: inb, DistanceKm: km}
		p.DeliverBy = satAdd(p.ShipBy, transitDays(km)*Day)
		if !found || p.DeliverBy < best.DeliverBy || p.DeliverBy == best.DeliverBy && p.Loc < best.Loc {
			best, found = p, true
		}
	}
	return best, found
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

// arrivalsAfterBackorders lists the SKU's inbound supply in arrival order
// (date, then location id), each with what is left once the backorder queue
// has taken its share.
func (e *Engine) arrivalsAfterBackorders(si int32) []arrival {
	s := &e.skus[si]
	var arr []arrival
	for ci := range s.cells {
		c := &s.cells[ci]
		deficit := max(-c.net(), 0)
		for j, in := range e.inbound(c) {
			// The cell's list is in date order: the earliest arrivals
			// make up the deficit.
			left := in.qty - min(deficit, in.qty)
			deficit -= in.qty - left
			arr = append(arr, arrival{date: in.date, id: c.locID, loc: c.loc, ci: int32(ci), j: int32(j), left: left})
		}
	}
	if len(arr) == 0 {
		return arr
	}
	queue := e.backorderList(si, nil)
	if len(queue) == 0 {
		return arr
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
	want := make([]Qty, len(queue))
	for k, b := range queue {
		want[k] = at(&e.lines, b.line).backordered
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
	if o.pickup >= 0 {
		d := &e.locs[loc].def
		return loc == o.pickup && d.Active && d.Pickup
	}
	if !e.locs[loc].def.shipEligible() {
		return false
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
