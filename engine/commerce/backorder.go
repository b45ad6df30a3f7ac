package commerce

import (
	"cmp"
	"fmt"
	"slices"
)

// Backorders queue per SKU by (order priority, order time), lower priority
// value first; ties go to the lower order id, then the lower line number.
// Stock that becomes available at a location (receipt, positive adjustment,
// a higher count, lower safety stock, a cancelled allocation, a released or
// expired reservation, a restocked return) is offered to the queue in that
// order. An entry the location cannot serve is skipped, not blocking those
// behind it: an inactive location, not a shipping location for a shipping
// order, not the pickup store (or a store no longer taking pickups), no
// capacity left today for a new shipment (one that does not join the
// order's unreleased units there), a ship-complete order the location
// cannot complete, or, for a released ship-complete order, any location
// but the one it was released from.
// A cell that capacity kept from its queue is offered again once the
// location has capacity (capwait.go), before any new order can take the
// stock.

// The queue of a SKU is kept in parts that a location serves whole: the
// shipping orders' entries, and per pickup store its pickup orders'
// entries, each sorted by (priority, order time, order, line). Stock that
// arrives at a location visits only the parts it may serve (the shipping
// part if the location ships, its own pickup part if it is active and
// takes pickups), merged in queue order: the same entries in the same
// order as a walk of the whole queue that skips the others, without
// touching them. The queue as one list (queries, promising, invariants) is
// the merge of all parts.

// boQueue is a SKU's backorder queue, split by where its entries may be
// filled.
//
// INVARIANT: every entry of ship has pickup -1, every entry of a store
// part has that store's pickup; each part is sorted by boEntry.less;
// stores is sorted by loc. An emptied store part keeps its place (at most
// one per store).
type boQueue struct {
	ship   []boEntry
	stores []storeQueue
}

type storeQueue struct {
	loc int32 // the pickup store's location index
	q   []boEntry
}

// part returns the part of the queue an entry with pickup store p (or -1)
// belongs in, creating a store part if create is set (else nil).
func (b *boQueue) part(p int32, create bool) *[]boEntry {
	if p < 0 {
		return &b.ship
	}
	i, found := slices.BinarySearchFunc(b.stores, p, func(s storeQueue, p int32) int { return cmp.Compare(s.loc, p) })
	if !found {
		if !create {
			return nil
		}
		b.stores = slices.Insert(b.stores, i, storeQueue{loc: p})
	}
	return &b.stores[i].q
}

// parts returns the queue's parts, the shipping part first, then the
// stores' in store order (each sorted, the parts not merged).
func (b *boQueue) parts() [][]boEntry {
	ps := make([][]boEntry, 0, 1+len(b.stores))
	ps = append(ps, b.ship)
	for i := range b.stores {
		ps = append(ps, b.stores[i].q)
	}
	return ps
}

// backorderQueue returns the SKU's queue parts, or nil if it never had a
// backorder.
func (e *Engine) backorderQueue(sku int32) *boQueue {
	if k := e.skus[sku].bo; k > 0 {
		return &e.boQueues[k-1]
	}
	return nil
}

// backorderList appends the SKU's whole queue, in fill order, to dst.
func (e *Engine) backorderList(sku int32, dst []boEntry) []boEntry {
	q := e.backorderQueue(sku)
	if q == nil {
		return dst
	}
	n := len(dst)
	dst = append(dst, q.ship...)
	for i := range q.stores {
		dst = append(dst, q.stores[i].q...)
	}
	if len(q.stores) > 0 {
		slices.SortFunc(dst[n:], boEntry.compare)
	}
	return dst
}

// enqueueBackorder inserts line li into its SKU's queue.
func (e *Engine) enqueueBackorder(oi, li int32) {
	o := at(&e.orders, oi)
	sku := at(&e.lines, li).sku
	s := &e.skus[sku]
	if s.bo == 0 {
		e.boQueues = append(e.boQueues, boQueue{})
		s.bo = int32(len(e.boQueues))
	}
	q := e.boQueues[s.bo-1].part(o.pickup, true)
	ent := boEntry{priority: o.priority, pickup: o.pickup, at: o.placedAt, order: oi, line: li}
	i, _ := slices.BinarySearchFunc(*q, ent, boEntry.compare)
	*q = slices.Insert(*q, i, ent)
}

// dequeueBackorder removes line li from its SKU's queue. The entry's key
// comes from its order (priority, time and pickup store never change), so
// it is found by binary search.
func (e *Engine) dequeueBackorder(li int32) {
	l := at(&e.lines, li)
	o := at(&e.orders, l.order)
	q := e.backorderQueue(l.sku).part(o.pickup, false)
	ent := boEntry{priority: o.priority, pickup: o.pickup, at: o.placedAt, order: l.order, line: li}
	if q != nil {
		if i, found := slices.BinarySearchFunc(*q, ent, boEntry.compare); found {
			*q = slices.Delete(*q, i, i+1)
			return
		}
	}
	panic(fmt.Sprintf("commerce: backordered line %d is not in its queue", li))
}

// noteNewBackorder records that the command backordered units of sku that
// stock elsewhere may fill at once (offerNewBackorders).
func (e *Engine) noteNewBackorder(sku int32) {
	if !slices.Contains(e.boNew, sku) {
		e.boNew = append(e.boNew, sku)
	}
}

// offerNewBackorders offers the ATP of every cell, in location id order, of
// each SKU noted by noteNewBackorder to its backorder queue, as an arrival
// there would be: a backorder created while some location it may be filled
// from has stock must not wait for the next arrival, and no later order may
// take that stock first. The fills are the ordinary ones (queue order, the
// same eligibility, capacity waits noted).
func (e *Engine) offerNewBackorders() {
	for _, sku := range e.boNew {
		for ci := range e.skus[sku].cells {
			if e.skus[sku].hot[ci].atp > 0 {
				e.fillBackorders(sku, ci)
			}
		}
	}
	e.boNew = e.boNew[:0]
}

// fillEligible reports whether a location may serve order oi's backorders.
// newShipment says the order has no unreleased open allocation there, so
// the fill is one more shipment against today's capacity: units already
// released there went to the WMS in a fulfilment request of their own, and
// the fill will be released in another.
func (e *Engine) fillEligible(oi, loc int32) (ok, newShipment bool) {
	o := at(&e.orders, oi)
	if !e.serves(loc, o.pickup) {
		return false, false
	}
	newShipment = true
	for ai := o.allocHead; ai >= 0; ai = at(&e.allocs, ai).next {
		if a := at(&e.allocs, ai); a.loc == loc && a.qty > 0 && !a.released {
			newShipment = false
		} else if a.loc != loc && o.shipComplete && (a.qty > 0 || a.released) {
			// A ship-complete order ships from one location: the one it
			// holds stock at, or once released the one it was released
			// from (a shortfall after release backorders the rest).
			return false, false
		}
	}
	if newShipment && !e.capacityLeft(loc) {
		return false, false
	}
	return true, newShipment
}

// boCursor walks one part of a queue during a fill and compacts it in the
// same pass: entries [0, w) are kept, [w, i) are holes left by filled
// lines, so a fill that empties many lines of a long part moves the rest
// once, not once per line.
type boCursor struct {
	q    *[]boEntry // nil: the location does not serve this part
	w, i int
}

func (c *boCursor) peek() (boEntry, bool) {
	if c.q == nil || c.i >= len(*c.q) {
		return boEntry{}, false
	}
	return (*c.q)[c.i], true
}

func (c *boCursor) keep() {
	if c.w != c.i {
		(*c.q)[c.w] = (*c.q)[c.i]
	}
	c.w++
	c.i++
}

func (c *boCursor) drop() { c.i++ }

// flush closes the holes.
func (c *boCursor) flush() {
	if c.q != nil && c.w < c.i {
		n := copy((*c.q)[c.w:], (*c.q)[c.i:])
		*c.q = (*c.q)[:c.w+n]
		c.i = c.w
	}
}

// fillBackorders offers the ATP of one cell to the SKU's backorder queue:
// the shipping part if the location ships, its own pickup part if it is
// active and takes pickups, merged in queue order.
//
// REQUIRES: nothing in a fill creates a backorder queue (the cursors point
// into Engine.boQueues).
func (e *Engine) fillBackorders(sku int32, ci int) {
	e.rollCapacity()
	if ci < 0 {
		return
	}
	bq := e.backorderQueue(sku)
	if bq == nil {
		return
	}
	s := &e.skus[sku]
	loc := s.cells[ci].loc
	d := &e.locs[loc].def
	var ship, store boCursor
	if d.shipEligible() {
		ship.q = &bq.ship
	}
	if d.takesPickups() {
		store.q = bq.part(loc, false)
	}
	defer store.flush()
	defer ship.flush()
	for {
		atp := s.cells[ci].atp()
		if atp <= 0 {
			return
		}
		cur := &ship
		ent, ok := ship.peek()
		if se, sok := store.peek(); sok && (!ok || se.less(ent)) {
			cur, ent, ok = &store, se, true
		}
		if !ok {
			return
		}
		ok, newShip := e.fillEligible(ent.order, loc)
		if !ok {
			if !e.capacityLeft(loc) {
				e.noteCapWait(loc, sku) // retried when loc has capacity again
			}
			cur.keep()
			continue
		}
		if at(&e.orders, ent.order).shipComplete {
			// fillComplete dequeues the order's lines from every queue,
			// this one included: close the holes first.
			ship.flush()
			store.flush()
			if !e.fillComplete(ent.order, loc, newShip) {
				cur.keep()
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
			cur.drop() // a hole
		} else {
			cur.keep()
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
	return PlanScore{Shipments: 1, Cost: d.shipCost(km),
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
