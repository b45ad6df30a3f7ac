package commerce

import "math/bits"

// strIndex maps strings to int32 values (record indexes) for the engine's
// large name tables: SKU name -> SKU index, and the idempotency keys
// (idem.go). It is an open-addressed table with linear probing over one
// slice of 8-byte slots that holds no pointers: a slot is the key's tag
// (the top 32 bits of its hash, lowest bit set so that no slot is zero)
// and the value, 0 being empty. The keys themselves are not stored: they
// live in the records the values index, where the caller confirms a
// candidate (see Engine.skuIndex). A lookup therefore reads one slot line
// (rarely two) before the record the caller reads anyway, where a Go map
// reads its control word, then the slot, then the key's header.
//
// A key's home slot is its hash's top bits, so the table grows by
// re-placing the slots from their tags alone, without the keys, and a
// removal shifts the rest of its run back (no deletion markers).
//
// INVARIANT: len(slots) is 0 or a power of two 1<<bits with
// minStrIndexBits <= bits <= maxStrIndexBits (so the home, the top bits
// of the slot, never includes the tag's forced bit); n slots are set and
// 2n <= len(slots); every set slot is reached from its home slot
// (slot >> (64-bits)) by a run of set slots.
//
// The hash is fixed (no per-process seed, which the engine cannot have),
// so names chosen to collide would make long runs: SKU names come from the
// operator's stock feed, not from customers, and lookups of unknown names
// stop at the first empty slot (more than half the slots are empty).
// Channel order ids do come from outside, but through authenticated
// channels, and a run costs a scan of a cache line or two per 8 keys in it.
type strIndex struct {
	slots []uint64
	bits  uint // log2(len(slots))
	n     int
}

const (
	minStrIndexBits = 4
	maxStrIndexBits = 31
)

// tagOf returns the tag of hash h.
func tagOf(h uint64) uint64 { return h>>32 | 1 }

// home returns the probe start of hash h, or -1 if the table has no slots.
func (x *strIndex) home(h uint64) int {
	if len(x.slots) == 0 {
		return -1
	}
	return int(h >> (64 - x.bits))
}

// scan returns the position and value of the first slot from p on, in
// h's probe run, whose tag is h's (found); or else the position of the
// empty slot that ends the run, where h's key would go (-1 if the table
// has no slots). Start with p = x.home(h), go on from a candidate with its
// position + 1.
func (x *strIndex) scan(h uint64, p int) (pos int, v int32, found bool) {
	if p < 0 {
		return -1, 0, false
	}
	mask := len(x.slots) - 1
	tag := tagOf(h)
	for p &= mask; ; p = (p + 1) & mask {
		s := x.slots[p]
		if s == 0 {
			return p, 0, false
		}
		if s>>32 == tag {
			return p, int32(uint32(s)), true
		}
	}
}

// setValue replaces the value of the set slot at p.
func (x *strIndex) setValue(p int, v int32) { x.slots[p] = x.slots[p]>>32<<32 | uint64(uint32(v)) }

// put adds value v under hash h.
// REQUIRES: the key is not in the table.
func (x *strIndex) put(h uint64, v int32) { x.putAt(-1, h, v) }

// putAt is put with the position a scan for h ended at, saving a second
// probe (-1: probe).
// REQUIRES: the key is not in the table; p is -1 or the empty slot where
// the last scan for h ended, and the table has not changed since.
func (x *strIndex) putAt(p int, h uint64, v int32) {
	s := tagOf(h)<<32 | uint64(uint32(v))
	if 2*(x.n+1) > len(x.slots) {
		x.grow()
		p = -1
	}
	if p < 0 {
		x.place(s)
	} else {
		if x.slots[p] != 0 {
			panic("commerce: strIndex.putAt: slot taken (the table changed since the scan)")
		}
		x.slots[p] = s
	}
	x.n++
}

// place stores slot s in the first free slot of its run.
func (x *strIndex) place(s uint64) {
	mask := len(x.slots) - 1
	p := int(s >> (64 - x.bits))
	for x.slots[p] != 0 {
		p = (p + 1) & mask
	}
	x.slots[p] = s
}

// remove empties the set slot at p, moving back the slots after it in its
// run that may sit at p (those whose home is not between p and them), so
// that every slot stays reachable from its home.
func (x *strIndex) remove(p int) {
	mask := len(x.slots) - 1
	for q := (p + 1) & mask; x.slots[q] != 0; q = (q + 1) & mask {
		s := x.slots[q]
		home := int(s >> (64 - x.bits))
		// Its run goes home..q; p is in it when p is no nearer q than home.
		if (q-home)&mask >= (q-p)&mask {
			x.slots[p] = s
			p = q
		}
	}
	x.slots[p] = 0
	x.n--
}

// grow doubles the table (or makes its first one).
func (x *strIndex) grow() {
	old := x.slots
	x.bits = max(x.bits+1, minStrIndexBits)
	if x.bits > maxStrIndexBits {
		panic("commerce: strIndex: more than 2^30 keys")
	}
	x.slots = make([]uint64, 1<<x.bits)
	for _, s := range old {
		if s != 0 {
			x.place(s)
		}
	}
}

// len returns the number of keys.
func (x *strIndex) len() int { return x.n }

// reset empties the table, keeping its slots.
func (x *strIndex) reset() {
	clear(x.slots)
	x.n = 0
}

// strHash hashes a string 8 bytes at a time with 64x64->128-bit multiplies
// folded to 64 bits (as wyhash does): deterministic, allocation-free, and
// well mixed in the top bits, which strIndex uses for both the home slot
// and the tag.
func strHash(s string) uint64 { return seededHash(0, s) }

// seededHash is strHash in the key space seed names: the same string
// under two seeds hashes apart (the idempotency index seeds with the
// channel).
func seededHash(seed uint64, s string) uint64 {
	const (
		k0 = 0xa0761d6478bd642f
		k1 = 0xe7037ed1a0b428db
		k2 = 0x8ebc6af09c88c6e3
	)
	h := uint64(len(s)) ^ k0 ^ seed
	n := len(s)
	i := 0
	for ; i+8 <= n; i += 8 {
		h = mix(h^le64(s[i:]), k1)
	}
	if i < n {
		var t uint64
		if n >= 8 {
			// The last 8 bytes, overlapping the last word hashed.
			t = le64(s[n-8:])
		} else {
			for j := n - 1; j >= 0; j-- {
				t = t<<8 | uint64(s[j])
			}
		}
		h = mix(h^t, k2)
	}
	return mix(h, k1)
}

// le64 reads the first 8 bytes of s as a little-endian word.
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// mix multiplies a by b and folds the 128-bit product to 64 bits.
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// skuIndex returns the index of the SKU named name (0, false if there is
// none, as a map would).
func (e *Engine) skuIndex(name SKU) (int32, bool) {
	x := &e.skuIdx
	h := strHash(string(name))
	for p, v, ok := x.scan(h, x.home(h)); ok; p, v, ok = x.scan(h, p+1) {
		if e.skus[v].name == name {
			return v, true
		}
	}
	return 0, false
}

// addSKU adds a SKU with no cells and returns its index.
// REQUIRES: no SKU is named name.
func (e *Engine) addSKU(name SKU) int32 {
	si := int32(len(e.skus))
	e.skus = append(e.skus, skuState{name: name})
	e.hotRef = append(e.hotRef, hotRef{off: -1})
	e.skuIdx.put(strHash(string(name)), si)
	return si
}
