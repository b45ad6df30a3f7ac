package book

import (
	"slices"

	"github.com/ordercore/oms/engine/chunk"
)

// order is a live or in-flight trading order. Orders are pooled: an order
// that reaches a terminal state is reset and reused, and its state survives
// only in the events already emitted and in a compact done record.
//
// INVARIANT: Qty == CumQty + Leaves, and Visible <= Leaves. Visible is the
// quantity displayed at the order's level; for an iceberg it is at most the
// display quantity, for any other resting order it equals Leaves.
type order struct {
	id          OrderID
	acct        *account
	inst        *instrument
	clOrdID     string
	origClOrdID string
	side        Side
	typ         OrdType
	tif         TIF
	price       Price
	stopPx      Price
	qty         Qty
	display     Qty
	cum         Qty
	leaves      Qty
	visible     Qty
	cumNotional int64
	expire      int64
	prio        uint64 // time priority, for stop ordering and snapshots
	liveSeq     uint64 // when the order became live: the order of the account and instrument lists
	liveHash    uint64 // its key in the live index: clHash of account and clOrdID
	// clKey holds clOrdID when it is at most clInline bytes long (clKeyN
	// is then its length, otherwise clKeyLong), so that the live index confirms a
	// match in the order's own cache lines rather than in the string's.
	clKey      [clInline]byte
	clKeyN     uint8
	status     OrdStatus
	postOnly   bool
	triggered  bool // a stop order whose trigger was met: it now behaves as a market or limit order
	member     bool // in the live maps, lists and trees
	registered bool // its open quantity and notional count against the account's limits

	lvl          *level
	prev, next   *order // level queue
	aPrev, aNext *order // account's live orders
	iPrev, iNext *order // instrument's live orders
}

// effType is how the order behaves now: a triggered stop is a market order,
// a triggered stop-limit a limit order.
func (o *order) effType() OrdType {
	switch {
	case o.typ == Stop && o.triggered:
		return Market
	case o.typ == StopLimit && o.triggered:
		return Limit
	}
	return o.typ
}

// pendingStop reports whether the order is a stop waiting for its trigger.
func (o *order) pendingStop() bool {
	return (o.typ == Stop || o.typ == StopLimit) && !o.triggered
}

// regPx is the price at which the order's open quantity counts against the
// account's credit: the limit price, or the stop price of an untriggered
// stop-market order.
func (o *order) regPx() Price {
	if o.typ == Stop {
		return o.stopPx
	}
	return o.price
}

func (o *order) state() OrderState {
	var st OrderState
	o.stateTo(&st)
	return st
}

// stateTo writes the order's state into st, every field, in place.
func (o *order) stateTo(st *OrderState) {
	st.ID = o.id
	st.Account = o.acct.spec.ID
	st.Symbol = o.inst.spec.Symbol
	st.ClOrdID = o.clOrdID
	st.OrigClOrdID = o.origClOrdID
	st.Side, st.Type, st.TIF, st.Status, st.PostOnly = o.side, o.typ, o.tif, o.status, o.postOnly
	st.Price, st.StopPrice = o.price, o.stopPx
	st.Qty, st.DisplayQty, st.CumQty, st.LeavesQty = o.qty, o.display, o.cum, o.leaves
	st.CumNotional, st.ExpireTime = o.cumNotional, o.expire
}

// doneOrder is what the engine remembers of a finished order until the end of
// the day: enough to answer a late cancel with "too late" and a status query.
// It holds no pointers (indexes into the engine's account and instrument
// lists, and its client order id in the done log's key arena), so that the
// garbage collector never scans the day's finished orders, however many.
type doneOrder struct {
	id          OrderID
	acct, inst  int32
	key         arenaKey // client order id
	side        Side
	typ         OrdType
	tif         TIF
	status      OrdStatus
	price       Price
	qty         Qty
	cum         Qty
	cumNotional int64
}

// doneState returns a finished order's state.
func (e *Engine) doneState(d *doneOrder) OrderState {
	st := e.doneStateNoKey(d)
	st.ClOrdID = e.done.keys.get(d.key)
	return st
}

// doneStateNoKey is doneState without the client order id, which would be
// copied out of the key arena (an allocation) for a caller that replaces it.
func (e *Engine) doneStateNoKey(d *doneOrder) OrderState {
	return OrderState{
		ID: d.id, Account: e.acctList[d.acct].spec.ID, Symbol: e.instList[d.inst].spec.Symbol,
		Side: d.side, Type: d.typ, TIF: d.tif, Price: d.price, Qty: d.qty,
		CumQty: d.cum, CumNotional: d.cumNotional, Status: d.status,
	}
}

// doneLog holds the day's finished orders. Order ids are sequential, so the
// orders created since the log's base are a dense sequence indexed by id; the
// few older ones (GTC orders from earlier days) go to a map. The sequence is
// chunked, so a busy day's log grows without ever being copied.
type doneLog struct {
	base  OrderID
	recs  chunk.Seq[doneOrder] // id-base; status 0 means not finished
	older map[OrderID]doneOrder
	keys  keyArena // the records' client order ids
}

func (d *doneLog) put(r doneOrder) {
	if r.id < d.base {
		d.older[r.id] = r
		return
	}
	i := int(r.id - d.base)
	if i >= d.recs.Len() {
		d.recs.Grow(i + 1)
	}
	*d.recs.At(i) = r
}

func (d *doneLog) get(id OrderID) (*doneOrder, bool) {
	if id < d.base {
		r, ok := d.older[id]
		return &r, ok
	}
	if i := int(id - d.base); i < d.recs.Len() {
		if r := d.recs.At(i); r.status != 0 {
			return r, true
		}
	}
	return nil, false
}

// reset forgets every record; ids from next on are dense again.
func (d *doneLog) reset(next OrderID) {
	d.base = next
	d.recs.Reset()
	clear(d.older)
	d.keys.reset()
}

// each visits the records in id order.
func (d *doneLog) each(fn func(r *doneOrder)) {
	ids := make([]OrderID, 0, len(d.older))
	for id := range d.older {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		r := d.older[id]
		fn(&r)
	}
	for i := range d.recs.Len() {
		if r := d.recs.At(i); r.status != 0 {
			fn(r)
		}
	}
}

// keyArena stores short strings (client order ids, at most MaxIDLen bytes)
// in 64 KiB chunks that are never copied or scanned by the garbage
// collector (one pointer per chunk).
type keyArena struct{ chunks [][]byte }

// arenaKey locates a string in a keyArena: chunk<<24 | offset<<8 | length.
type arenaKey uint64

const keyArenaChunk = 1 << 16

func (a *keyArena) put(s string) arenaKey { return arenaPut(a, s) }

// arenaPut appends s (a string or bytes, at most 255 bytes) to the arena.
func arenaPut[S ~string | ~[]byte](a *keyArena, s S) arenaKey {
	n := len(a.chunks)
	// >=: an offset must stay below keyArenaChunk, even for an empty string.
	if n == 0 || len(a.chunks[n-1])+len(s) >= keyArenaChunk {
		a.chunks = append(a.chunks, make([]byte, 0, keyArenaChunk))
		n++
	}
	c := &a.chunks[n-1]
	off := len(*c)
	*c = append(*c, s...)
	return arenaKey(uint64(n-1)<<24 | uint64(off)<<8 | uint64(len(s)))
}

// bytes returns the string at k; the slice aliases the arena.
func (a *keyArena) bytes(k arenaKey) []byte {
	off := int(k>>8) & (keyArenaChunk - 1)
	return a.chunks[k>>24][off : off+int(k&0xff)]
}

func (a *keyArena) get(k arenaKey) string { return string(a.bytes(k)) }

// reset forgets every string, keeping the first chunk for reuse.
func (a *keyArena) reset() {
	if len(a.chunks) > 0 {
		clear(a.chunks[1:])
		a.chunks = a.chunks[:1]
		a.chunks[0] = a.chunks[0][:0]
	}
}

// orderPool recycles orders so that steady-state trading allocates nothing.
type orderPool struct {
	free []*order
}

func (p *orderPool) get() *order {
	if n := len(p.free); n > 0 {
		o := p.free[n-1]
		p.free = p.free[:n-1]
		return o
	}
	return new(order)
}

func (p *orderPool) put(o *order) {
	*o = order{}
	p.free = append(p.free, o)
}
