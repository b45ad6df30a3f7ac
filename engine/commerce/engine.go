package commerce

import (
	"strconv"

	"github.com/tidwall/btree"
)

// Limits that keep every sum exact in int64.
const (
	// MaxQty bounds any single quantity and any on-hand count.
	MaxQty Qty = 1 << 40
	// MaxMoney bounds a unit price, a cost and a credit limit.
	MaxMoney Money = 1 << 40
	// MaxLines bounds the lines of one order.
	MaxLines = 100
	// defaultReturnWindow applies when the rules leave the window zero.
	defaultReturnWindow = 30 * Day
	// MaxReservationTTL bounds a reservation's time to live. A reservation
	// holds stock from every channel without an order behind it: a cart at
	// checkout needs minutes, a store or B2B quote hold days. Longer holds
	// are stock taken off sale by a forgotten or buggy client (the bound
	// also keeps an expiry from overflowing); an order, or a new
	// reservation when this one expires, is the way to keep stock longer.
	MaxReservationTTL = 30 * Day
)

// location is a location's definition plus its day's capacity use.
//
// INVARIANT: cosLat == cosDeg(def.At.Lat) (set with def by setDef).
type location struct {
	def     Location
	capDay  int64 // the capacity day capUsed counts (now / Day)
	capUsed int32
	// cosLat is for kmAtLeastFrom, which sourcing calls per candidate. It
	// fits in capUsed's padding (cosDeg <= 1<<16): the record is one cache
	// line, 64 bytes (TestLocationLayout).
	cosLat int32
}

// setDef sets the location's definition.
func (l *location) setDef(d Location) {
	l.def = d
	l.cosLat = int32(cosDeg(d.At.Lat))
}

// inbound is expected supply at one SKU and location.
type inbound struct {
	qty  Qty
	date int64
}

// cell is one SKU at one location.
//
// INVARIANT: 0 <= allocated, 0 <= reserved, allocated+reserved <= onHand,
// 0 <= safety, every inbound qty > 0 and inbound is sorted by date.
// INVARIANT: allocated equals the sum of the open quantities of the orders'
// allocations at this SKU and location; reserved equals the sum of the
// active reservations.
type cell struct {
	locID     LocationID
	loc       int32 // index in Engine.locs
	onHand    Qty
	allocated Qty
	reserved  Qty
	safety    Qty
	version   uint64
	// inb is 1 + the index of the cell's inbound list in Engine.inbounds,
	// or 0: the list lives outside the cell to keep cells at one cache line.
	inb int32
}

func (c *cell) atp() Qty {
	a := c.net()
	if a < 0 {
		return 0
	}
	return a
}

// net is the ATP before clamping: negative when safety stock is not
// covered. Arriving units make up that deficit before they are available
// (future ATP and promising add inbound to net, not to atp).
func (c *cell) net() Qty {
	return c.onHand - c.allocated - c.reserved - c.safety
}

// inbound returns the cell's expected supply, sorted by date.
func (e *Engine) inbound(c *cell) []inbound {
	if c.inb == 0 {
		return nil
	}
	return e.inbounds[c.inb-1]
}

// setInbound stores the cell's expected supply.
func (e *Engine) setInbound(c *cell, list []inbound) {
	if c.inb == 0 {
		e.inbounds = append(e.inbounds, nil)
		c.inb = int32(len(e.inbounds))
	}
	e.inbounds[c.inb-1] = list
}

func (e *Engine) inboundTotal(c *cell) Qty {
	var t Qty
	for _, in := range e.inbound(c) {
		t += in.qty
	}
	return t
}

// boEntry is one backordered line in its SKU's queue.
type boEntry struct {
	priority uint8
	// pickup is the order's pickup store (-1 for a shipped order), copied
	// here so that a fill skips the entries a location cannot serve without
	// touching their orders.
	pickup int32
	at     int64
	order  int32 // index in Engine.orders
	line   int32 // index in Engine.lines
}

// compare orders entries as less does.
func (a boEntry) compare(b boEntry) int {
	switch {
	case a.less(b):
		return -1
	case b.less(a):
		return 1
	}
	return 0
}

func (a boEntry) less(b boEntry) bool {
	if a.priority != b.priority {
		return a.priority < b.priority
	}
	if a.at != b.at {
		return a.at < b.at
	}
	return a.order < b.order || a.order == b.order && a.line < b.line
}

// hotCell is the part of a cell that sourcing and the network ATP scan:
// the location and the ATP. A SKU's hot cells are a dense array of 16-byte
// records beside its cells, so a scan over a SKU's locations reads three
// cache lines rather than one per location.
type hotCell struct {
	loc int32 // index in Engine.locs
	atp Qty   // cells[i].atp()
}

// skuState is one SKU: its cells sorted by location id, their hot mirror,
// and a reference to its backorder queue (backorder.go), which lives
// outside the record to keep placement's reads of it short. (The hot
// headers stay in the SKU record: placement reads the record anyway for the
// cells and the name, so a separate header array only added a cache miss.)
//
// INVARIANT: len(hot) == len(cells) and hot[i] == {cells[i].loc,
// cells[i].atp()}: every change of a cell's levels calls cellChanged.
type skuState struct {
	hot   []hotCell
	cells []cell
	name  SKU
	bo    int32 // 1 + the index of the SKU's backorder queue in Engine.boQueues, or 0
}

type resState uint8

const (
	resActive resState = iota + 1
	resReleased
	resExpired
	resConsumed
)

// reservation is a hold of qty units of a SKU at a location.
//
// channel is the channel that took it (zero: an administrator, or a
// journal from before reservations had owners); only that channel, or an
// administrator, may release it, and only that channel's orders may
// consume it. To any other channel it does not exist.
type reservation struct {
	sku     int32
	loc     int32
	qty     Qty
	expires int64
	state   resState
	channel Channel
}

type resKey struct {
	expires int64
	id      ReservationID
}

type customer struct {
	name       string
	defined    bool
	b2b        bool
	limit      Money
	exposure   Money // value of the customer's open (ordered, not cancelled, not delivered) units
	head, tail int32 // the customer's orders, linked through Engine.links
}

type chanStats struct {
	orders, lines, splitOrders, backorderedOrders int64
	units, unitsAllocated, unitsShipped           int64 // unitsAllocated: at placement
	unitsReturned                                 int64 // received back
}

// Engine is the commerce state machine. It is not safe for concurrent use.
type Engine struct {
	locs    []location
	locByID map[LocationID]int32

	skus     []skuState
	skuIdx   strIndex // SKU name -> index in skus (strindex.go)
	hotRef   []hotRef // by SKU: where its hot cells are (hotarena.go)
	hotArena hotArena

	orders    chunked[order]
	links     chunked[orderLink] // parallel to orders
	lines     chunked[line]
	allocs    chunked[alloc]
	ships     chunked[shipment] // by id-1
	shipLines chunked[shipLine]
	rmas      chunked[rma] // by id-1
	rmaLines  chunked[rmaLine]
	hist      chunked[histRec]

	inbounds [][]inbound // referenced by cell.inb
	boQueues []boQueue   // referenced by skuState.bo

	// Cells whose stock capacity kept from the backorder queue (capwait.go).
	// INVARIANT: capWait is sorted by compareCapWaiters, without
	// duplicates; capRollAt == nextCapRoll() (noCapRoll when empty).
	capWait   []capWaiter
	capRollAt int64
	capDue    []capWaiter // retryCapacity's scratch

	res    []reservation // by id-1
	expiry *btree.BTreeG[resKey]

	idem      idemIndex // (channel, channel order id) -> order index (idem.go)
	curs      currencies
	custs     []customer
	custByKey map[string]int32
	chanHead  [channelCount]int32
	chanTail  [channelCount]int32
	stats     [channelCount]chanStats

	rules          HoldRules
	nextFulfilment FulfilmentID

	// Retention (retention.go): closed live orders by due time, and the
	// tombstones of archived orders from tombHead on, in archiving order.
	// idem maps a tombstone's key to -(its index)-1.
	retention Retention
	archiveQ  *btree.BTreeG[archKey]
	tombs     chunked[tombstone]
	tombHead  int32
	// reqs holds the request ids of keyed commands within the dedup
	// window (reqid.go).
	reqs requests

	// per Apply
	now int64
	out []Event

	src     sourcer // scratch, reused across placements
	touched []cellRef
	// allocScratch is coverShortfall's list of one order's allocations.
	allocScratch []int32
	// boNew lists the SKUs the command gave new backorders that stock at
	// another location may fill (offerNewBackorders), in the order noted.
	boNew []int32
	// unpaidLines is sourceUnpaid's map from sourcing request to line.
	unpaidLines []int32
	// pickupScratch is pickupAll's list of lines.
	pickupScratch []LineInput
}

// New returns an empty commerce engine.
func New() *Engine {
	e := &Engine{
		locByID:   make(map[LocationID]int32),
		custByKey: make(map[string]int32),
		expiry: btree.NewBTreeGOptions(func(a, b resKey) bool {
			return a.expires < b.expires || a.expires == b.expires && a.id < b.id
		}, btree.Options{NoLocks: true}),
		archiveQ:  newArchiveQueue(),
		capRollAt: noCapRoll,
	}
	for i := range e.chanHead {
		e.chanHead[i], e.chanTail[i] = -1, -1
	}
	return e
}

// Apply applies one command at time now and appends its events to out. It
// never fails: a command it cannot carry out yields one EvRejected event and
// changes no state.
func (e *Engine) Apply(c *Command, now int64, out []Event) []Event {
	e.now, e.out = now, out
	if c.RequestID != "" && keyed(c.Kind) {
		e.applyKeyed(c) // reqid.go
	} else {
		e.dispatch(c)
	}
	out = e.out
	e.out = nil
	e.afterCommand()
	return out
}

// dispatch carries out c.
func (e *Engine) dispatch(c *Command) {
	switch c.Kind {
	case CmdSetLocation:
		e.setLocation(c)
	case CmdSetStock:
		e.setStock(c)
	case CmdAdjustStock:
		e.adjustStock(c)
	case CmdSetSafetyStock:
		e.setSafety(c)
	case CmdAddInbound:
		e.addInbound(c)
	case CmdReceive:
		e.receive(c)
	case CmdReserve:
		e.reserve(c)
	case CmdReleaseReservation:
		e.releaseReservation(c)
	case CmdPlaceOrder:
		e.placeOrder(c)
	case CmdReleaseHold:
		e.releaseHold(c)
	case CmdRelease:
		e.release(c)
	case CmdShip:
		e.ship(c)
	case CmdDeliver:
		e.deliver(c)
	case CmdCancel:
		e.cancel(c)
	case CmdAuthoriseReturn:
		e.authoriseReturn(c)
	case CmdReceiveReturn:
		e.receiveReturn(c)
	case CmdSetRules:
		e.setRules(c)
	case CmdSetCustomer:
		e.setCustomer(c)
	case CmdSetPayment:
		e.setPayment(c)
	case CmdSetRetention:
		e.setRetention(c)
	case CmdReadyForPickup:
		e.readyForPickup(c)
	case CmdPickedUp:
		e.pickedUp(c)
	default:
		e.reject(c.Kind, ReasonInvalidCommand, "kind", 0)
	}
}

// Tick advances time to now: cells waiting for a location's capacity are
// offered to their backorders once it has capacity again (capwait.go);
// reservations whose expiry is at or before now expire, and their stock
// goes to backorders; closed orders that are due are archived
// (retention.go).
func (e *Engine) Tick(now int64, out []Event) []Event {
	e.now, e.out = now, out
	e.rollCapacity()
	for {
		k, ok := e.expiry.Min()
		if !ok || k.expires > now {
			break
		}
		e.expiry.Delete(k)
		r := &e.res[k.id-1]
		r.state = resExpired
		s := &e.skus[r.sku]
		ci := e.cellIndex(r.sku, e.locs[r.loc].def.ID)
		s.cells[ci].reserved -= r.qty
		e.cellChanged(r.sku, ci)
		e.emit(&Event{Kind: EvReservationExpired, Reservation: k.id, SKU: s.name,
			Loc: e.locs[r.loc].def.ID, Qty: r.qty, Expires: r.expires, Channel: r.channel})
		e.emitStock(r.sku, ci, 0, 0)
		e.fillBackorders(r.sku, ci)
	}
	e.sweep()
	out = e.out
	e.out = nil
	e.afterCommand()
	return out
}

// emit appends ev and records it in its order's history. An event about
// an order carries the order's channel (see Event.Channel), a replayed one
// (Duplicate) too, though it is not recorded again.
func (e *Engine) emit(ev *Event) {
	if ev.Order != 0 && ev.Kind != EvRejected {
		if ev.Channel == 0 { // a replay of an archived order's placement sets its own
			ev.Channel = at(&e.orders, ev.Order-1).channel
		}
		if !ev.Duplicate {
			e.record(ev)
		}
	}
	e.out = append(e.out, *ev)
}

// push appends a zero event of kind k and returns it to be filled in place,
// which saves building the event and copying it (events are large). The
// caller fills it and then calls pushed. REQUIRES: nothing else is appended
// to the output in between (the pointer would go stale).
func (e *Engine) push(k EventKind) *Event {
	if n := len(e.out); n < cap(e.out) {
		e.out = e.out[:n+1]
		ev := &e.out[n]
		*ev = Event{Kind: k}
		return ev
	}
	e.out = append(e.out, Event{Kind: k})
	return &e.out[len(e.out)-1]
}

// pushed records a pushed event in its order's history, and sets the
// channel of an event about an order.
func (e *Engine) pushed(ev *Event) {
	if ev.Order != 0 {
		if ev.Channel == 0 {
			ev.Channel = at(&e.orders, ev.Order-1).channel
		}
		if !ev.Duplicate {
			e.record(ev)
		}
	}
}

func (e *Engine) reject(k CmdKind, r Reason, field string, line uint32) {
	e.out = append(e.out, Event{Kind: EvRejected, Cmd: k, Reason: r, Field: field, Line: line})
}

// level returns the stock levels of one cell.
func (e *Engine) level(sku int32, ci int) StockLevel {
	c := &e.skus[sku].cells[ci]
	return StockLevel{OnHand: c.onHand, Allocated: c.allocated, Reserved: c.reserved,
		Safety: c.safety, Inbound: e.inboundTotal(c), ATP: c.atp(), NetworkATP: e.networkATP(sku)}
}

// networkATP sums ATP over the SKU's active locations.
func (e *Engine) networkATP(sku int32) Qty {
	var t Qty
	for _, h := range e.skus[sku].hot {
		if e.locs[h.loc].def.Active {
			t += h.atp
		}
	}
	return t
}

// cellChanged refreshes the hot mirror of a cell after a change of its
// levels.
func (e *Engine) cellChanged(sku int32, ci int) {
	s := &e.skus[sku]
	s.hot[ci].atp = s.cells[ci].atp()
}

func (e *Engine) emitStock(sku int32, ci int, delta Qty, why AdjustReason) {
	s := &e.skus[sku]
	level := e.level(sku, ci)
	ev := e.push(EvStock)
	ev.SKU, ev.Loc, ev.Qty, ev.Adjust, ev.Stock = s.name, s.cells[ci].locID, delta, why, level
}

// cellIndex returns the index of (sku, loc) in the SKU's cells, or -1.
func (e *Engine) cellIndex(sku int32, loc LocationID) int {
	cells := e.skus[sku].cells
	lo, hi := 0, len(cells)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if cells[m].locID < loc {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(cells) && cells[lo].locID == loc {
		return lo
	}
	return -1
}

// ensureCell returns the cell of (sku, loc), creating the SKU and the cell.
// REQUIRES: loc is known.
func (e *Engine) ensureCell(name SKU, loc int32) (int32, int) {
	sku, ok := e.skuIndex(name)
	ci := -1
	if !ok {
		sku = -1
	} else {
		ci = e.cellIndex(sku, e.locs[loc].def.ID)
	}
	return e.ensureCellOf(name, sku, ci, loc)
}

// ensureCellOf is ensureCell for a caller that has looked the SKU and the
// cell up already: sku is the SKU's index (-1: unknown, created as name)
// and ci the cell's (-1: not there yet).
// REQUIRES: loc is known; sku and ci are what the lookups returned.
func (e *Engine) ensureCellOf(name SKU, sku int32, ci int, loc int32) (int32, int) {
	if ci >= 0 {
		return sku, ci
	}
	if sku < 0 {
		sku = e.addSKU(name)
	}
	id := e.locs[loc].def.ID
	s := &e.skus[sku]
	ci = len(s.cells)
	for ci > 0 && s.cells[ci-1].locID > id {
		ci--
	}
	s.cells = append(s.cells, cell{})
	copy(s.cells[ci+1:], s.cells[ci:])
	s.cells[ci] = cell{locID: id, loc: loc}
	s.hot = e.growHot(sku)
	copy(s.hot[ci+1:], s.hot[ci:])
	s.hot[ci] = hotCell{loc: loc}
	return sku, ci
}

// capacityLeft reports whether a location can take one more shipment today.
func (e *Engine) capacityLeft(loc int32) bool {
	l := &e.locs[loc]
	if l.def.Capacity == 0 {
		return true
	}
	if l.capDay != e.now/Day {
		return true
	}
	return l.capUsed < l.def.Capacity
}

// useCapacity counts one shipment against today's capacity.
// REQUIRES: capacityLeft(loc) (sourcing and fills check it first).
func (e *Engine) useCapacity(loc int32) {
	if checking && !e.capacityLeft(loc) {
		panic("commerce: invariant broken: a shipment over the capacity of location " + strconv.FormatInt(int64(e.locs[loc].def.ID), 10))
	}
	l := &e.locs[loc]
	if d := e.now / Day; l.capDay != d {
		l.capDay, l.capUsed = d, 0
	}
	l.capUsed++
}
