package commerce

// The idempotency index: (channel, channel order id) -> the order's index,
// or -(its tombstone's index)-1 once archived.
//
// It holds no pointers, so the garbage collector never scans it, however
// many orders a week of retention keeps: a strIndex (strindex.go) under
// the key's hash seeded with the channel, the key itself being stored
// inline in its order or tombstone (an idKey), where a candidate is
// confirmed. Keys whose tags collide share a probe run and are told apart
// there. A placement hashes its key once and probes once: the lookup that
// finds no duplicate returns the slot where the new key goes.

// MaxChannelOrderID bounds a channel order id, in bytes (the gateways
// refuse longer ones too): keys are stored inline in order records.
const MaxChannelOrderID = 64

// idKey is a channel order id stored inline.
type idKey struct {
	n uint8
	b [MaxChannelOrderID]byte
}

func makeIDKey(s string) idKey {
	var k idKey
	k.n = uint8(copy(k.b[:], s))
	return k
}

func (k *idKey) bytes() []byte  { return k.b[:k.n] }
func (k *idKey) String() string { return string(k.b[:k.n]) }

type idemIndex struct {
	tab strIndex
}

// idemSlot is where a lookup of a key left off: its hash and, when the key
// was not found, the empty slot where it goes.
type idemSlot struct {
	h   uint64
	pos int
}

func idemHash(ch Channel, key string) uint64 { return seededHash(uint64(ch), key) }

// idemHolds reports whether value v is the entry of (ch, key).
func (e *Engine) idemHolds(v int32, ch Channel, key string) bool {
	var c Channel
	var k *idKey
	if v >= 0 {
		o := at(&e.orders, v)
		c, k = o.channel, &o.cid
	} else {
		t := at(&e.tombs, -v-1)
		c, k = t.channel, &t.cid
	}
	return c == ch && string(k.bytes()) == key
}

// idemFind returns the entry of (ch, key) and where the lookup left off:
// the entry's slot, or the slot for idemPutAt.
func (e *Engine) idemFind(ch Channel, key string) (v int32, found bool, at idemSlot) {
	x := &e.idem.tab
	h := idemHash(ch, key)
	p, v, ok := x.scan(h, x.home(h))
	for ; ok; p, v, ok = x.scan(h, p+1) {
		if e.idemHolds(v, ch, key) {
			return v, true, idemSlot{h, p}
		}
	}
	return 0, false, idemSlot{h, p}
}

// idemGet returns the entry of (ch, key).
func (e *Engine) idemGet(ch Channel, key string) (int32, bool) {
	v, ok, _ := e.idemFind(ch, key)
	return v, ok
}

// idemPutAt adds the entry v of a key that idemFind did not find.
// REQUIRES: at is what that idemFind returned, and the index has not
// changed since.
func (e *Engine) idemPutAt(at idemSlot, v int32) {
	e.idem.tab.putAt(at.pos, at.h, v)
}

// idemPut sets the entry of (ch, key) to v, replacing any.
func (e *Engine) idemPut(ch Channel, key string, v int32) {
	if _, ok, at := e.idemFind(ch, key); ok {
		e.idem.tab.setValue(at.pos, v)
	} else {
		e.idemPutAt(at, v)
	}
}

// idemDelete removes the entry of (ch, key), if any.
func (e *Engine) idemDelete(ch Channel, key string) {
	if _, ok, at := e.idemFind(ch, key); ok {
		e.idem.tab.remove(at.pos)
	}
}

// len returns the number of keys.
func (x *idemIndex) len() int { return x.tab.len() }

// reset empties the index.
func (x *idemIndex) reset() { x.tab.reset() }

// currencies interns the currency codes orders use: an order keeps a small
// index instead of a string.
type currencies struct {
	names []string
	index map[string]uint16
	// last is the index of the code intern returned last: a shop's orders
	// mostly repeat one currency, whose check is then a string compare
	// rather than a map lookup.
	last uint16
}

func (c *currencies) has(code string) bool { _, ok := c.index[code]; return ok }
func (c *currencies) full() bool           { return len(c.names) > 1<<16-1 }

// intern returns code's index, adding it if new. ok is false when the table
// is full (65,536 distinct codes).
func (c *currencies) intern(code string) (uint16, bool) {
	if int(c.last) < len(c.names) && c.names[c.last] == code {
		return c.last, true
	}
	i, ok := c.index[code]
	if !ok {
		if c.full() {
			return 0, false
		}
		if c.index == nil {
			c.index = make(map[string]uint16)
		}
		i = uint16(len(c.names))
		c.names = append(c.names, code)
		c.index[code] = i
	}
	c.last = i
	return i, true
}
