package commerce

import (
	"fmt"

	"github.com/ordercore/oms/engine/wire"
)

// Restore reads a snapshot written by Snapshot, replacing the state. On error
// the engine is left empty.
func (e *Engine) Restore(r *wire.Reader) error {
	f := New()
	f.restore(r)
	if err := r.Err(); err != nil {
		*e = *New()
		return err
	}
	// A snapshot that decodes but breaks the ledger is corrupt too.
	if err := f.CheckInvariants(); err != nil {
		*e = *New()
		return fmt.Errorf("%w: %v", errSnapshot, err)
	}
	*e = *f
	return nil
}

func (e *Engine) restore(r *wire.Reader) {
	version := r.Byte()
	if r.Err() == nil && (version < 1 || version > snapshotVersion) {
		corrupt(r, "version %d, want 1 to %d", version, snapshotVersion)
		return
	}
	e.rules.MaxValue = Money(r.Varint())
	e.rules.MaxQty = Qty(r.Varint())
	e.rules.CheckCredit = r.Bool()
	e.rules.CheckPayment = r.Bool()
	e.rules.ReturnWindow = r.Varint()
	if version >= 2 {
		e.retention.ArchiveAfter, e.retention.DedupWindow = r.Varint(), r.Varint()
	}
	e.nextFulfilment = FulfilmentID(r.Uvarint())
	for i := 1; i < len(e.stats); i++ {
		st := &e.stats[i]
		for _, p := range [...]*int64{&st.orders, &st.lines, &st.splitOrders, &st.backorderedOrders,
			&st.units, &st.unitsAllocated, &st.unitsShipped, &st.unitsReturned} {
			*p = r.Varint()
		}
	}
	n := r.Count()
	for range n {
		var l location
		decodeLocation(r, &l.def)
		l.setDef(l.def)
		l.capDay = r.Varint()
		l.capUsed = decodeI32(r)
		if r.Err() != nil {
			return
		}
		if why, field := validLocation(&l.def); why != ReasonNone {
			corrupt(r, "location %d: %s %s", l.def.ID, field, why)
			return
		}
		if _, dup := e.locByID[l.def.ID]; dup {
			corrupt(r, "location %d repeated", l.def.ID)
			return
		}
		e.locByID[l.def.ID] = int32(len(e.locs))
		e.locs = append(e.locs, l)
	}
	n = r.Count()
	for range n {
		if !e.restoreSKU(r) {
			return
		}
	}
	e.restoreReservations(r, version)
	n = r.Count()
	for range n {
		cu := e.customer(r.String())
		cu.defined = r.Bool()
		cu.b2b = r.Bool()
		cu.limit = Money(r.Varint())
		cu.exposure = Money(r.Varint())
	}
	if !e.restoreOrders(r, version) {
		return
	}
	e.restoreIssued(r)
	if version >= 2 {
		e.restoreTombstones(r, version)
	}
	if version >= 3 {
		e.restoreCapWait(r)
	} else {
		e.deriveCapWait()
	}
	if version >= 9 {
		e.restoreRequests(r)
	}
}

func (e *Engine) loc(r *wire.Reader) int32 {
	id := LocationID(decodeU32(r))
	i, ok := e.locByID[id]
	if !ok && r.Err() == nil {
		corrupt(r, "unknown location %d", id)
	}
	return i
}

func (e *Engine) sku(r *wire.Reader) int32 {
	name := SKU(r.String())
	i, ok := e.skuIndex(name)
	if !ok && r.Err() == nil {
		corrupt(r, "unknown sku %q", name)
	}
	return i
}

func (e *Engine) restoreSKU(r *wire.Reader) bool {
	name := SKU(r.String())
	if _, dup := e.skuIndex(name); dup || r.Err() != nil {
		corrupt(r, "sku %q repeated", name)
		return false
	}
	si := e.addSKU(name)
	nc := r.Count()
	cells := make([]cell, 0, nc)
	for range nc {
		li := e.loc(r)
		if r.Err() != nil {
			return false
		}
		c := cell{loc: li, locID: e.locs[li].def.ID}
		c.onHand, c.allocated, c.reserved, c.safety = Qty(r.Varint()), Qty(r.Varint()), Qty(r.Varint()), Qty(r.Varint())
		c.version = r.Uvarint()
		ni := r.Count()
		var list []inbound
		for range ni {
			list = append(list, inbound{qty: Qty(r.Varint()), date: r.Varint()})
		}
		if ni > 0 {
			e.setInbound(&c, list)
		}
		if len(cells) > 0 && cells[len(cells)-1].locID >= c.locID {
			corrupt(r, "sku %q cells out of order", name)
			return false
		}
		cells = append(cells, c)
	}
	e.skus[si].cells = cells
	hot := e.newHot(si, len(cells))
	for i := range cells {
		hot[i] = hotCell{loc: cells[i].loc, atp: cells[i].atp()}
	}
	e.skus[si].hot = hot
	return r.Err() == nil
}

func (e *Engine) restoreReservations(r *wire.Reader, version byte) {
	n := r.Count()
	for i := range n {
		res := reservation{sku: e.sku(r), loc: e.loc(r), qty: Qty(r.Varint()), expires: r.Varint(), state: resState(r.Byte())}
		if version >= 3 {
			res.channel = Channel(r.Byte())
		}
		if r.Err() != nil {
			return
		}
		if res.state < resActive || res.state > resConsumed {
			corrupt(r, "reservation %d state %d", i+1, res.state)
			return
		}
		if res.channel >= channelCount {
			corrupt(r, "reservation %d channel %d", i+1, res.channel)
			return
		}
		e.res = append(e.res, res)
		if res.state == resActive {
			e.expiry.Set(resKey{expires: res.expires, id: ReservationID(i + 1)})
		}
	}
}

func (e *Engine) restoreOrder(r *wire.Reader, oi int32, version byte) bool {
	o, ok := e.restoreHeader(r, oi)
	if !ok {
		return false
	}
	o.line0 = int32(e.lines.len())
	o.nLines = int32(r.Count())
	for i := int32(0); i < o.nLines; i++ {
		if !e.restoreLine(r, oi, i, version) {
			return false
		}
	}
	e.orders.place(oi, o)
	e.idemPut(o.channel, o.cid.String(), oi)
	e.linkOrder(oi, o.cust)
	if !e.restoreAllocs(r, oi, version) || !e.restoreShipments(r, oi) || !e.restoreReturns(r, oi) || !e.restoreHistory(r, oi) {
		return false
	}
	if version < 8 {
		e.deriveOpened(oi)
	}
	for i := int32(0); i < o.nLines; i++ {
		li := o.line0 + i
		l := at(&e.lines, li)
		l.status = l.statusNow()
		if l.backordered > 0 {
			e.enqueueBackorder(oi, li)
		}
	}
	at(&e.orders, oi).status = e.orderStatus(oi)
	return r.Err() == nil
}

func (e *Engine) restoreHeader(r *wire.Reader, oi int32) (order, bool) {
	o := order{id: OrderID(oi + 1), allocHead: -1, allocTail: -1, shipHead: -1, shipTail: -1,
		retHead: -1, retTail: -1, histHead: -1, histTail: -1, readyHist: -1, pickup: -1}
	o.channel = Channel(r.Byte())
	cid, cust := r.String(), r.String()
	o.placedAt = r.Varint()
	o.shipTo.Lat, o.shipTo.Lon = MicroDeg(decodeI32(r)), MicroDeg(decodeI32(r))
	if id := decodeU32(r); id != 0 {
		p, ok := e.locByID[LocationID(id)]
		if !ok {
			corrupt(r, "order %d pickup location %d", o.id, id)
			return o, false
		}
		o.pickup = p
	}
	o.shipComplete = r.Bool()
	o.priority = r.Byte()
	o.payment = Payment(r.Byte())
	cur := r.String()
	o.value, o.units = Money(r.Varint()), Qty(r.Varint())
	o.holds, o.holdsAtPlace, o.statusAtPlace = Hold(r.Byte()), Hold(r.Byte()), Status(r.Byte())
	o.credit = r.Bool()
	decodeScore(r, &o.plan)
	if o.channel == 0 || o.channel >= channelCount || r.Err() != nil {
		corrupt(r, "order %d channel %d", o.id, o.channel)
		return o, false
	}
	var ok bool
	if o.cid, o.cust, o.cur, ok = e.restoreKeys(cid, cust, cur); !ok {
		corrupt(r, "order %d channel order id, customer or currency", o.id)
		return o, false
	}
	return o, true
}

func (e *Engine) restoreLine(r *wire.Reader, oi, i int32, version byte) bool {
	l := line{order: oi, num: uint32(i + 1), sku: e.sku(r)}
	l.qty, l.price, l.reservation = Qty(r.Varint()), Money(r.Varint()), ReservationID(r.Varint())
	for _, p := range [...]*Qty{&l.cancelled, &l.backordered, &l.allocated, &l.released, &l.shipped,
		&l.delivered, &l.retAuth, &l.retRecv, &l.boAtPlace} {
		*p = Qty(r.Varint())
	}
	if version >= 5 {
		l.unpaid = Qty(r.Varint())
	}
	if version >= 7 {
		l.ready = Qty(r.Varint())
	}
	l.lastShip = r.Varint()
	if l.reservation > ReservationID(len(e.res)) {
		corrupt(r, "order %d line %d reservation %d", oi+1, i+1, l.reservation)
	}
	if r.Err() != nil {
		return false
	}
	e.lines.push(l)
	return true
}

// lineRef reads a line number within order oi.
func (e *Engine) lineRef(r *wire.Reader, oi int32) int32 {
	o := at(&e.orders, oi)
	i := r.Uvarint()
	if i >= uint64(o.nLines) {
		corrupt(r, "order %d line index %d", o.id, i)
		return o.line0
	}
	return o.line0 + int32(i)
}

func (e *Engine) restoreAllocs(r *wire.Reader, oi int32, version byte) bool {
	n := r.Count()
	for range n {
		a := alloc{line: e.lineRef(r, oi), loc: e.loc(r), qty: Qty(r.Varint()), orig: Qty(r.Varint()),
			released: r.Bool(), atPlace: r.Bool(), fulfilment: FulfilmentID(r.Uvarint()),
			shipBy: r.Varint(), deliverBy: r.Varint(), next: -1}
		decodeScore(r, &a.plan)
		if version >= 8 {
			if a.opened = r.Bool(); a.opened {
				a.openDay = r.Varint()
			}
		}
		if r.Err() != nil {
			return false
		}
		o := at(&e.orders, oi)
		ai := int32(e.allocs.len())
		e.allocs.push(a)
		if o.allocTail >= 0 {
			at(&e.allocs, o.allocTail).next = ai
		} else {
			o.allocHead = ai
		}
		o.allocTail = ai
	}
	return true
}

// deriveOpened marks, for a snapshot older than version 8, the allocation
// that opened each of order oi's shipments not yet released: at every
// location where the order has open unreleased units, the first such
// allocation, with the day of its EvAllocated record (the order's history
// records one per allocation, in allocation order). The older snapshot
// does not say which allocation counted the capacity: if the first one was
// freed and a later one joined, the day may be wrong, which can only make
// a same-day give-back (giveBackCapacity) of that shipment right or wrong
// once.
func (e *Engine) deriveOpened(oi int32) {
	o := at(&e.orders, oi)
	hi := o.histHead
	for ai := o.allocHead; ai >= 0; ai = at(&e.allocs, ai).next {
		for hi >= 0 && at(&e.hist, hi).kind != EvAllocated {
			hi = at(&e.hist, hi).next
		}
		a := at(&e.allocs, ai)
		if a.qty > 0 && !a.released && !e.shipmentOpenBefore(o, ai) {
			a.opened, a.openDay = true, -1<<63 // no record: a day that never comes
			if hi >= 0 {
				a.openDay = at(&e.hist, hi).at / Day
			}
		}
		if hi >= 0 {
			hi = at(&e.hist, hi).next
		}
	}
}

// shipmentOpenBefore reports whether an allocation of o before ai is open
// and unreleased at ai's location.
func (e *Engine) shipmentOpenBefore(o *order, ai int32) bool {
	loc := at(&e.allocs, ai).loc
	for bi := o.allocHead; bi != ai; bi = at(&e.allocs, bi).next {
		if b := at(&e.allocs, bi); b.loc == loc && b.qty > 0 && !b.released {
			return true
		}
	}
	return false
}

func (e *Engine) restoreShipments(r *wire.Reader, oi int32) bool {
	n := r.Count()
	for range n {
		id := r.Uvarint()
		if id == 0 || id > maxRestoreID || e.ships.has(int64(id)-1) && at(&e.ships, id-1).id != 0 {
			corrupt(r, "shipment id %d", id)
			return false
		}
		o := at(&e.orders, oi)
		si := int32(id - 1)
		e.newShipmentAt(o, si, e.loc(r), r.String())
		sh := at(&e.ships, si)
		sh.at, sh.delivered, sh.deliveredAt = r.Varint(), r.Bool(), r.Varint()
		nl := r.Count()
		for range nl {
			e.shipLines.push(shipLine{line: e.lineRef(r, oi), qty: Qty(r.Varint())})
			at(&e.ships, si).n++
		}
		if r.Err() != nil {
			return false
		}
	}
	return true
}

func (e *Engine) restoreReturns(r *wire.Reader, oi int32) bool {
	n := r.Count()
	for range n {
		id := r.Uvarint()
		if id == 0 || id > maxRestoreID || e.rmas.has(int64(id)-1) && at(&e.rmas, id-1).id != 0 {
			corrupt(r, "return id %d", id)
			return false
		}
		o := at(&e.orders, oi)
		ri := int32(id - 1)
		e.rmas.place(ri, rma{id: ReturnID(id), order: oi, at: r.Varint(), l0: int32(e.rmaLines.len()), next: -1})
		if o.retTail >= 0 {
			at(&e.rmas, o.retTail).next = ri
		} else {
			o.retHead = ri
		}
		o.retTail = ri
		nl := r.Count()
		for range nl {
			rl := rmaLine{line: e.lineRef(r, oi)}
			rl.qty, rl.received, rl.restocked, rl.writtenOff = Qty(r.Varint()), Qty(r.Varint()), Qty(r.Varint()), Qty(r.Varint())
			rl.refund = Money(r.Varint())
			e.rmaLines.push(rl)
			at(&e.rmas, ri).n++
		}
		if r.Err() != nil {
			return false
		}
	}
	return true
}

func (e *Engine) restoreHistory(r *wire.Reader, oi int32) bool {
	n := r.Count()
	for range n {
		h := histRec{at: r.Varint(), kind: EventKind(r.Byte()), line: decodeU32(r), loc: LocationID(decodeU32(r)),
			qty: Qty(r.Varint()), status: Status(r.Byte()), ref: r.Uvarint(), next: -1}
		if r.Err() != nil {
			return false
		}
		o := at(&e.orders, oi)
		hi := e.hist.push(h)
		if o.histTail >= 0 {
			at(&e.hist, o.histTail).next = hi
		} else {
			o.histHead = hi
		}
		o.histTail = hi
	}
	return true
}

// restoreReady reads what snapReady wrote; the history is restored.
func (e *Engine) restoreReady(r *wire.Reader, o *order) bool {
	k := r.Uvarint()
	o.readyAll = r.Bool()
	if k == 0 {
		return r.Err() == nil
	}
	hi := o.histHead
	for ; k > 1 && hi >= 0; k-- {
		hi = at(&e.hist, hi).next
	}
	if hi < 0 || at(&e.hist, hi).kind != EvReadyForPickup || o.pickup < 0 {
		corrupt(r, "order %d: the last ready-for-pickup record is not one", o.id)
		return false
	}
	o.readyHist = hi
	return r.Err() == nil
}

// maxRestoreID bounds the ids a snapshot may name (indexes are int32).
const maxRestoreID = 1<<31 - 1

// restoreOrders reads the live orders: in version 1 every order, ids
// implicit; from version 2 the issued count, then the live orders with their
// ids (ascending) and closed state.
func (e *Engine) restoreOrders(r *wire.Reader, version byte) bool {
	issued := uint64(0)
	if version >= 2 {
		issued = r.Uvarint()
		if issued > maxRestoreID {
			corrupt(r, "order count %d", issued)
			return false
		}
	}
	n := r.Count()
	prev := uint64(0)
	for i := range n {
		id := uint64(i + 1)
		if version >= 2 {
			id = r.Uvarint()
			if id <= prev || id > issued {
				corrupt(r, "order id %d after %d of %d", id, prev, issued)
				return false
			}
		}
		prev = id
		oi := int32(id - 1)
		if !e.restoreOrder(r, oi, version) {
			return false
		}
		o := at(&e.orders, oi)
		if version >= 2 {
			o.closed, o.closedAt, o.archiveAt = r.Bool(), r.Varint(), r.Varint()
			if version >= 4 {
				o.placeHash = r.Uvarint()
			}
			if version >= 5 {
				o.unpaidAtPlace = r.Bool()
			}
			if version >= 6 {
				o.retWindow = r.Varint()
			}
			if version >= 8 && !e.restoreReady(r, o) {
				return false
			}
		} else if o.status == StatusDelivered || o.status == StatusCancelled {
			// Version 1 kept no closing time: the order's last event is it.
			o.closed = true
			if o.histTail >= 0 {
				o.closedAt = at(&e.hist, o.histTail).at
			}
			o.archiveAt = e.archiveDue(o)
		}
		if version < 6 && e.everDelivered(o) {
			o.retWindow = e.returnWindow()
		}
		if o.retWindow < 0 {
			corrupt(r, "order %d return window %d", id, o.retWindow)
			return false
		}
		if o.closed != (o.status == StatusDelivered || o.status == StatusCancelled) {
			corrupt(r, "order %d closed %v with status %s", id, o.closed, o.status)
			return false
		}
		if o.closed {
			e.archiveQ.Set(archKey{at: o.archiveAt, order: oi})
		}
	}
	e.orders.grow(int(issued))
	return r.Err() == nil
}

// restoreIssued reads how many shipment and return ids were issued.
func (e *Engine) restoreIssued(r *wire.Reader) {
	ships, rmas := r.Uvarint(), r.Uvarint()
	if r.Err() != nil {
		return
	}
	if ships > maxRestoreID || rmas > maxRestoreID || ships < uint64(e.ships.len()) || rmas < uint64(e.rmas.len()) {
		corrupt(r, "shipment or return count")
		return
	}
	e.ships.grow(int(ships))
	e.rmas.grow(int(rmas))
}

// restoreKeys stores a restored order's (or tombstone's) channel order id,
// customer and currency the way a placement does.
func (e *Engine) restoreKeys(cid, cust, cur string) (idKey, int32, uint16, bool) {
	if cid == "" || len(cid) > MaxChannelOrderID || cust == "" || cur == "" {
		return idKey{}, 0, 0, false
	}
	c, ok := e.curs.intern(cur)
	return makeIDKey(cid), e.customerIndex(cust), c, ok
}

// restoreTombstones reads the idempotency keys of archived orders, in
// archiving order.
func (e *Engine) restoreTombstones(r *wire.Reader, version byte) {
	n := r.Count()
	prevAt := int64(-1 << 63)
	for range n {
		t := tombstone{id: OrderID(r.Uvarint()), channel: Channel(r.Byte())}
		cid, cust, cur := r.String(), r.String(), r.String()
		t.units, t.value = Qty(r.Varint()), Money(r.Varint())
		t.holds, t.status, t.archivedAt = Hold(r.Byte()), Status(r.Byte()), r.Varint()
		if version >= 4 {
			t.placeHash = r.Uvarint()
		}
		if r.Err() != nil {
			return
		}
		var ok bool
		t.cid, t.cust, t.cur, ok = e.restoreKeys(cid, cust, cur)
		_, dup := e.idemGet(min(t.channel, channelCount-1), cid)
		if !ok || t.channel == 0 || t.channel >= channelCount || dup || t.archivedAt < prevAt ||
			t.id == 0 || uint64(t.id) > uint64(e.orders.len()) || e.liveOrder(int32(t.id-1)) != nil {
			corrupt(r, "tombstone of order %d", t.id)
			return
		}
		prevAt = t.archivedAt
		ti := e.tombs.push(t)
		e.idemPut(t.channel, cid, -ti-1)
	}
}
