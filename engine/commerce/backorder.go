package commerce

// Backorders queue per SKU by (order priority, order time), lower priority
// value first; ties go to the lower order id, then the lower line number.
// Stock that becomes available at a location (receipt, positive adjustment,
// a higher count, lower safety stock, a cancelled allocation, a released or
// expired reservation, a restocked return) is offered to the queue in that
// order. An entry the location cannot serve (inactive location, not a
// shipping location for a shipping order, not the pickup store, no capacity
// left today for a new shipment, or a ship-complete order the location cannot
// complete) is skipped, not blocking those behind it.

// enqueueBackorder inserts line li into its SKU's queue.
func (e *Engine) enqueueBackorder(oi, li int32) {
	o := at(&e.orders, oi)
	s := &e.skus[at(&e.lines, li).sku]
	ent := boEntry{priority: o.priority, pickup: o.pickup, at: o.placedAt, order: oi, line: li}
	i := len(s.backorders)
	for i > 0 && ent.less(s.backorders[i-1]) {
		i--
	}
	s.backorders = append(s.backorders, boEntry{})
	copy(s.backorders[i+1:], s.backorders[i:])
	s.backorders[i] = ent
}

// dequeueBackorder removes line li from its SKU's queue.
func (e *Engine) dequeueBackorder(li int32) {
	s := &e.skus[at(&e.lines, li).sku]
	for i := range s.backorders {
		if s.backorders[i].line == li {
			s.backorders = append(s.backorders[:i], s.backorders[i+1:]...)
			return
		}
	}
}

// fillEligible reports whether a location may serve order oi's backorders.
// newShipment says the order has no open allocation there yet, so one more
// shipment would count against today's capacity.
func (e *Engine) fillEligible(oi, loc int32) (ok, newShipment bool) {
	o := at(&e.orders, oi)
	d := &e.locs[loc].def
	if o.pickup >= 0 {
		if loc != o.pickup || !d.Active {
			return false, false
		}
	} else if !d.shipEligible() {
		return false, false
	}
	newShipment = true
	for ai := o.allocHead; ai >= 0; ai = at(&e.allocs, ai).next {
		if a := at(&e.allocs, ai); a.loc == loc && a.qty > 0 {
			newShipment = false
		} else if a.qty > 0 && o.shipComplete {
			return false, false // a ship-complete order ships from one location
		}
	}
	if newShipment && !e.capacityLeft(loc) {
		return false, false
	}
	return true, newShipment
}

// fillBackorders offers the ATP of one cell to the SKU's backorder queue.
func (e *Engine) fillBackorders(sku int32, ci int) {
	if ci < 0 {
		return
	}
	s := &e.skus[sku]
	loc := s.cells[ci].loc
	d := &e.locs[loc].def
	ships := d.shipEligible()
	// The queue is compacted in one pass: entries [0, w) are kept, [w, i)
	// are holes left by filled lines, so a fill that empties many lines of
	// a long queue moves the rest once, not once per line.
	w, i := 0, 0
	flush := func() {
		if w < i {
			n := copy(s.backorders[w:], s.backorders[i:])
			s.backorders = s.backorders[:w+n]
			i = w
		}
	}
	defer flush()
	keep := func() {
		if w != i {
			s.backorders[w] = s.backorders[i]
		}
		w++
		i++
	}
	for i < len(s.backorders) {
		atp := s.cells[ci].atp()
		if atp <= 0 {
			return
		}
		ent := s.backorders[i]
		// The cheap part of fillEligible, from the entry alone: long queues
		// are mostly other stores' pickups or shipments a store cannot make.
		if ent.pickup >= 0 && (ent.pickup != loc || !d.Active) || ent.pickup < 0 && !ships {
			keep()
			continue
		}
		ok, newShip := e.fillEligible(ent.order, loc)
		if !ok {
			keep()
			continue
		}
		if at(&e.orders, ent.order).shipComplete {
			// fillComplete dequeues the order's lines from every queue,
			// this one included: close the holes first.
			flush()
			if !e.fillComplete(ent.order, loc, newShip) {
				keep()
			}
			continue // filled: the entry is gone, i now points at the next
		}
		l := at(&e.lines, ent.line)
		q := min(l.backordered, atp)
		if newShip {
			e.useCapacity(loc)
		}
		l.backordered -= q
		e.allocate(ent.order, ent.line, loc, ci, q, e.fillScore(ent.order, loc), false)
		if at(&e.lines, ent.line).backordered == 0 {
			i++ // dropped: a hole
		} else {
			keep()
		}
		e.updateStatus(ent.order)
	}
}

// fillScore is the plan score of a backorder fill: one more location for
// the order, its shipment cost and distance.
func (e *Engine) fillScore(oi, loc int32) PlanScore {
	o := at(&e.orders, oi)
	d := &e.locs[loc].def
	var km int32
	if o.pickup < 0 {
		km = distanceKm(d.At, o.shipTo)
	}
	return PlanScore{Shipments: 1, Cost: d.CostPerShipment + d.CostPerKm*Money(km),
		Priority: int64(d.Priority), Candidates: 1, Why: WhyBackorderFill, Exact: true, DistanceKm: km}
}

// fillComplete allocates every backordered line of a ship-complete order at
// loc if loc can cover them all.
func (e *Engine) fillComplete(oi, loc int32, newShip bool) bool {
	o := at(&e.orders, oi)
	id := e.locs[loc].def.ID
	for i := int32(0); i < o.nLines; i++ {
		l := at(&e.lines, o.line0+i)
		if l.backordered == 0 {
			continue
		}
		ci := e.cellIndex(l.sku, id)
		if ci < 0 || e.skus[l.sku].cells[ci].atp() < l.backordered {
			return false
		}
	}
	if newShip {
		e.useCapacity(loc)
	}
	score := e.fillScore(oi, loc)
	for i := int32(0); i < o.nLines; i++ {
		li := o.line0 + i
		l := at(&e.lines, li)
		if l.backordered == 0 {
			continue
		}
		q := l.backordered
		l.backordered = 0
		e.dequeueBackorder(li)
		e.allocate(oi, li, loc, -1, q, score, false)
	}
	e.updateStatus(oi)
	return true
}
