package book

// clIndex maps (account, client order id) to the order the id was used for,
// for every id used since the last end of day: orders, cancels and replaces.
//
// Entries live in an append-only log, in the order they were added; an
// open-addressing table with linear probing maps hashes to log positions.
// The table holds only hashes and positions, so checking a new id for
// uniqueness and inserting it is one probe sequence that touches no string
// unless the hashes match, and growing it moves 16 bytes an entry. It
// replaces a Go map, whose string keys cost a second cache miss per probe and
// whose growth and GC scanning dominated the book benchmark.
//
// The log's order depends only on the command history, so a snapshot writes
// it as it is (no sort: snapshots of a busy day stay linear) and a restore
// that re-adds the entries in that order rebuilds the same log.
//
// INVARIANT: slots[i].pos == 0 exactly when slot i is empty, otherwise
// log[pos-1] is the entry and slots[i].hash its hash; len(slots) is a power of
// two and at least twice len(log).
type clIndex struct {
	slots []clSlot
	log   []clVal
}

type clSlot struct {
	hash uint64
	pos  uint64 // log position + 1
}

type clVal struct {
	acct int32
	id   OrderID
	key  string
}

// clHash is FNV-1a over the key, seeded with the account, with a final mix
// so that every bit of the result depends on every input byte.
func clHash(acct int, key string) uint64 {
	h := uint64(14695981039346656037) ^ uint64(acct)*0x9e3779b97f4a7c15
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

// slot returns the slot holding (acct, key), or the empty slot where it
// would go, and whether it was found.
func (x *clIndex) slot(h uint64, acct int, key string) (int, bool) {
	mask := len(x.slots) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.pos == 0 {
			return i, false
		}
		if s.hash == h {
			if v := &x.log[s.pos-1]; int(v.acct) == acct && v.key == key {
				return i, true
			}
		}
	}
}

// get returns the order a client order id was used for.
func (x *clIndex) get(acct int, key string) (OrderID, bool) {
	if len(x.log) == 0 {
		return 0, false
	}
	i, ok := x.slot(clHash(acct, key), acct, key)
	if !ok {
		return 0, false
	}
	return x.log[x.slots[i].pos-1].id, true
}

// has reports whether the account used key.
func (x *clIndex) has(acct int, key string) bool {
	_, ok := x.get(acct, key)
	return ok
}

// add records key for order id unless the account already used it; it
// reports whether it did.
func (x *clIndex) add(acct int, key string, id OrderID) bool {
	if 2*(len(x.log)+1) > len(x.slots) {
		x.grow()
	}
	h := clHash(acct, key)
	i, found := x.slot(h, acct, key)
	if found {
		return false
	}
	x.log = append(x.log, clVal{acct: int32(acct), id: id, key: key})
	x.slots[i] = clSlot{hash: h, pos: uint64(len(x.log))}
	return true
}

func (x *clIndex) grow() {
	size := 2 * len(x.slots)
	if size < 1024 {
		size = 1024
	}
	old := x.slots
	x.slots = make([]clSlot, size)
	mask := size - 1
	for _, s := range old {
		if s.pos == 0 {
			continue
		}
		i := int(s.hash) & mask
		for x.slots[i].pos != 0 {
			i = (i + 1) & mask
		}
		x.slots[i] = s
	}
}

// reset empties the index, keeping its memory.
func (x *clIndex) reset() {
	clear(x.slots)
	clear(x.log)
	x.log = x.log[:0]
}

// entries returns the entries in the order they were added. The caller must
// not modify them.
func (x *clIndex) entries() []clVal { return x.log }
