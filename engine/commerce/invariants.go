package commerce

import (
	"fmt"
	"slices"
)

// CheckInvariants verifies the ledger end to end and returns the first
// broken invariant. It walks the whole state: tests call it, and builds with
// -tags invariants run it after every command.
func (e *Engine) CheckInvariants() error {
	allocated := make(map[cellKey]Qty)
	reserved := make(map[cellKey]Qty)
	for i := range e.allocs.len() {
		if !e.allocs.has(int64(i)) || at(&e.allocs, i).orig == 0 {
			continue // freed with its archived order
		}
		a := at(&e.allocs, i)
		if a.qty < 0 || a.qty > a.orig {
			return fmt.Errorf("allocation %d: open qty %d outside [0, %d]", i, a.qty, a.orig)
		}
		allocated[cellKey{at(&e.lines, a.line).sku, a.loc}] += a.qty
	}
	for i := range e.res {
		if r := &e.res[i]; r.state == resActive {
			reserved[cellKey{r.sku, r.loc}] += r.qty
		}
	}
	if err := e.checkRequests(); err != nil {
		return err
	}
	for i := range e.locs {
		if l := &e.locs[i]; int64(l.cosLat) != cosDeg(l.def.At.Lat) {
			return fmt.Errorf("location %d: cached cosine %d, not cosDeg(%d)", l.def.ID, l.cosLat, l.def.At.Lat)
		}
	}
	for si := range e.skus {
		if err := e.checkSKU(int32(si), allocated, reserved); err != nil {
			return err
		}
	}
	for oi := range e.liveOrders {
		if err := e.checkOrder(oi); err != nil {
			return err
		}
	}
	if err := e.checkCapWait(); err != nil {
		return err
	}
	return e.checkRetention()
}

type cellKey struct {
	sku int32
	loc int32
}

// checkSKU checks one SKU's cells against the allocation and reservation
// sums, and its backorder queue.
func (e *Engine) checkSKU(si int32, allocated, reserved map[cellKey]Qty) error {
	s := &e.skus[si]
	for ci := range s.cells {
		c := &s.cells[ci]
		k := cellKey{si, c.loc}
		switch {
		case c.onHand < 0 || c.allocated < 0 || c.reserved < 0 || c.safety < 0:
			return fmt.Errorf("sku %s loc %d: negative level %+v", s.name, c.locID, *c)
		case c.allocated+c.reserved > c.onHand:
			return fmt.Errorf("sku %s loc %d: allocated %d + reserved %d > on hand %d",
				s.name, c.locID, c.allocated, c.reserved, c.onHand)
		case c.allocated != allocated[k]:
			return fmt.Errorf("sku %s loc %d: allocated %d, orders' allocations sum to %d",
				s.name, c.locID, c.allocated, allocated[k])
		case c.reserved != reserved[k]:
			return fmt.Errorf("sku %s loc %d: reserved %d, reservations sum to %d",
				s.name, c.locID, c.reserved, reserved[k])
		case len(s.hot) != len(s.cells) || s.hot[ci] != hotCell{loc: c.loc, atp: c.atp()}:
			return fmt.Errorf("sku %s loc %d: hot mirror out of date", s.name, c.locID)
		case e.hotRef[si].n != int32(len(s.hot)) ||
			e.hotRef[si].off >= 0 && &e.hotArena.cells(e.hotRef[si])[ci] != &s.hot[ci]:
			return fmt.Errorf("sku %s loc %d: hot reference out of date", s.name, c.locID)
		case ci > 0 && s.cells[ci-1].locID >= c.locID:
			return fmt.Errorf("sku %s: cells out of order at %d", s.name, ci)
		}
		list := e.inbound(c)
		for j, in := range list {
			if in.qty <= 0 || j > 0 && list[j-1].date > in.date {
				return fmt.Errorf("sku %s loc %d: inbound %d bad", s.name, c.locID, j)
			}
		}
	}
	if err := e.checkBackorderQueue(si); err != nil {
		return err
	}
	queue := e.backorderList(si, nil)
	for j, b := range queue {
		if at(&e.lines, b.line).sku != si || at(&e.lines, b.line).backordered == 0 {
			return fmt.Errorf("sku %s: backorder entry %d does not match its line", s.name, j)
		}
		if b.pickup != at(&e.orders, b.order).pickup {
			return fmt.Errorf("sku %s: backorder entry %d has pickup %d, its order %d", s.name, j, b.pickup, at(&e.orders, b.order).pickup)
		}
		if j > 0 && !queue[j-1].less(b) {
			return fmt.Errorf("sku %s: backorder queue out of order at %d", s.name, j)
		}
		if err := e.checkBackorderWaits(si, b); err != nil {
			return err
		}
	}
	return nil
}

// checkBackorderWaits checks that a backorder waits for stock: no cell of
// its SKU has ATP that a fill would give it, unless the cell waits for its
// location's capacity (capwait.go), which the next capacity day offers.
func (e *Engine) checkBackorderWaits(si int32, b boEntry) error {
	s := &e.skus[si]
	for ci := range s.cells {
		c := &s.cells[ci]
		if c.atp() <= 0 {
			continue
		}
		if ok, _ := e.fillEligible(b.order, c.loc); !ok || !e.canComplete(b.order, c.loc) || e.capWaits(b.order, si, c.loc) {
			continue
		}
		o := at(&e.orders, b.order)
		return fmt.Errorf("sku %s: order %d line %d waits while location %d has %d it may be filled from",
			s.name, o.id, at(&e.lines, b.line).num, c.locID, c.atp())
	}
	return nil
}

// capWaits reports whether a cell at loc that may fill order oi's backorder
// of si waits for the location's capacity: si's, or for a ship-complete
// order, that of any SKU it has backordered (whose retry fills it whole).
func (e *Engine) capWaits(oi, si, loc int32) bool {
	waits := func(sku int32) bool {
		_, found := slices.BinarySearchFunc(e.capWait, capWaiter{loc: loc, sku: sku}, e.compareCapWaiters)
		return found
	}
	if waits(si) {
		return true
	}
	o := at(&e.orders, oi)
	if !o.shipComplete {
		return false
	}
	for i := int32(0); i < o.nLines; i++ {
		if l := at(&e.lines, o.line0+i); l.backordered > 0 && waits(l.sku) {
			return true
		}
	}
	return false
}

// canComplete reports whether a ship-complete order's backorders could all
// be filled at loc, as fillComplete would; any other order can always be
// served in part.
func (e *Engine) canComplete(oi, loc int32) bool {
	o := at(&e.orders, oi)
	if !o.shipComplete {
		return true
	}
	id := e.locs[loc].def.ID
	for i := int32(0); i < o.nLines; i++ {
		l := at(&e.lines, o.line0+i)
		if l.backordered == 0 {
			continue
		}
		if ci := e.cellIndex(l.sku, id); ci < 0 || e.skus[l.sku].cells[ci].atp() < l.backordered {
			return false
		}
	}
	return true
}

// checkBackorderQueue checks the split of a SKU's backorder queue: each
// part holds only its own entries, in order, and the store parts are
// sorted by store.
func (e *Engine) checkBackorderQueue(si int32) error {
	bq := e.backorderQueue(si)
	if bq == nil {
		return nil
	}
	name := e.skus[si].name
	check := func(q []boEntry, pickup int32) error {
		for j, b := range q {
			if b.pickup != pickup {
				return fmt.Errorf("sku %s: backorder entry of pickup %d in the part of %d", name, b.pickup, pickup)
			}
			if j > 0 && !q[j-1].less(b) {
				return fmt.Errorf("sku %s: backorder part %d out of order at %d", name, pickup, j)
			}
		}
		return nil
	}
	if err := check(bq.ship, -1); err != nil {
		return err
	}
	for i := range bq.stores {
		if i > 0 && bq.stores[i-1].loc >= bq.stores[i].loc {
			return fmt.Errorf("sku %s: backorder store parts out of order at %d", name, i)
		}
		if err := check(bq.stores[i].q, bq.stores[i].loc); err != nil {
			return err
		}
	}
	return nil
}

// checkOpened checks alloc's INVARIANT: at each location where o has open
// unreleased units exactly one unreleased allocation opened the shipment,
// and no allocation is marked elsewhere.
func (e *Engine) checkOpened(o *order) error {
	for ai := o.allocHead; ai >= 0; ai = at(&e.allocs, ai).next {
		a := at(&e.allocs, ai)
		open := e.shipmentOpen(o, a.loc)
		if a.opened && (a.released || !open) {
			return fmt.Errorf("order %d: allocation %d at location %d opened a shipment that is not open (released %v)",
				o.id, ai, e.locs[a.loc].def.ID, a.released)
		}
		if !open || a.qty == 0 || a.released {
			continue
		}
		n := 0
		for bi := o.allocHead; bi >= 0; bi = at(&e.allocs, bi).next {
			if b := at(&e.allocs, bi); b.loc == a.loc && b.opened {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("order %d: the shipment at location %d has %d opening allocations, not 1",
				o.id, e.locs[a.loc].def.ID, n)
		}
	}
	return nil
}

func (e *Engine) checkOrder(oi int32) error {
	o := at(&e.orders, oi)
	if (o.retWindow != 0) != e.everDelivered(o) || o.retWindow < 0 {
		return fmt.Errorf("order %d: return window %d, delivered %v", o.id, o.retWindow, e.everDelivered(o))
	}
	if o.shipComplete {
		if err := e.checkShipComplete(o); err != nil {
			return err
		}
	}
	if err := e.checkOpened(o); err != nil {
		return err
	}
	if o.readyHist >= 0 && (o.pickup < 0 || at(&e.hist, o.readyHist).kind != EvReadyForPickup) {
		return fmt.Errorf("order %d: the last ready-for-pickup record %d is not one", o.id, o.readyHist)
	}
	for i := int32(0); i < o.nLines; i++ {
		li := o.line0 + i
		l := at(&e.lines, li)
		var open, rel Qty
		for ai := o.allocHead; ai >= 0; ai = at(&e.allocs, ai).next {
			if a := at(&e.allocs, ai); a.line == li {
				open += a.qty
				if a.released {
					rel += a.qty
				}
			}
		}
		queued := 0
		if bq := e.backorderQueue(l.sku); bq != nil {
			for _, part := range bq.parts() {
				for _, b := range part {
					if b.line == li {
						queued++
					}
				}
			}
		}
		switch {
		case l.cancelled < 0 || l.backordered < 0 || l.allocated < 0 || l.shipped < 0 || l.unpaid < 0:
			return fmt.Errorf("order %d line %d: negative quantity", o.id, l.num)
		case l.qty != l.cancelled+l.backordered+l.allocated+l.shipped+l.unpaid:
			return fmt.Errorf("order %d line %d: qty %d != cancelled %d + backordered %d + allocated %d + shipped %d + unpaid %d",
				o.id, l.num, l.qty, l.cancelled, l.backordered, l.allocated, l.shipped, l.unpaid)
		case l.ready < 0 || l.ready > l.released || l.ready > 0 && o.pickup < 0:
			return fmt.Errorf("order %d line %d: %d ready for pickup of %d released (pickup store %d)",
				o.id, l.num, l.ready, l.released, o.pickup)
		case l.unpaid > 0 && (o.holds&HoldPayment == 0 || o.payment == PaymentAuthorised):
			return fmt.Errorf("order %d line %d: %d units wait for a payment that is %s, holds %s",
				o.id, l.num, l.unpaid, o.payment, o.holds)
		case l.status != l.statusNow():
			return fmt.Errorf("order %d line %d: status %s, quantities say %s", o.id, l.num, l.status, l.statusNow())
		case l.allocated != open || l.released != rel:
			return fmt.Errorf("order %d line %d: allocated %d/%d released %d/%d disagree with allocations",
				o.id, l.num, l.allocated, open, l.released, rel)
		case l.delivered > l.shipped || l.retRecv > l.retAuth || l.retAuth > l.shipped:
			return fmt.Errorf("order %d line %d: delivered/returned beyond shipped", o.id, l.num)
		case (l.backordered > 0) != (queued == 1) || queued > 1:
			return fmt.Errorf("order %d line %d: backordered %d but %d queue entries", o.id, l.num, l.backordered, queued)
		}
	}
	return nil
}

// checkShipComplete checks that a ship-complete order ships from one
// location: its open and released allocations are all at one location, and
// until it is released it is either wholly backordered or has nothing
// backordered.
func (e *Engine) checkShipComplete(o *order) error {
	loc := int32(-1)
	var open Qty
	for ai := o.allocHead; ai >= 0; ai = at(&e.allocs, ai).next {
		a := at(&e.allocs, ai)
		if a.qty == 0 && !a.released {
			continue
		}
		if loc >= 0 && a.loc != loc {
			return fmt.Errorf("ship-complete order %d: allocations at locations %d and %d",
				o.id, e.locs[loc].def.ID, e.locs[a.loc].def.ID)
		}
		loc = a.loc
		open += a.qty
	}
	if open > 0 && e.hasBackordered(o) && !e.everReleased(o) {
		return fmt.Errorf("ship-complete order %d: partly allocated and partly backordered before release", o.id)
	}
	return nil
}

// checkRetention checks the archive queue, the idempotency index and the
// tombstones against the orders, and the arenas' live counts.
func (e *Engine) checkRetention() error {
	closed, live := 0, 0
	for oi, o := range e.liveOrders {
		live++
		isClosed := o.status == StatusDelivered || o.status == StatusCancelled
		if o.closed != isClosed {
			return fmt.Errorf("order %d: closed %v but status %s", o.id, o.closed, o.status)
		}
		if o.closed {
			closed++
			if _, in := e.archiveQ.Get(archKey{at: o.archiveAt, order: oi}); !in {
				return fmt.Errorf("order %d: closed but not in the archive queue at %d", o.id, o.archiveAt)
			}
		}
		if v, ok := e.idemGet(o.channel, o.cid.String()); !ok || v != oi {
			return fmt.Errorf("order %d: idempotency key maps to %d", o.id, v)
		}
	}
	if closed != e.archiveQ.Len() {
		return fmt.Errorf("archive queue holds %d entries for %d closed orders", e.archiveQ.Len(), closed)
	}
	keys := e.idem.len()
	tombs := e.tombs.len() - int(e.tombHead)
	if keys != live+tombs {
		return fmt.Errorf("%d idempotency keys for %d live orders and %d tombstones", keys, live, tombs)
	}
	for ti := e.tombHead; int(ti) < e.tombs.len(); ti++ {
		t := at(&e.tombs, ti)
		if v, ok := e.idemGet(t.channel, t.cid.String()); !ok || v != -ti-1 {
			return fmt.Errorf("tombstone of order %d: key maps to %d", t.id, v)
		}
		if e.liveOrder(int32(t.id-1)) != nil {
			return fmt.Errorf("tombstone of live order %d", t.id)
		}
	}
	if n := e.orders.held(); n*chunkSize < live {
		return fmt.Errorf("%d order chunks held for %d live orders", n, live)
	}
	return checkChunks(&e.orders, func(o *order) bool { return o.id != 0 })
}

// checkChunks checks an arena's per-chunk live counts.
func checkChunks[T any](c *chunked[T], isLive func(*T) bool) error {
	for k, ch := range c.chunks {
		n := int32(0)
		for i := range ch {
			if isLive(&ch[i]) {
				n++
			}
		}
		if n != c.live[k] {
			return fmt.Errorf("chunk %d: %d live, counted %d", k, n, c.live[k])
		}
	}
	return nil
}

// checkRequests checks the request ids' invariant (requests).
func (e *Engine) checkRequests() error {
	q := &e.reqs
	if len(q.byKey) != q.len() {
		return fmt.Errorf("request ids: %d indexed, %d held", len(q.byKey), q.len())
	}
	for ri := q.head; int(ri) < q.recs.len(); ri++ {
		if rec := at(&q.recs, ri); q.byKey[rec.key] != ri {
			return fmt.Errorf("request id %q of %s by %q: indexed at %d, held at %d", rec.key.id, rec.key.kind,
				rec.key.caller, q.byKey[rec.key], ri)
		}
	}
	return nil
}
