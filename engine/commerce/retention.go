package commerce

// Retention: closed orders leave the hot structures.
//
// An order is closed when its status is delivered (picked up, for a pickup
// order) or cancelled: nothing of it can ship, be cancelled or be allocated
// again. From then on only returns can touch it, within the return window
// counted from each line's last shipment (the window in force when the
// order was first delivered: later rules do not change it). Tick archives a
// closed order once
// the command time reaches its due time:
//
//	due = max(closed at, latest last shipment + return window) + ArchiveAfter
//
// (the return window is only counted for lines that shipped), and only if
// none of its returns is still open (authorised and not fully received); an
// order with an open return is looked at again ArchiveAfter later. Due times
// follow the retention rules in force: SetRetention recomputes them. (A
// closed order with shipments was delivered, so its return window is
// fixed: SetRules leaves due times alone.)
//
// Archiving an order emits EvArchived and frees the order, its lines,
// allocations, shipments, returns and history (their arenas drop chunks
// that hold nothing live). What remains, for DedupWindow after archiving, is
// a tombstone keyed by (channel, channel order id) for idempotency: a
// re-submit within the window replays the order-created, held and
// order-status events of the first result, marked Duplicate (the allocation
// and backorder events of an archived order are not kept). After the window
// the key is forgotten and a re-submit is a new order.
//
// For an archived order, Order reports not found and Archived reports true;
// commands naming it (or one of its returns) are rejected with
// ReasonOrderArchived; OrdersByCustomer and OrdersByChannel list live orders
// only; OrderByChannelID still answers within the dedup window. Order ids,
// shipment ids and return ids are never reused. Analytics counters are
// cumulative and unaffected; customers and reservations are kept.
//
// Everything is driven by command time: the archive queue (due time, order)
// and the tombstones (in archiving order) are part of the snapshot.
//
// DedupWindow is also how long the request ids of the keyed commands are
// kept, from their first command's time (reqid.go).

import "github.com/tidwall/btree"

// Retention says how long closed orders stay in memory.
type Retention struct {
	// ArchiveAfter is how long a closed order stays after its due time's
	// base (see above): 0 means DefaultArchiveAfter, negative never archives.
	ArchiveAfter int64
	// DedupWindow is how long an archived order's idempotency key is kept,
	// and a keyed command's request id (reqid.go): 0 means
	// DefaultDedupWindow.
	DedupWindow int64
}

// Retention defaults and bounds.
const (
	DefaultArchiveAfter = 7 * Day
	DefaultDedupWindow  = 30 * Day
	// MaxRetention bounds ArchiveAfter and DedupWindow.
	MaxRetention = 100 * 366 * Day
	// maxSweepPerTick bounds the orders archived and keys forgotten by one
	// tick, so a tick after a long pause cannot stall the core; the rest
	// follow on the next ticks.
	maxSweepPerTick = 4096
)

// archKey orders the archive queue by due time, then order.
type archKey struct {
	at    int64
	order int32 // index in Engine.orders
}

func newArchiveQueue() *btree.BTreeG[archKey] {
	return btree.NewBTreeGOptions(func(a, b archKey) bool {
		return a.at < b.at || a.at == b.at && a.order < b.order
	}, btree.Options{NoLocks: true})
}

// tombstone is what an archived order keeps for idempotency.
// Like an order, it holds no pointers.
type tombstone struct {
	id         OrderID
	channel    Channel
	cid        idKey  // the channel order id
	cust       int32  // index in Engine.custs
	cur        uint16 // index in Engine.curs
	units      Qty
	value      Money
	holds      Hold   // holds at placement
	status     Status // status at placement
	archivedAt int64
	placeHash  uint64 // the order's (placeHash)
}

// satAdd adds a duration d >= 0 to a time without overflowing: a sum past
// 1<<62 (the year 2116 in nanoseconds) reads as 1<<62, "never", or as t
// itself for a t beyond that, so the result is never earlier than t.
func satAdd(t, d int64) int64 {
	if d > 0 && t > 1<<62-d {
		return max(t, 1<<62)
	}
	return t + d
}

func (e *Engine) archiveAfter() int64 {
	if e.retention.ArchiveAfter <= 0 {
		return DefaultArchiveAfter
	}
	return e.retention.ArchiveAfter
}

func (e *Engine) dedupWindow() int64 {
	if e.retention.DedupWindow == 0 {
		return DefaultDedupWindow
	}
	return e.retention.DedupWindow
}

// returnWindow is the return window of the rules in force.
func (e *Engine) returnWindow() int64 {
	if e.rules.ReturnWindow == 0 {
		return defaultReturnWindow
	}
	return e.rules.ReturnWindow
}

// orderReturnWindow is the return window that applies to order o: the one
// fixed at its first delivery, else (nothing delivered yet) the rules'.
func (e *Engine) orderReturnWindow(o *order) int64 {
	if o.retWindow != 0 {
		return o.retWindow
	}
	return e.returnWindow()
}

func (e *Engine) setRetention(c *Command) {
	r := c.Retention
	switch {
	case r.ArchiveAfter > MaxRetention:
		e.reject(c.Kind, ReasonInvalidRetention, "retention.archive_after", 0)
		return
	case r.DedupWindow < 0 || r.DedupWindow > MaxRetention:
		e.reject(c.Kind, ReasonInvalidRetention, "retention.dedup_window", 0)
		return
	}
	e.retention = r
	e.out = append(e.out, Event{Kind: EvRetention, Date: r.ArchiveAfter, Expires: r.DedupWindow})
	e.requeueClosed()
}

// requeueClosed recomputes every closed order's due time after a change of
// the rules.
func (e *Engine) requeueClosed() {
	e.archiveQ.Clear()
	for oi, o := range e.liveOrders {
		if o.closed {
			o.archiveAt = e.archiveDue(o)
			e.archiveQ.Set(archKey{at: o.archiveAt, order: oi})
		}
	}
}

// liveOrders yields the live orders in id order. It skips dropped chunks
// whole, so a long archived history costs nothing to walk.
func (e *Engine) liveOrders(yield func(int32, *order) bool) {
	for k, ch := range e.orders.chunks {
		for j := range ch {
			if o := &ch[j]; o.id != 0 && !yield(int32(k<<chunkBits+j), o) {
				return
			}
		}
	}
}

// liveOrdersDesc yields the live orders, newest first.
func (e *Engine) liveOrdersDesc(yield func(int32, *order) bool) {
	for k := len(e.orders.chunks) - 1; k >= 0; k-- {
		ch := e.orders.chunks[k]
		for j := len(ch) - 1; j >= 0; j-- {
			if o := &ch[j]; o.id != 0 && !yield(int32(k<<chunkBits+j), o) {
				return
			}
		}
	}
}

// liveOrder returns order oi, or nil when it was archived.
func (e *Engine) liveOrder(oi int32) *order {
	if !e.orders.has(int64(oi)) {
		return nil
	}
	if o := at(&e.orders, oi); o.id != 0 {
		return o
	}
	return nil
}

// archiveDue is the time order o may be archived, under the current
// retention rules and the order's return window.
func (e *Engine) archiveDue(o *order) int64 {
	from := o.closedAt
	window := e.orderReturnWindow(o)
	for i := int32(0); i < o.nLines; i++ {
		if l := at(&e.lines, o.line0+i); l.shipped > 0 {
			from = max(from, satAdd(l.lastShip, window))
		}
	}
	return satAdd(from, e.archiveAfter())
}

// noteClosed keeps an order's closed state and its place in the archive
// queue in step with its status.
func (e *Engine) noteClosed(oi int32) {
	o := at(&e.orders, oi)
	closed := o.status == StatusDelivered || o.status == StatusCancelled
	switch {
	case closed && !o.closed:
		o.closed, o.closedAt = true, e.now
		o.archiveAt = e.archiveDue(o)
		e.archiveQ.Set(archKey{at: o.archiveAt, order: oi})
	case !closed && o.closed:
		e.archiveQ.Delete(archKey{at: o.archiveAt, order: oi})
		o.closed, o.closedAt, o.archiveAt = false, 0, 0
	}
}

// openReturn reports whether some return of o is not fully received.
func (e *Engine) openReturn(o *order) bool {
	for ri := o.retHead; ri >= 0; ri = at(&e.rmas, ri).next {
		rm := at(&e.rmas, ri)
		for i := rm.l0; i < rm.l0+rm.n; i++ {
			if rl := at(&e.rmaLines, i); rl.received < rl.qty {
				return true
			}
		}
	}
	return false
}

// sweep archives the closed orders that are due and forgets the
// idempotency keys and request ids (reqid.go) whose window has passed.
// Tick calls it.
func (e *Engine) sweep() {
	for n := 0; n < maxSweepPerTick && e.retention.ArchiveAfter >= 0; n++ {
		k, ok := e.archiveQ.Min()
		if !ok || k.at > e.now {
			break
		}
		e.archiveQ.Delete(k)
		o := at(&e.orders, k.order)
		due := e.archiveDue(o)
		if e.openReturn(o) {
			due = max(due, satAdd(e.now, e.archiveAfter()))
		}
		if due > e.now {
			o.archiveAt = due
			e.archiveQ.Set(archKey{at: due, order: k.order})
			continue
		}
		e.archive(k.order)
	}
	window := e.dedupWindow()
	for n := 0; n < maxSweepPerTick && int(e.tombHead) < e.tombs.len(); n++ {
		t := at(&e.tombs, e.tombHead)
		if satAdd(t.archivedAt, window) > e.now {
			break
		}
		key := t.cid.String()
		if v, ok := e.idemGet(t.channel, key); ok && v == -e.tombHead-1 {
			e.idemDelete(t.channel, key)
		}
		e.tombs.free(e.tombHead)
		e.tombHead++
	}
	e.sweepRequests(window)
}

// archive moves closed order oi out of memory, leaving a tombstone.
func (e *Engine) archive(oi int32) {
	o := at(&e.orders, oi)
	key := o.cid.String()
	e.out = append(e.out, Event{Kind: EvArchived, Order: o.id, Channel: o.channel,
		ChannelOrderID: key, Status: o.status})
	ti := e.tombs.push(tombstone{id: o.id, channel: o.channel, cid: o.cid,
		cust: o.cust, cur: o.cur, units: o.units, value: o.value, holds: o.holdsAtPlace,
		status: o.statusAtPlace, archivedAt: e.now, placeHash: o.placeHash})
	e.idemPut(o.channel, key, -ti-1)
	e.unlinkOrder(oi)
	for i := int32(0); i < o.nLines; i++ {
		e.lines.free(o.line0 + i)
	}
	for ai := o.allocHead; ai >= 0; {
		next := at(&e.allocs, ai).next
		e.allocs.free(ai)
		ai = next
	}
	for hi := o.histHead; hi >= 0; {
		next := at(&e.hist, hi).next
		e.hist.free(hi)
		hi = next
	}
	for si := o.shipHead; si >= 0; {
		sh := at(&e.ships, si)
		for i := sh.l0; i < sh.l0+sh.n; i++ {
			e.shipLines.free(i)
		}
		next := sh.next
		e.ships.free(si)
		si = next
	}
	for ri := o.retHead; ri >= 0; {
		rm := at(&e.rmas, ri)
		for i := rm.l0; i < rm.l0+rm.n; i++ {
			e.rmaLines.free(i)
		}
		next := rm.next
		e.rmas.free(ri)
		ri = next
	}
	e.orders.free(oi)
}

// replayTombstone answers a re-submit of an archived order; key is its
// channel order id.
func (e *Engine) replayTombstone(ti int32, key string) {
	t := at(&e.tombs, ti)
	e.emit(&Event{Kind: EvOrderCreated, Duplicate: true, Order: t.id, Channel: t.channel,
		ChannelOrderID: key, Customer: e.custs[t.cust].name, Qty: t.units, Amount: t.value,
		Currency: e.curs.names[t.cur], Status: StatusCreated})
	if t.holds != 0 {
		e.emit(&Event{Kind: EvHeld, Duplicate: true, Order: t.id, Channel: t.channel, Hold: t.holds})
	}
	e.emit(&Event{Kind: EvOrderStatus, Duplicate: true, Order: t.id, Channel: t.channel, Status: t.status})
}

// Archived reports whether order id was placed and has since been archived.
func (e *Engine) Archived(id OrderID) bool {
	return id != 0 && uint64(id) <= uint64(e.orders.len()) && e.liveOrder(int32(id-1)) == nil
}

// LastOrderID returns the highest order id issued (0 before the first):
// ids 1..LastOrderID are each live (Order finds it) or archived.
func (e *Engine) LastOrderID() OrderID { return OrderID(e.orders.len()) }

// ArchiveStats counts what retention holds: orders live and closed (waiting
// for archiving), idempotency tombstones, and the chunks the order arenas
// hold in memory.
type ArchiveStats struct {
	Live, Closed, Archived, Tombstones int64
	OrderChunks, LineChunks            int
}

// ArchiveStats returns the retention counters.
func (e *Engine) ArchiveStats() ArchiveStats {
	s := ArchiveStats{Closed: int64(e.archiveQ.Len()), Tombstones: int64(e.tombs.len() - int(e.tombHead)),
		OrderChunks: e.orders.held(), LineChunks: e.lines.held()}
	for k, ch := range e.orders.chunks {
		if ch != nil {
			s.Live += int64(e.orders.live[k])
		}
	}
	s.Archived = int64(e.orders.len()) - s.Live
	return s
}

// Retention returns the retention rules in force.
func (e *Engine) Retention() Retention { return e.retention }
