package commerce

// The idempotency index: (channel, channel order id) -> the order's index,
// or -(its tombstone's index)-1 once archived.
//
// It holds no pointers, so the garbage collector never scans it, however
// many orders a week of retention keeps: a map from a 64-bit hash of the
// key to the value, the key itself being stored inline in its order or
// tombstone (an idKey), where a hit is confirmed. Two keys whose hashes
// collide (about one chance in 10^8 among a million keys) are told apart
// by an overflow map for the second one.
//
// INVARIANT: every key is in exactly one of byHash (under its hash) and
// overflow.

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
	byHash   map[uint64]int32
	overflow [channelCount]map[string]int32 // rare: keys whose hash another key holds
	hash     func(Channel, string) uint64   // idemHash; tests plant collisions
}

func newIdemIndex() idemIndex {
	return idemIndex{byHash: make(map[uint64]int32), hash: idemHash}
}

// idemHash is FNV-1a over the channel and the key: deterministic (no seed),
// allocation-free.
func idemHash(ch Channel, key string) uint64 {
	h := uint64(14695981039346656037)
	h = (h ^ uint64(ch)) * 1099511628211
	for i := 0; i < len(key); i++ {
		h = (h ^ uint64(key[i])) * 1099511628211
	}
	return h
}

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

// idemGet returns the entry of (ch, key).
func (e *Engine) idemGet(ch Channel, key string) (int32, bool) {
	x := &e.idem
	if v, ok := x.byHash[x.hash(ch, key)]; ok && e.idemHolds(v, ch, key) {
		return v, true
	}
	if m := x.overflow[ch]; m != nil {
		v, ok := m[key]
		return v, ok
	}
	return 0, false
}

// idemPut sets the entry of (ch, key) to v, replacing any.
func (e *Engine) idemPut(ch Channel, key string, v int32) {
	x := &e.idem
	if m := x.overflow[ch]; m != nil {
		if _, ok := m[key]; ok {
			m[key] = v
			return
		}
	}
	h := x.hash(ch, key)
	if old, ok := x.byHash[h]; ok && !e.idemHolds(old, ch, key) {
		if x.overflow[ch] == nil {
			x.overflow[ch] = make(map[string]int32)
		}
		x.overflow[ch][key] = v
		return
	}
	x.byHash[h] = v
}

// idemDelete removes the entry of (ch, key), if any.
func (e *Engine) idemDelete(ch Channel, key string) {
	x := &e.idem
	h := x.hash(ch, key)
	if v, ok := x.byHash[h]; ok && e.idemHolds(v, ch, key) {
		delete(x.byHash, h)
		return
	}
	if m := x.overflow[ch]; m != nil {
		delete(m, key)
	}
}

// idemLen returns the number of keys.
func (x *idemIndex) len() int {
	n := len(x.byHash)
	for _, m := range x.overflow {
		n += len(m)
	}
	return n
}

// reset empties the index.
func (x *idemIndex) reset() {
	clear(x.byHash)
	x.overflow = [channelCount]map[string]int32{}
}

// currencies interns the currency codes orders use: an order keeps a small
// index instead of a string.
type currencies struct {
	names []string
	index map[string]uint16
}

func (c *currencies) has(code string) bool { _, ok := c.index[code]; return ok }
func (c *currencies) full() bool           { return len(c.names) > 1<<16-1 }

// intern returns code's index, adding it if new. ok is false when the table
// is full (65,536 distinct codes).
func (c *currencies) intern(code string) (uint16, bool) {
	if i, ok := c.index[code]; ok {
		return i, true
	}
	if len(c.names) > 1<<16-1 {
		return 0, false
	}
	if c.index == nil {
		c.index = make(map[string]uint16)
	}
	i := uint16(len(c.names))
	c.names = append(c.names, code)
	c.index[code] = i
	return i, true
}
