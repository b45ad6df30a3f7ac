package book

import (
	"cmp"
	"slices"
	"strings"
)

// clIndex maps (account, client order id) to the order the id was used for,
// for every id used since the last end of day: orders, cancels and replaces.
//
// It is an open-addressing table with linear probing whose probe array holds
// only 64-bit hashes, eight to a cache line, so that checking a new id for
// uniqueness and inserting it is one probe sequence that touches no string
// unless the hashes match. It replaces a Go map, whose string keys cost a
// second cache miss per probe and whose growth and GC scanning dominated the
// book benchmark.
//
// The hash is deterministic (FNV-1a with a final mix). The table's layout
// never reaches an output: snapshots list the entries sorted.
//
// INVARIANT: hashes[i] == 0 exactly when slot i is empty; a stored hash has
// its low bit set so that no key hashes to 0 (the home slot comes from the
// other bits); len(hashes) is a power of two
// and at least twice n.
type clIndex struct {
	hashes []uint64
	vals   []clVal
	n      int
}

type clVal struct {
	acct int32
	id   OrderID
	key  string
}

func clHash(acct int, key string) uint64 {
	h := uint64(14695981039346656037) ^ uint64(acct)*0x9e3779b97f4a7c15
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h | 1
}

// slot returns the slot holding (acct, key), or the empty slot where it
// would go, and whether it was found.
func (x *clIndex) slot(h uint64, acct int, key string) (int, bool) {
	mask := len(x.hashes) - 1
	for i := int(h>>1) & mask; ; i = (i + 1) & mask {
		switch x.hashes[i] {
		case 0:
			return i, false
		case h:
			if v := &x.vals[i]; int(v.acct) == acct && v.key == key {
				return i, true
			}
		}
	}
}

// get returns the order a client order id was used for.
func (x *clIndex) get(acct int, key string) (OrderID, bool) {
	if x.n == 0 {
		return 0, false
	}
	i, ok := x.slot(clHash(acct, key), acct, key)
	if !ok {
		return 0, false
	}
	return x.vals[i].id, true
}

// add records key for order id unless the account already used it; it
// reports whether it did.
func (x *clIndex) add(acct int, key string, id OrderID) bool {
	if 2*(x.n+1) > len(x.hashes) {
		x.grow()
	}
	h := clHash(acct, key)
	i, found := x.slot(h, acct, key)
	if found {
		return false
	}
	x.hashes[i] = h
	x.vals[i] = clVal{acct: int32(acct), id: id, key: key}
	x.n++
	return true
}

// has reports whether the account used key.
func (x *clIndex) has(acct int, key string) bool {
	_, ok := x.get(acct, key)
	return ok
}

func (x *clIndex) grow() {
	size := 2 * len(x.hashes)
	if size < 1024 {
		size = 1024
	}
	old, oldVals := x.hashes, x.vals
	x.hashes, x.vals = make([]uint64, size), make([]clVal, size)
	mask := size - 1
	for j, h := range old {
		if h == 0 {
			continue
		}
		i := int(h>>1) & mask
		for x.hashes[i] != 0 {
			i = (i + 1) & mask
		}
		x.hashes[i], x.vals[i] = h, oldVals[j]
	}
}

// reset empties the index, keeping its memory.
func (x *clIndex) reset() {
	clear(x.hashes)
	clear(x.vals)
	x.n = 0
}

// sorted returns the entries ordered by account, then key.
func (x *clIndex) sorted() []clVal {
	out := make([]clVal, 0, x.n)
	for i, h := range x.hashes {
		if h != 0 {
			out = append(out, x.vals[i])
		}
	}
	slices.SortFunc(out, func(a, b clVal) int {
		if c := cmp.Compare(a.acct, b.acct); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	return out
}
