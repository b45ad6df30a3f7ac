package book

import (
	"errors"
	"fmt"

	"github.com/ordercore/oms/engine/wire"
)

// errSnapshot marks a snapshot that decodes but does not describe a valid
// state (a dangling reference, a duplicate id).
var errSnapshot = errors.New("book: inconsistent snapshot")

// Layouts of the book's snapshot. The book writes no version of its own:
// the enclosing snapshot's version says which layout follows (see
// engine.Engine.Restore), and RestoreVersion reads every one ever written.
const (
	// SnapshotV1: counters, instruments, accounts, live orders and levels,
	// the day's client order ids, the finished orders.
	SnapshotV1 byte = 1
	// SnapshotV2 adds the mass-cancel counter and each account's
	// remembered mass cancels (massLog). A version 1 snapshot restores
	// with none remembered (its engine kept none) and the counter at 1.
	SnapshotV2 byte = 2
	// SnapshotVersion is the layout Snapshot writes.
	SnapshotVersion = SnapshotV2
)

// Snapshot writes the canonical state, in layout SnapshotVersion: everything that influences future
// events, in an order that depends only on the state. Derived values (open
// quantities and notional, the stop and expiry trees, the price maps) are not
// written; Restore recomputes them.
func (e *Engine) Snapshot(w *wire.Writer) {
	w.Uvarint(uint64(e.nextOrderID))
	w.Uvarint(uint64(e.nextExecID))
	w.Uvarint(e.nextTradeID)
	w.Uvarint(e.nextPrio)
	w.Uvarint(e.nextLive)
	w.Varint(e.now)

	w.Uvarint(uint64(len(e.instList)))
	for _, in := range e.instList {
		encodeInstrument(w, &in.spec)
		w.Bool(in.hasLast)
		w.Varint(int64(in.last))
	}
	w.Uvarint(uint64(len(e.acctList)))
	for _, a := range e.acctList {
		encodeAccount(w, &a.spec)
		w.Varint(int64(a.dayBuyNotional))
		w.Uvarint(uint64(len(a.pos)))
		for _, p := range a.pos {
			w.Varint(int64(p.net))
			w.Varint(int64(p.bought))
			w.Varint(int64(p.sold))
			w.Varint(p.buyNotional)
			w.Varint(p.sellNotional)
		}
	}

	live := make([]*order, 0, e.orders.len())
	for _, in := range e.instList {
		for o := in.head; o != nil; o = o.iNext {
			live = append(live, o)
		}
	}
	sortByLive(live)
	w.Uvarint(uint64(len(live)))
	for _, o := range live {
		encodeOrder(w, o)
	}
	for _, in := range e.instList {
		for _, s := range []*bookSide{in.bids, in.asks} {
			w.Uvarint(uint64(s.levels()))
			s.scan(func(l *level) bool {
				w.Varint(int64(l.price))
				w.Uvarint(uint64(l.count))
				for o := l.head; o != nil; o = o.next {
					w.Uvarint(uint64(o.id))
				}
				return true
			})
		}
	}

	w.Uvarint(uint64(e.clOrd.len()))
	e.clOrd.each(func(acct int, key []byte, id OrderID) {
		w.Uvarint(uint64(acct))
		w.Raw(key) // the same bytes as String
		w.Uvarint(uint64(id))
	})

	n := 0
	e.done.each(func(*doneOrder) { n++ })
	w.Uvarint(uint64(n))
	e.done.each(func(d *doneOrder) {
		w.Uvarint(uint64(d.id))
		w.Uvarint(uint64(d.acct))
		w.Uvarint(uint64(d.inst))
		w.Raw(e.done.keys.bytes(d.key)) // the encoding of String
		w.Byte(byte(d.side))
		w.Byte(byte(d.typ))
		w.Byte(byte(d.tif))
		w.Varint(int64(d.price))
		w.Varint(int64(d.qty))
		w.Varint(int64(d.cum))
		w.Varint(d.cumNotional)
		w.Byte(byte(d.status))
	})

	w.Uvarint(uint64(e.nextMass))
	for _, a := range e.acctList {
		w.Uvarint(uint64(a.masses.len()))
		a.masses.each(func(m *massRecord) {
			w.Uvarint(uint64(m.id))
			w.String(m.clOrdID)
			w.String(m.symbol)
			w.Uvarint(uint64(m.count))
			w.Varint(m.time)
		})
	}
}

func encodeOrder(w *wire.Writer, o *order) {
	w.Uvarint(uint64(o.id))
	w.Uvarint(uint64(o.acct.idx))
	w.Uvarint(uint64(o.inst.idx))
	w.String(o.clOrdID)
	w.String(o.origClOrdID)
	w.Byte(byte(o.side))
	w.Byte(byte(o.typ))
	w.Byte(byte(o.tif))
	w.Varint(int64(o.price))
	w.Varint(int64(o.stopPx))
	w.Varint(int64(o.qty))
	w.Varint(int64(o.display))
	w.Varint(int64(o.cum))
	w.Varint(int64(o.leaves))
	w.Varint(int64(o.visible))
	w.Varint(o.cumNotional)
	w.Varint(o.expire)
	w.Uvarint(o.prio)
	w.Uvarint(o.liveSeq)
	w.Byte(byte(o.status))
	w.Bool(o.postOnly)
	w.Bool(o.triggered)
}

// Restore replaces the state with a snapshot written by Snapshot. On error
// the engine must be discarded.
func (e *Engine) Restore(r *wire.Reader) error { return e.RestoreVersion(r, SnapshotVersion) }

// RestoreVersion is Restore for a snapshot in layout v (SnapshotV1 or
// later): what Snapshot wrote when v was its version.
func (e *Engine) RestoreVersion(r *wire.Reader, v byte) error {
	*e = *New()
	if v < SnapshotV1 || v > SnapshotVersion {
		r.Fail(fmt.Errorf("%w: book snapshot layout %d, want %d to %d", errSnapshot, v, SnapshotV1, SnapshotVersion))
		return r.Err()
	}
	e.nextOrderID = OrderID(r.Uvarint())
	e.nextExecID = ExecID(r.Uvarint())
	e.nextTradeID = r.Uvarint()
	e.nextPrio = r.Uvarint()
	e.nextLive = r.Uvarint()
	e.now = r.Varint()

	for i, n := 0, r.Count(); i < n && r.Err() == nil; i++ {
		var spec Instrument
		decodeInstrument(r, &spec)
		in := newInstrument(spec, i)
		in.hasLast = r.Bool()
		in.last = Price(r.Varint())
		in.hi, in.lo = in.last, in.last
		if !validInstrument(&spec) || e.instruments[spec.Symbol] != nil {
			r.Fail(fmt.Errorf("%w: instrument %q", errSnapshot, spec.Symbol))
		}
		e.instruments[spec.Symbol] = in
		e.instList = append(e.instList, in)
	}
	for i, n := 0, r.Count(); i < n && r.Err() == nil; i++ {
		var spec Account
		decodeAccount(r, &spec)
		a := &account{spec: spec, idx: i, dayBuyNotional: Money(r.Varint())}
		if e.accounts[spec.ID] != nil {
			r.Fail(fmt.Errorf("%w: duplicate account %q", errSnapshot, spec.ID))
		}
		np := r.Count()
		if np > len(e.instList) {
			r.Fail(fmt.Errorf("%w: account %q has %d positions", errSnapshot, spec.ID, np))
			np = 0
		}
		a.pos = make([]position, np)
		for j := range a.pos {
			p := &a.pos[j]
			p.net, p.bought, p.sold = Qty(r.Varint()), Qty(r.Varint()), Qty(r.Varint())
			p.buyNotional, p.sellNotional = r.Varint(), r.Varint()
		}
		e.accounts[spec.ID] = a
		e.acctList = append(e.acctList, a)
	}
	e.restoreOrders(r)
	e.restoreIndexes(r)
	if v >= SnapshotV2 {
		e.restoreMasses(r)
	}
	return r.Err()
}

// restoreMasses reads the mass-cancel counter and each account's
// remembered mass cancels, oldest first.
func (e *Engine) restoreMasses(r *wire.Reader) {
	e.nextMass = MassCancelID(r.Uvarint())
	for _, a := range e.acctList {
		n := r.Count()
		if n > MaxMassCancelIDs {
			r.Fail(fmt.Errorf("%w: account %q remembers %d mass cancels", errSnapshot, a.spec.ID, n))
			return
		}
		for i := 0; i < n && r.Err() == nil; i++ {
			m := massRecord{id: MassCancelID(r.Uvarint()), clOrdID: r.String(), symbol: r.String()}
			m.count, m.time = int(r.Uvarint()), r.Varint()
			if r.Err() != nil {
				return
			}
			if _, dup := a.masses.get(m.clOrdID); dup || !validClOrdID(m.clOrdID) || m.id == 0 || m.id >= e.nextMass ||
				(m.symbol != "" && e.instruments[m.symbol] == nil) {
				r.Fail(fmt.Errorf("%w: mass cancel %q of account %q", errSnapshot, m.clOrdID, a.spec.ID))
				return
			}
			if in := e.instruments[m.symbol]; in != nil {
				m.symbol = in.spec.Symbol // shared with the definition
			}
			if a.masses == nil {
				a.masses = &massLog{}
			}
			a.masses.add(m)
		}
	}
}

func (e *Engine) acctAt(r *wire.Reader) *account {
	i := r.Uvarint()
	if i >= uint64(len(e.acctList)) {
		r.Fail(fmt.Errorf("%w: account index %d", errSnapshot, i))
		return nil
	}
	return e.acctList[i]
}

func (e *Engine) instAt(r *wire.Reader) *instrument {
	i := r.Uvarint()
	if i >= uint64(len(e.instList)) {
		r.Fail(fmt.Errorf("%w: instrument index %d", errSnapshot, i))
		return nil
	}
	return e.instList[i]
}

func (e *Engine) restoreOrders(r *wire.Reader) {
	n := r.Count()
	for i := 0; i < n && r.Err() == nil; i++ {
		o := &order{id: OrderID(r.Uvarint())}
		o.acct, o.inst = e.acctAt(r), e.instAt(r)
		o.clOrdID, o.origClOrdID = r.String(), r.String()
		o.side, o.typ, o.tif = Side(r.Byte()), OrdType(r.Byte()), TIF(r.Byte())
		o.price, o.stopPx = Price(r.Varint()), Price(r.Varint())
		o.qty, o.display, o.cum = Qty(r.Varint()), Qty(r.Varint()), Qty(r.Varint())
		o.leaves, o.visible = Qty(r.Varint()), Qty(r.Varint())
		o.cumNotional, o.expire = r.Varint(), r.Varint()
		o.prio, o.liveSeq = r.Uvarint(), r.Uvarint()
		o.status = OrdStatus(r.Byte())
		o.postOnly, o.triggered = r.Bool(), r.Bool()
		if r.Err() != nil {
			return
		}
		if e.orders.get(o.id) != nil || o.leaves <= 0 || o.cum+o.leaves != o.qty || (o.side != Buy && o.side != Sell) {
			r.Fail(fmt.Errorf("%w: order %d", errSnapshot, o.id))
			return
		}
		// Re-link in liveSeq order without assigning a new sequence.
		seq, next := o.liveSeq, e.nextLive
		o.liveHash = clHash(o.acct.idx, o.clOrdID)
		e.makeLive(o)
		o.liveSeq, e.nextLive = seq, next
		if o.pendingStop() {
			e.register(o)
			e.addStop(o)
		}
	}
	for _, in := range e.instList {
		for _, s := range []*bookSide{in.bids, in.asks} {
			for nl, j := r.Count(), 0; j < nl && r.Err() == nil; j++ {
				l := s.getOrCreate(Price(r.Varint()))
				for no, k := r.Count(), 0; k < no && r.Err() == nil; k++ {
					o := e.orders.get(OrderID(r.Uvarint()))
					if o == nil || o.inst != in || o.side != s.side || o.lvl != nil || o.pendingStop() || o.price != l.price {
						r.Fail(fmt.Errorf("%w: level %d of %s", errSnapshot, l.price, in.spec.Symbol))
						return
					}
					l.push(o)
					e.register(o)
				}
				if l.count == 0 {
					r.Fail(fmt.Errorf("%w: empty level %d of %s", errSnapshot, l.price, in.spec.Symbol))
				}
			}
		}
	}
}

func (e *Engine) restoreIndexes(r *wire.Reader) {
	n := r.Count()
	e.clOrd.reserve(n)
	for i := 0; i < n && r.Err() == nil; i++ {
		acct, key, id := r.Uvarint(), r.String(), OrderID(r.Uvarint())
		if acct >= uint64(len(e.acctList)) || (r.Err() == nil && !e.clOrd.add(int(acct), key, id)) {
			r.Fail(fmt.Errorf("%w: client order id %q of account %d", errSnapshot, key, acct))
		}
	}
	e.done.reset(e.nextOrderID)
	var done []doneOrder
	for n, i := r.Count(), 0; i < n && r.Err() == nil; i++ {
		d := doneOrder{id: OrderID(r.Uvarint())}
		if a, in := e.acctAt(r), e.instAt(r); a != nil && in != nil {
			d.acct, d.inst = int32(a.idx), int32(in.idx)
		}
		if key := r.Raw(); len(key) <= MaxIDLen {
			d.key = arenaPut(&e.done.keys, key) // copies: Raw aliases the snapshot
		} else {
			r.Fail(fmt.Errorf("%w: finished order %d: client order id of %d bytes", errSnapshot, d.id, len(key)))
		}
		d.side, d.typ, d.tif = Side(r.Byte()), OrdType(r.Byte()), TIF(r.Byte())
		d.price, d.qty, d.cum = Price(r.Varint()), Qty(r.Varint()), Qty(r.Varint())
		d.cumNotional = r.Varint()
		d.status = OrdStatus(r.Byte())
		if r.Err() == nil && d.status.Terminal() && d.id < e.nextOrderID &&
			(len(done) == 0 || d.id > done[len(done)-1].id) {
			done = append(done, d)
		} else {
			r.Fail(fmt.Errorf("%w: finished order %d", errSnapshot, d.id))
		}
	}
	e.done.base = denseBase(done, e.nextOrderID)
	for i := range done {
		e.done.put(done[i])
	}
	e.orders.each(func(o *order) {
		if r.Err() == nil && !o.pendingStop() && o.lvl == nil {
			r.Fail(fmt.Errorf("%w: live order %d neither resting nor a pending stop", errSnapshot, o.id))
		}
	})
}

// denseBase picks where a restored done log's dense part starts. The
// snapshot lists finished orders by id (ascending) but not where the day
// began; any base is correct (older ids go to a map), so take the lowest id
// from which the ids are dense enough that the dense part holds at most 4
// slots per finished order: the day's orders go there, not into the map,
// and an old GTC order does not stretch the dense part back to its id.
func denseBase(done []doneOrder, next OrderID) OrderID {
	for j := range done {
		if uint64(next-done[j].id) <= 4*uint64(len(done)-j) {
			return done[j].id
		}
	}
	return next
}
