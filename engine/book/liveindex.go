package book

// liveIndex maps (account, current client order id) to each live order.
//
// Cancels and replaces name their order by OrigClOrdID, nearly always the
// current id of a live order. The day-long clIndex answers that too, but it
// holds every id used since the end of day and is far larger than the
// cache: two misses per lookup. The live orders are few, so this table stays
// warm; an id it does not know (an order's earlier id, or a finished order)
// falls back to the clIndex.
//
// Open addressing with linear probing and backward-shift deletion (no
// tombstones, so lookups never slow down as orders come and go). It grows
// incrementally, like idIndex: the old table stays while each put moves a
// few of its slots, takes no insertions, and marks vacated slots with a
// tombstone (o nil, hash non-zero) so that its probe runs stay intact; a
// one-step rehash stalled the engine goroutine at each new high of live
// orders.
//
// INVARIANT: every live order appears exactly once, in slots or old, under
// clHash of its account and current client order id, which it records in
// liveHash; len(slots) is zero or a power of two and n <= len(slots)/2.
// Slots of old before next hold no live entry.
type liveIndex struct {
	slots []liveSlot
	n     int    // live orders, in both tables
	sink  uint64 // see prefetch

	old  []liveSlot // the table being emptied into slots, or nil
	next int        // the next slot of old to move
}

type liveSlot struct {
	hash uint64
	o    *order // nil: empty, or in old with a non-zero hash a tombstone
}

// get returns the live order whose current id is key, or nil.
func (x *liveIndex) get(h uint64, acct int, key string) *order {
	if x.n == 0 {
		return nil
	}
	if o := liveFind(x.slots, h, acct, key); o != nil || x.old == nil {
		return o
	}
	return liveFind(x.old, h, acct, key)
}

func liveFind(slots []liveSlot, h uint64, acct int, key string) *order {
	if len(slots) == 0 {
		return nil
	}
	mask := len(slots) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		s := &slots[i]
		if s.o == nil {
			if s.hash == 0 {
				return nil
			}
			continue // a tombstone (old table only)
		}
		if s.hash == h && s.o.acct.idx == acct && s.o.hasClOrdID(key) {
			return s.o
		}
	}
}

// prefetch loads the home slot of hash h, like clIndex.prefetch.
func (x *liveIndex) prefetch(h uint64) {
	if len(x.slots) > 0 {
		x.sink ^= x.slots[int(h)&(len(x.slots)-1)].hash
	}
}

// put adds o under its current client order id, whose hash o.liveHash must
// already hold (the day index computed it when the id was claimed).
func (x *liveIndex) put(o *order) {
	if x.old != nil {
		x.migrate()
	}
	if 2*(x.n+1) > len(x.slots) {
		x.grow()
	}
	o.clKeyN = clKeyLong
	if len(o.clOrdID) <= clInline {
		o.clKeyN = uint8(copy(o.clKey[:], o.clOrdID))
	}
	x.insert(liveSlot{hash: o.liveHash, o: o})
	x.n++
}

// grow starts moving into a table twice as large (the first table is
// allocated at once).
func (x *liveIndex) grow() {
	for x.old != nil {
		x.migrate() // not reached with migrateStep's margin; kept for safety
	}
	if len(x.slots) == 0 {
		x.slots = make([]liveSlot, 256)
		return
	}
	x.old, x.next = x.slots, 0
	x.slots = make([]liveSlot, 2*len(x.old))
}

// migrate moves the live entries of the next migrateStep slots of old, and
// drops old once all are done.
func (x *liveIndex) migrate() {
	end := min(x.next+migrateStep, len(x.old))
	for ; x.next < end; x.next++ {
		s := &x.old[x.next]
		if s.o != nil {
			x.insert(*s)
			*s = liveSlot{hash: 1}
		}
	}
	if x.next == len(x.old) {
		x.old = nil
	}
}

func (x *liveIndex) insert(s liveSlot) {
	mask := len(x.slots) - 1
	i := int(s.hash) & mask
	for x.slots[i].o != nil {
		i = (i + 1) & mask
	}
	x.slots[i] = s
}

// del removes o, which must be present.
func (x *liveIndex) del(o *order) {
	mask := len(x.slots) - 1
	i := int(o.liveHash) & mask
	for x.slots[i].o != o {
		if x.slots[i].o == nil {
			// Not moved yet: vacate its slot of old.
			omask := len(x.old) - 1
			j := int(o.liveHash) & omask
			for x.old[j].o != o {
				j = (j + 1) & omask
			}
			x.old[j] = liveSlot{hash: 1}
			x.n--
			return
		}
		i = (i + 1) & mask
	}
	// Backward shift: move later entries of the run into the hole when
	// their home slot is not between the hole and them.
	for j := (i + 1) & mask; x.slots[j].o != nil; j = (j + 1) & mask {
		home := int(x.slots[j].hash) & mask
		if (j-home)&mask >= (j-i)&mask {
			x.slots[i] = x.slots[j]
			i = j
		}
	}
	x.slots[i] = liveSlot{}
	x.n--
}

// reset empties the index.
func (x *liveIndex) reset() {
	clear(x.slots)
	x.n, x.old, x.next = 0, nil, 0
}

// clKeyLong is clKeyN for an id longer than clInline.
const clKeyLong = 255

// hasClOrdID reports whether key is the order's current client order id.
func (o *order) hasClOrdID(key string) bool {
	if len(key) <= clInline {
		return int(o.clKeyN) == len(key) && string(o.clKey[:len(key)]) == key
	}
	return o.clOrdID == key
}
