package book

import (
	"encoding/binary"

	"github.com/ordercore/oms/engine/chunk"
)

// clIndex maps (account, client order id) to the order the id was used for,
// for every id used since the last end of day: orders, cancels and replaces.
//
// Entries live in an append-only log, in the order they were added; an
// open-addressing table with linear probing maps hashes to log positions.
// Everything is pointer-free, so the garbage collector never scans the day's
// millions of ids, and compact, so that the table of a busy day stays in the
// last-level cache as long as possible:
//
//   - A slot is 8 bytes: the log position (40 bits) and a 24-bit tag from the
//     hash's top bits. A new id that passes the filter (below) is settled by
//     one probe sequence over slots alone: a tag mismatch never touches the
//     log.
//   - A log entry is 32 bytes, with keys of up to clInline bytes inline, so
//     confirming a hit reads one more cache line. Longer keys (up to
//     MaxIDLen) go to a byte arena. Growth rehashes the keys it moves, from
//     the entries it reads anyway: storing the hash took a fifth more log,
//     and the log is the index's largest part and grows by one entry per
//     command, on pages touched for the first time.
//   - The index copies the keys, so the engine does not keep every command's
//     strings alive for the day.
//
// The log's order depends only on the command history, so a snapshot writes
// it as it is (no sort: snapshots of a busy day stay linear) and a restore
// that re-adds the entries in that order rebuilds the same log.
//
// The table grows fourfold, incrementally: each insertion moves a few
// entries from the old table, so no command stalls on a rehash. Moving an
// entry costs a cache miss in the new table, and a table grown by a factor
// g moves each entry 1/(g-1) times on average over a day: a fourfold
// growth moves a third as many entries as doubling, and halves the share
// of insertions that also probe the old table while it is in use (their
// second miss), for a table at three sixteenths to three quarters full
// (about 10.7 to 43 bytes of slots per id) rather than three eighths to
// three quarters (10.7 to 21). The price is memory: a day of about 12.6M
// ids takes 2^26 slots (512 MiB) instead of 256 MiB, plus the old table
// while its entries move.
//
// A new id is the common case, and a probe of a table far larger than the
// cache costs a miss (and, with 4 KiB pages, a page walk) on every command.
// So a Bloom filter a 32nd of the table's size answers first: an id it has
// never seen is new without a look at the table (a few percent of new ids
// pass the filter and are looked up). The insertion of a new entry into the
// table is deferred too: the last few entries (pending) are found by a scan
// of the log's tail, and are written to the table together every clBatch
// insertions, whose misses then overlap instead of following one another.
//
// INVARIANT: a slot is zero exactly when it is empty; otherwise its position
// p (>= 1) names log entry p-1 and its tag is that entry's hash tag. len(slots)
// is zero or a power of two, and log.Len() <= len(slots)*3/4. Every entry is
// in slots, except entries [moved, oldN) while old is not nil, which are in
// old, and the last pending (< clBatch) entries, which are in no table and
// are not before oldN. len(filter) is len(slots)/clFilterRatio; the hash of
// every entry in slots or pending is in filter, and of every entry in old in
// oldFilter.
type clIndex struct {
	slots []uint64
	// While the table grows, old is the previous table: log entries
	// [moved, oldN) are only there. Otherwise old is nil.
	old         []uint64
	moved, oldN int
	log         chunk.Seq[clEntry]
	keys        []byte // keys longer than clInline
	sink        uint64 // see prefetch

	// filter is a blocked Bloom filter over the hashes of the entries in
	// slots and the pending ones (oldFilter, of those still in old): one
	// word per key, four bits set in it. It is a 32nd of the table's size
	// (a quarter of a byte per slot), so that it stays in the cache when
	// the table does not.
	filter, oldFilter []uint64
	// pending counts the newest log entries that are in no table yet, and
	// pend holds their hashes.
	pending int
	pend    [clBatch]uint64
}

const (
	clInline  = 19
	clPosBits = 40
	clPosMask = 1<<clPosBits - 1
)

// clEntry is one logged id. A key of at most clInline bytes is kept in inl;
// a longer one in the arena at the offset stored in inl's first 8 bytes.
type clEntry struct {
	id   OrderID
	acct int32
	n    uint8
	inl  [clInline]byte
}

// clHash mixes the account and the key 8 bytes at a time; every bit of the
// result depends on every input byte. The low bits choose the home slot and
// the top 24 bits are the tag.
func clHash[S ~string | ~[]byte](acct int, key S) uint64 {
	h := uint64(acct)*0x9e3779b97f4a7c15 ^ uint64(len(key))*0xc2b2ae3d27d4eb4f
	for len(key) >= 8 {
		v := uint64(key[0]) | uint64(key[1])<<8 | uint64(key[2])<<16 | uint64(key[3])<<24 |
			uint64(key[4])<<32 | uint64(key[5])<<40 | uint64(key[6])<<48 | uint64(key[7])<<56
		h = (h ^ v) * 0xff51afd7ed558ccd
		h ^= h >> 32
		key = key[8:]
	}
	var v uint64
	for i := 0; i < len(key); i++ {
		v |= uint64(key[i]) << (8 * i)
	}
	h = (h ^ v) * 0xc4ceb9fe1a85ec53
	h ^= h >> 29
	h *= 0xff51afd7ed558ccd
	h ^= h >> 32
	return h
}

func clTag(h uint64) uint64 { return h >> clPosBits << clPosBits }

// key returns the entry's key. The slice aliases the index: compare or copy
// it, never keep it.
func (x *clIndex) key(v *clEntry) []byte {
	if int(v.n) <= clInline {
		return v.inl[:v.n]
	}
	off := binary.LittleEndian.Uint64(v.inl[:8])
	return x.keys[off : off+uint64(v.n)]
}

func (x *clIndex) matches(v *clEntry, acct int, key string) bool {
	return int(v.acct) == acct && int(v.n) == len(key) && string(x.key(v)) == key
}

// find looks (acct, key) up. It returns the key's log position, or -1. An
// id the filter has not seen is not looked for; otherwise the pending
// entries, the table and, while the table grows, the old table (keys not
// yet moved) are searched.
func (x *clIndex) find(h uint64, acct int, key string) int {
	if !x.mayHave(h) {
		return -1
	}
	base := x.log.Len() - x.pending
	for j, ph := range x.pend[:x.pending] {
		if ph == h && x.matches(x.log.At(base+j), acct, key) {
			return base + j
		}
	}
	pos := x.search(x.slots, h, acct, key)
	if pos < 0 && x.old != nil {
		pos = x.search(x.old, h, acct, key)
	}
	return pos
}

// search probes one table. It must not be empty.
func (x *clIndex) search(slots []uint64, h uint64, acct int, key string) int {
	mask := len(slots) - 1
	tag := clTag(h)
	for i := int(h) & mask; ; i = (i + 1) & mask {
		s := slots[i]
		if s == 0 {
			return -1
		}
		if s&^clPosMask == tag {
			if p := int(s&clPosMask) - 1; x.matches(x.log.At(p), acct, key) {
				return p
			}
		}
	}
}

// clFilterRatio is how many table slots there are per filter word. At 32, a
// word holds 6 keys on average at the table's lowest load (three sixteenths,
// after a fourfold growth), when about 1% of new ids pass the filter, and 24
// at its highest (three quarters), when 27% do (29% while the old filter is
// consulted too); over the first 1.05M ids of a day, 22% (16: 4.9%, 8:
// 0.8%). A larger filter lets fewer through but is less often in the cache:
// in BenchmarkBook 16 measured the same as 32 and 8 slower, and adds to a
// warm index of 1M ids took 58-71 ns at 32, 77-108 ns at 16.
const clFilterRatio = 32

// clFilterBits is the filter mask of hash h: four of the word's 64 bits,
// chosen by the hash's top 24 bits. The word is chosen by its low bits
// (clFilterWord), which the top bits do not depend on.
func clFilterBits(h uint64) uint64 {
	return 1<<(h>>40&63) | 1<<(h>>46&63) | 1<<(h>>52&63) | 1<<(h>>58)
}

func clFilterWord(filter []uint64, h uint64) *uint64 {
	return &filter[int(h)&(len(filter)-1)]
}

// mayHave reports whether an entry with hash h may be in the index: false
// means it certainly is not.
func (x *clIndex) mayHave(h uint64) bool {
	if len(x.filter) == 0 {
		return false
	}
	b := clFilterBits(h)
	if *clFilterWord(x.filter, h)&b == b {
		return true
	}
	return x.oldFilter != nil && *clFilterWord(x.oldFilter, h)&b == b
}

// prefetch loads the filter words of hash h, so that a probe of a key with
// that hash soon after finds them in the cache. The filter may be larger
// than the cache, so a probe may cost a miss; a caller with other
// memory-bound work to do before it probes issues the load first, and the
// processor overlaps the two misses. (Go has no prefetch instruction: the
// loaded slots are folded into sink, a store that keeps the load alive
// without anything waiting for it.)
func (x *clIndex) prefetch(h uint64) {
	if len(x.filter) == 0 {
		return
	}
	v := *clFilterWord(x.filter, h)
	if x.oldFilter != nil {
		v ^= *clFilterWord(x.oldFilter, h)
	}
	x.sink ^= v
}

// get returns the order a client order id was used for.
func (x *clIndex) get(acct int, key string) (OrderID, bool) {
	return x.getHashed(clHash(acct, key), acct, key)
}

// getHashed is get for a caller that already has clHash(acct, key).
func (x *clIndex) getHashed(h uint64, acct int, key string) (OrderID, bool) {
	if x.log.Len() == 0 {
		return 0, false
	}
	pos := x.find(h, acct, key)
	if pos < 0 {
		return 0, false
	}
	return x.log.At(pos).id, true
}

// clProbe is the result of a lookup that found nothing: the key's hash,
// valid until the next insertion.
type clProbe struct {
	hash uint64
}

// probe looks key up, making room for one more entry first. It reports
// whether the key is in use and, if not, its probe for insert.
func (x *clIndex) probe(acct int, key string) (clProbe, bool) {
	return x.probeHashed(clHash(acct, key), acct, key)
}

// probeHashed is probe for a caller that already has clHash(acct, key).
func (x *clIndex) probeHashed(h uint64, acct int, key string) (clProbe, bool) {
	if 4*(x.log.Len()+1) > 3*len(x.slots) {
		x.grow(clGrowth * len(x.slots))
	}
	return clProbe{hash: h}, x.find(h, acct, key) >= 0
}

// clBatch is how many new entries wait before they are written to the
// table together.
const clBatch = 8

// insert records key for order id; p must come from probe with the same
// key and no insertion since. While the table grows, it also moves a few old
// entries to the new table.
func (x *clIndex) insert(p clProbe, acct int, key string, id OrderID) {
	v := clEntry{id: id, acct: int32(acct), n: uint8(len(key))}
	if len(key) <= clInline {
		copy(v.inl[:], key)
	} else {
		binary.LittleEndian.PutUint64(v.inl[:8], uint64(len(x.keys)))
		x.keys = append(x.keys, key...)
	}
	x.log.Push(v)
	*clFilterWord(x.filter, p.hash) |= clFilterBits(p.hash)
	x.pend[x.pending] = p.hash
	if x.pending++; x.pending == clBatch {
		x.flush()
	}
	if x.old != nil {
		x.migrate(clMoveStep)
	}
}

// flush writes the pending entries to the table. Their slots are far apart
// and independent, so the processor loads them all at once.
func (x *clIndex) flush() {
	mask := len(x.slots) - 1
	base := x.log.Len() - x.pending
	for j, h := range x.pend[:x.pending] {
		p := base + j
		i := int(h) & mask
		for x.slots[i] != 0 {
			i = (i + 1) & mask
		}
		x.slots[i] = clTag(h) | uint64(p+1)
	}
	x.pending = 0
}

// add records key for order id unless the account already used it; it
// reports whether it did.
func (x *clIndex) add(acct int, key string, id OrderID) bool {
	p, found := x.probe(acct, key)
	if found {
		return false
	}
	x.insert(p, acct, key, id)
	return true
}

// clMoveStep is how many old entries each insertion moves while the table
// grows. Growth starts at 3/4 load of the old table, so the move finishes
// after a quarter of as many insertions as there are entries, long before
// the next growth (after three times as many).
const clMoveStep = 4

// clGrowth is the factor by which the table grows (a power of two).
const clGrowth = 4

// grow replaces the table by an empty one of size slots and starts moving
// the entries over, a few per insertion, so that no single command pays for
// rehashing a busy day's ids (a stall of a tenth of a second at a million).
func (x *clIndex) grow(size int) {
	size = max(size, 1024)
	if x.old != nil {
		x.migrate(x.log.Len()) // finish the previous growth first
	}
	if x.pending > 0 {
		x.flush() // pending entries come before oldN: they move with the rest
	}
	x.old, x.slots = x.slots, make([]uint64, size)
	x.oldFilter, x.filter = x.filter, make([]uint64, size/clFilterRatio)
	x.moved, x.oldN = 0, x.log.Len()
	if x.oldN == 0 {
		x.old, x.oldFilter = nil, nil
	}
}

// migrate moves up to n entries from the old table to the current one, in
// log order, and drops the old table when all are moved.
func (x *clIndex) migrate(n int) {
	mask := len(x.slots) - 1
	end := min(x.moved+n, x.oldN)
	for p := x.moved; p < end; p++ {
		v := x.log.At(p)
		h := clHash(int(v.acct), x.key(v))
		i := int(h) & mask
		for x.slots[i] != 0 {
			i = (i + 1) & mask
		}
		x.slots[i] = clTag(h) | uint64(p+1)
		*clFilterWord(x.filter, h) |= clFilterBits(h)
	}
	x.moved = end
	if x.moved == x.oldN {
		x.old, x.oldFilter = nil, nil
	}
}

// reserve sizes the index for n entries in all, at once: a restore, or a
// replay that knows how many commands follow. A non-empty index is rehashed
// in one go (no command is waiting during a recovery); a growth in progress
// is finished first.
func (x *clIndex) reserve(n int) {
	size := 1024
	for 3*size < 4*n {
		size *= 2
	}
	if size <= len(x.slots) {
		return
	}
	if x.log.Len() == 0 {
		x.slots, x.old = make([]uint64, size), nil
		x.filter, x.oldFilter = make([]uint64, size/clFilterRatio), nil
		return
	}
	x.grow(size)
	x.migrate(x.oldN)
}

// reset empties the index, keeping its memory.
func (x *clIndex) reset() {
	clear(x.slots)
	clear(x.filter)
	x.old, x.moved, x.oldN = nil, 0, 0
	x.oldFilter, x.pending = nil, 0
	x.log.Reset()
	x.keys = x.keys[:0]
}

// len returns the number of entries.
func (x *clIndex) len() int { return x.log.Len() }

// each visits the entries in the order they were added. The key is only
// valid during the call.
func (x *clIndex) each(fn func(acct int, key []byte, id OrderID)) {
	for i := range x.log.Len() {
		v := x.log.At(i)
		fn(int(v.acct), x.key(v), v.id)
	}
}
