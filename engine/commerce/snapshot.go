package commerce

import (
	"errors"
	"fmt"
	"slices"

	"github.com/ordercore/oms/engine/wire"
)

// errSnapshot marks a snapshot that decodes but does not make sense.
var errSnapshot = errors.New("commerce: corrupt snapshot")

// snapshotVersion 2 adds retention (the config, the closed state of each
// order, explicit order ids with archived ones absent, the issued id
// counts, the tombstones); 3 adds the cells waiting for capacity
// (capwait.go) and each reservation's channel; 4 adds each order's and
// tombstone's placement fingerprint (placeHash); 5 adds each line's units
// waiting for the payment (unpaid) and each order's unpaidAtPlace; 6 adds
// each order's return window fixed at delivery (retWindow); 7 adds each
// line's units ready for pickup (ready); 8 marks the allocation that opened
// each shipment not yet released, with the capacity day it counted on
// (alloc.opened, giveBackCapacity) and each order's last ReadyForPickup
// (readyResent); 9 adds the request ids of keyed commands with their
// results (reqid.go). Restore still reads versions 1 to 8 (no request ids
// held before 9; before 8 the opening allocations derived, deriveOpened,
// and no ReadyForPickup to recognise a re-send of; nothing ready for
// pickup before 7; reservations without an owner; the waiting cells
// derived, deriveCapWait; fingerprints not recorded, 0; nothing waiting
// for a payment: older engines kept a declined order's stock; an order
// with a delivered shipment gets the rules' window at restore, which is
// the window older engines applied to it then).
const snapshotVersion = 9

// Snapshot writes the canonical state: locations by id, SKUs by name, orders
// by id with their lists in order, reservations by id, customers by name.
// Internal indexes and arena positions never reach the bytes, so an engine
// restored from a snapshot writes the same snapshot. Derived state (the
// backorder queues, the id indexes, the expiry queue) is rebuilt on restore.
func (e *Engine) Snapshot(w *wire.Writer) { e.snapshotAs(w, snapshotVersion) }

// snapshotAs writes the snapshot in the layout of version v, from 7 (tests
// write older versions with it).
func (e *Engine) snapshotAs(w *wire.Writer, v byte) {
	w.Byte(v)
	w.Varint(int64(e.rules.MaxValue))
	w.Varint(int64(e.rules.MaxQty))
	w.Bool(e.rules.CheckCredit)
	w.Bool(e.rules.CheckPayment)
	w.Varint(e.rules.ReturnWindow)
	w.Varint(e.retention.ArchiveAfter)
	w.Varint(e.retention.DedupWindow)
	w.Uvarint(uint64(e.nextFulfilment))
	for i := 1; i < len(e.stats); i++ {
		st := &e.stats[i]
		for _, v := range [...]int64{st.orders, st.lines, st.splitOrders, st.backorderedOrders,
			st.units, st.unitsAllocated, st.unitsShipped, st.unitsReturned} {
			w.Varint(v)
		}
	}
	locs := e.sortedLocs()
	w.Uvarint(uint64(len(locs)))
	for _, i := range locs {
		encodeLocation(w, &e.locs[i].def)
		w.Varint(e.locs[i].capDay)
		w.Varint(int64(e.locs[i].capUsed))
	}
	skus := e.sortedSKUs()
	w.Uvarint(uint64(len(skus)))
	for _, si := range skus {
		e.snapSKU(w, si)
	}
	w.Uvarint(uint64(len(e.res)))
	for i := range e.res {
		r := &e.res[i]
		w.String(string(e.skus[r.sku].name))
		w.Uvarint(uint64(e.locs[r.loc].def.ID))
		w.Varint(int64(r.qty))
		w.Varint(r.expires)
		w.Byte(byte(r.state))
		w.Byte(byte(r.channel))
	}
	e.snapCustomers(w)
	e.snapOrders(w, v)
	e.snapCapWait(w)
	if v >= 9 {
		e.snapRequests(w)
	}
}

// snapOrders writes the issued order count and the live orders by id with
// their closed state, the issued shipment and return counts, and the
// tombstones in archiving order.
func (e *Engine) snapOrders(w *wire.Writer, v byte) {
	w.Uvarint(uint64(e.orders.len()))
	var live int
	for range e.liveOrders {
		live++
	}
	w.Uvarint(uint64(live))
	for oi, o := range e.liveOrders {
		w.Uvarint(uint64(o.id))
		e.snapOrderAs(w, oi, v)
		w.Bool(o.closed)
		w.Varint(o.closedAt)
		w.Varint(o.archiveAt)
		w.Uvarint(o.placeHash)
		w.Bool(o.unpaidAtPlace)
		w.Varint(o.retWindow)
		if v >= 8 {
			e.snapReady(w, o)
		}
	}
	w.Uvarint(uint64(e.ships.len()))
	w.Uvarint(uint64(e.rmas.len()))
	w.Uvarint(uint64(e.tombs.len() - int(e.tombHead)))
	for ti := e.tombHead; int(ti) < e.tombs.len(); ti++ {
		t := at(&e.tombs, ti)
		w.Uvarint(uint64(t.id))
		w.Byte(byte(t.channel))
		w.Raw(t.cid.bytes()) // Raw and String share an encoding
		w.String(e.custs[t.cust].name)
		w.String(e.curs.names[t.cur])
		w.Varint(int64(t.units))
		w.Varint(int64(t.value))
		w.Byte(byte(t.holds))
		w.Byte(byte(t.status))
		w.Varint(t.archivedAt)
		w.Uvarint(t.placeHash)
	}
}

func (e *Engine) sortedLocs() []int32 {
	idx := make([]int32, len(e.locs))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int { return int(e.locs[a].def.ID) - int(e.locs[b].def.ID) })
	return idx
}

func (e *Engine) sortedSKUs() []int32 {
	idx := make([]int32, len(e.skus))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int {
		if e.skus[a].name < e.skus[b].name {
			return -1
		}
		return 1
	})
	return idx
}

func (e *Engine) snapSKU(w *wire.Writer, si int32) {
	s := &e.skus[si]
	w.String(string(s.name))
	w.Uvarint(uint64(len(s.cells)))
	for ci := range s.cells {
		c := &s.cells[ci]
		w.Uvarint(uint64(c.locID))
		w.Varint(int64(c.onHand))
		w.Varint(int64(c.allocated))
		w.Varint(int64(c.reserved))
		w.Varint(int64(c.safety))
		w.Uvarint(c.version)
		list := e.inbound(c)
		w.Uvarint(uint64(len(list)))
		for _, in := range list {
			w.Varint(int64(in.qty))
			w.Varint(in.date)
		}
	}
}

// snapOrderAs writes order oi in the layout of snapshot version v (tests
// write older versions with it).
func (e *Engine) snapOrderAs(w *wire.Writer, oi int32, v byte) {
	o := at(&e.orders, oi)
	w.Byte(byte(o.channel))
	w.Raw(o.cid.bytes())
	w.String(e.custs[o.cust].name)
	w.Varint(o.placedAt)
	w.Varint(int64(o.shipTo.Lat))
	w.Varint(int64(o.shipTo.Lon))
	if o.pickup >= 0 {
		w.Uvarint(uint64(e.locs[o.pickup].def.ID))
	} else {
		w.Uvarint(0)
	}
	w.Bool(o.shipComplete)
	w.Byte(o.priority)
	w.Byte(byte(o.payment))
	w.String(e.curs.names[o.cur])
	w.Varint(int64(o.value))
	w.Varint(int64(o.units))
	w.Byte(byte(o.holds))
	w.Byte(byte(o.holdsAtPlace))
	w.Byte(byte(o.statusAtPlace))
	w.Bool(o.credit)
	encodeScore(w, &o.plan)
	w.Uvarint(uint64(o.nLines))
	for i := int32(0); i < o.nLines; i++ {
		l := at(&e.lines, o.line0+i)
		w.String(string(e.skus[l.sku].name))
		for _, v := range [...]Qty{l.qty, Qty(l.price), Qty(l.reservation), l.cancelled, l.backordered,
			l.allocated, l.released, l.shipped, l.delivered, l.retAuth, l.retRecv, l.boAtPlace} {
			w.Varint(int64(v))
		}
		if v >= 5 {
			w.Varint(int64(l.unpaid))
		}
		if v >= 7 {
			w.Varint(int64(l.ready))
		}
		w.Varint(l.lastShip)
	}
	e.snapAllocs(w, o, v)
	e.snapShipments(w, o)
	e.snapReturns(w, o)
	e.snapHistory(w, o)
}

// snapReady writes the order's last ReadyForPickup (readyResent): its first
// history record's place in the order's history, from 1 (0: none), and
// readyAll.
func (e *Engine) snapReady(w *wire.Writer, o *order) {
	var k uint64
	if o.readyHist >= 0 {
		for hi := o.histHead; hi >= 0; hi = at(&e.hist, hi).next {
			k++
			if hi == o.readyHist {
				break
			}
		}
	}
	w.Uvarint(k)
	w.Bool(o.readyAll)
}

func (e *Engine) snapShipments(w *wire.Writer, o *order) {
	var n int
	for si := o.shipHead; si >= 0; si = at(&e.ships, si).next {
		n++
	}
	w.Uvarint(uint64(n))
	for si := o.shipHead; si >= 0; si = at(&e.ships, si).next {
		sh := at(&e.ships, si)
		w.Uvarint(uint64(sh.id))
		w.Uvarint(uint64(e.locs[sh.loc].def.ID))
		w.String(sh.tracking)
		w.Varint(sh.at)
		w.Bool(sh.delivered)
		w.Varint(sh.deliveredAt)
		w.Uvarint(uint64(sh.n))
		for i := sh.l0; i < sh.l0+sh.n; i++ {
			sl := at(&e.shipLines, i)
			w.Uvarint(uint64(sl.line - o.line0))
			w.Varint(int64(sl.qty))
		}
	}
}

func (e *Engine) snapReturns(w *wire.Writer, o *order) {
	var n int
	for ri := o.retHead; ri >= 0; ri = at(&e.rmas, ri).next {
		n++
	}
	w.Uvarint(uint64(n))
	for ri := o.retHead; ri >= 0; ri = at(&e.rmas, ri).next {
		rm := at(&e.rmas, ri)
		w.Uvarint(uint64(rm.id))
		w.Varint(rm.at)
		w.Uvarint(uint64(rm.n))
		for i := rm.l0; i < rm.l0+rm.n; i++ {
			rl := at(&e.rmaLines, i)
			w.Uvarint(uint64(rl.line - o.line0))
			for _, v := range [...]Qty{rl.qty, rl.received, rl.restocked, rl.writtenOff, Qty(rl.refund)} {
				w.Varint(int64(v))
			}
		}
	}
}

func encodeScore(w *wire.Writer, p *PlanScore) {
	w.Varint(int64(p.Shipments))
	w.Varint(int64(p.Cost))
	w.Varint(p.Priority)
	w.Varint(int64(p.Candidates))
	w.Byte(byte(p.Why))
	w.Bool(p.Exact)
	w.Varint(int64(p.DistanceKm))
}

func decodeScore(r *wire.Reader, p *PlanScore) {
	p.Shipments = decodeI32(r)
	p.Cost = Money(r.Varint())
	p.Priority = r.Varint()
	p.Candidates = decodeI32(r)
	p.Why = Why(r.Byte())
	p.Exact = r.Bool()
	p.DistanceKm = decodeI32(r)
}

func corrupt(r *wire.Reader, format string, args ...any) {
	r.Fail(fmt.Errorf("%w: %s", errSnapshot, fmt.Sprintf(format, args...)))
}

// snapCustomers writes the customers with state of their own, by name
// (the order lists are rebuilt from the orders).
func (e *Engine) snapCustomers(w *wire.Writer) {
	var custs []int32
	for i := range e.custs {
		if e.custs[i].defined || e.custs[i].exposure != 0 {
			custs = append(custs, int32(i))
		}
	}
	slices.SortFunc(custs, func(a, b int32) int {
		if e.custs[a].name < e.custs[b].name {
			return -1
		}
		return 1
	})
	w.Uvarint(uint64(len(custs)))
	for _, i := range custs {
		cu := &e.custs[i]
		w.String(cu.name)
		w.Bool(cu.defined)
		w.Bool(cu.b2b)
		w.Varint(int64(cu.limit))
		w.Varint(int64(cu.exposure))
	}
}

func (e *Engine) snapAllocs(w *wire.Writer, o *order, v byte) {
	var n int
	for ai := o.allocHead; ai >= 0; ai = at(&e.allocs, ai).next {
		n++
	}
	w.Uvarint(uint64(n))
	for ai := o.allocHead; ai >= 0; ai = at(&e.allocs, ai).next {
		a := at(&e.allocs, ai)
		w.Uvarint(uint64(a.line - o.line0))
		w.Uvarint(uint64(e.locs[a.loc].def.ID))
		w.Varint(int64(a.qty))
		w.Varint(int64(a.orig))
		w.Bool(a.released)
		w.Bool(a.atPlace)
		w.Uvarint(uint64(a.fulfilment))
		w.Varint(a.shipBy)
		w.Varint(a.deliverBy)
		encodeScore(w, &a.plan)
		if v >= 8 {
			w.Bool(a.opened)
			if a.opened {
				w.Varint(a.openDay)
			}
		}
	}
}

func (e *Engine) snapHistory(w *wire.Writer, o *order) {
	var n int
	for hi := o.histHead; hi >= 0; hi = at(&e.hist, hi).next {
		n++
	}
	w.Uvarint(uint64(n))
	for hi := o.histHead; hi >= 0; hi = at(&e.hist, hi).next {
		h := at(&e.hist, hi)
		w.Varint(h.at)
		w.Byte(byte(h.kind))
		w.Uvarint(uint64(h.line))
		w.Uvarint(uint64(h.loc))
		w.Varint(int64(h.qty))
		w.Byte(byte(h.status))
		w.Uvarint(h.ref)
	}
}
