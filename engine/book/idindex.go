package book

import "math/bits"

// idIndex maps the id of every live order to the order.
//
// It replaces a Go map, whose assignment and deletion on every order that
// rests, trades out or is cancelled cost more than the rest of the
// bookkeeping around them. Open addressing with linear probing on a
// Fibonacci hash of the id (ids are sequential: the multiplication spreads
// them, so that runs stay short), and backward-shift deletion, so that no
// tombstones build up as orders come and go.
//
// The table grows incrementally, as the Go map it replaced did: doubling
// in one step rehashed every live order inside one command, and with the
// first touch of the new array's pages that stalled the engine goroutine
// for tens to hundreds of milliseconds at each new high of live orders.
// While old is set, entries move from it a few slots per put; old takes no
// insertions and marks what left it (moved or deleted) with a tombstone, so
// that its probe runs stay intact until it is dropped.
//
// INVARIANT: every live order appears exactly once, in a slot of slots or
// of old holding its id; len(slots) is zero or a power of two, shift is
// 64 - log2(len(slots)), and n <= len(slots)/2. Slots of old before next
// hold no live entry.
type idIndex struct {
	slots []idSlot
	shift uint8
	n     int // live orders, in both tables

	old      []idSlot // the table being emptied into slots, or nil
	oldShift uint8
	next     int // the next slot of old to move
}

type idSlot struct {
	id OrderID // with o nil: 0 empty, tombstone a slot of old vacated
	o  *order
}

// tombstone marks a vacated slot of old; no order has this id.
const tombstone = OrderID(1<<64 - 1)

// migrateStep is how many slots of old each put moves on. Growth starts at
// half load of old (len(old)/2 orders) and the new table is twice as large,
// so old is empty after len(old)/migrateStep puts, long before the new
// table reaches half load.
const migrateStep = 8

func fibHome(id OrderID, shift uint8) int {
	return int(uint64(id) * 0x9e3779b97f4a7c15 >> shift)
}

func (x *idIndex) home(id OrderID) int { return fibHome(id, x.shift) }

// get returns the live order with id, or nil.
func (x *idIndex) get(id OrderID) *order {
	if x.n == 0 {
		return nil
	}
	if i := x.find(id); i >= 0 {
		return x.slots[i].o
	}
	if x.old != nil {
		if i := findOld(x.old, x.oldShift, id); i >= 0 {
			return x.old[i].o
		}
	}
	return nil
}

// find returns the slot of id in slots, or -1.
func (x *idIndex) find(id OrderID) int {
	if len(x.slots) == 0 {
		return -1
	}
	mask := len(x.slots) - 1
	for i := x.home(id); ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.o == nil {
			return -1
		}
		if s.id == id {
			return i
		}
	}
}

// findOld returns the slot of id in old (skipping tombstones), or -1.
func findOld(old []idSlot, shift uint8, id OrderID) int {
	mask := len(old) - 1
	for i := fibHome(id, shift); ; i = (i + 1) & mask {
		s := &old[i]
		if s.o == nil {
			if s.id == 0 {
				return -1
			}
			continue // a tombstone
		}
		if s.id == id {
			return i
		}
	}
}

// put adds o, whose id must not be present.
func (x *idIndex) put(o *order) {
	if x.old != nil {
		x.migrate()
	}
	if 2*(x.n+1) > len(x.slots) {
		x.grow()
	}
	x.insert(idSlot{id: o.id, o: o})
	x.n++
}

// grow starts moving into a table twice as large (the first table is
// allocated at once).
func (x *idIndex) grow() {
	for x.old != nil {
		x.migrate() // not reached with migrateStep's margin; kept for safety
	}
	if len(x.slots) == 0 {
		x.slots, x.shift = make([]idSlot, 256), 64-8
		return
	}
	x.old, x.oldShift, x.next = x.slots, x.shift, 0
	size := 2 * len(x.slots)
	x.slots = make([]idSlot, size)
	x.shift = uint8(64 - bits.TrailingZeros(uint(size)))
}

// migrate moves the live entries of the next migrateStep slots of old, and
// drops old once all are done.
func (x *idIndex) migrate() {
	end := min(x.next+migrateStep, len(x.old))
	for ; x.next < end; x.next++ {
		s := &x.old[x.next]
		if s.o != nil {
			x.insert(*s)
			*s = idSlot{id: tombstone}
		}
	}
	if x.next == len(x.old) {
		x.old = nil
	}
}

func (x *idIndex) insert(s idSlot) {
	mask := len(x.slots) - 1
	i := x.home(s.id)
	for x.slots[i].o != nil {
		i = (i + 1) & mask
	}
	x.slots[i] = s
}

// del removes the order with id, which must be present.
func (x *idIndex) del(id OrderID) {
	i := x.find(id)
	if i < 0 {
		// Not moved yet: vacate its slot of old.
		x.old[findOld(x.old, x.oldShift, id)] = idSlot{id: tombstone}
		x.n--
		return
	}
	mask := len(x.slots) - 1
	// Backward shift: move later entries of the run into the hole when
	// their home slot is not between the hole and them.
	for j := (i + 1) & mask; x.slots[j].o != nil; j = (j + 1) & mask {
		if (j-x.home(x.slots[j].id))&mask >= (j-i)&mask {
			x.slots[i] = x.slots[j]
			i = j
		}
	}
	x.slots[i] = idSlot{}
	x.n--
}

// len returns the number of live orders.
func (x *idIndex) len() int { return x.n }

// each visits the orders in slot order, the new table's then the old's
// (which depends on the ids present and the history of insertions, never
// on anything random).
func (x *idIndex) each(fn func(o *order)) {
	for _, t := range [][]idSlot{x.slots, x.old} {
		for _, s := range t {
			if s.o != nil {
				fn(s.o)
			}
		}
	}
}
