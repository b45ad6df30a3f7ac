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
// INVARIANT: every live order appears exactly once, in a slot holding its
// id; len(slots) is zero or a power of two, shift is 64 - log2(len(slots)),
// and n <= len(slots)/2.
type idIndex struct {
	slots []idSlot
	shift uint8
	n     int
}

type idSlot struct {
	id OrderID
	o  *order // nil: empty
}

func (x *idIndex) home(id OrderID) int {
	return int(uint64(id) * 0x9e3779b97f4a7c15 >> x.shift)
}

// get returns the live order with id, or nil.
func (x *idIndex) get(id OrderID) *order {
	if x.n == 0 {
		return nil
	}
	mask := len(x.slots) - 1
	for i := x.home(id); ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.o == nil {
			return nil
		}
		if s.id == id {
			return s.o
		}
	}
}

// put adds o, whose id must not be present.
func (x *idIndex) put(o *order) {
	if 2*(x.n+1) > len(x.slots) {
		x.resize(max(2*len(x.slots), 256))
	}
	x.insert(idSlot{id: o.id, o: o})
	x.n++
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
	mask := len(x.slots) - 1
	i := x.home(id)
	for x.slots[i].id != id || x.slots[i].o == nil {
		i = (i + 1) & mask
	}
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

func (x *idIndex) resize(size int) {
	old := x.slots
	x.slots = make([]idSlot, size)
	x.shift = uint8(64 - bits.TrailingZeros(uint(size)))
	for _, s := range old {
		if s.o != nil {
			x.insert(s)
		}
	}
}

// len returns the number of live orders.
func (x *idIndex) len() int { return x.n }

// each visits the orders in slot order (which depends on the ids present
// and the history of insertions, never on anything random).
func (x *idIndex) each(fn func(o *order)) {
	for _, s := range x.slots {
		if s.o != nil {
			fn(s.o)
		}
	}
}
