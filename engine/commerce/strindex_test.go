package commerce

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ordercore/oms/engine/wire"
	"github.com/stretchr/testify/require"
)

// strIndexModel is a strIndex with its keys, looked up the way the engine
// does (candidates by tag, confirmed against the key), under a hash the
// test chooses.
type strIndexModel struct {
	x    strIndex
	keys []string
	hash func(string) uint64
}

func (m *strIndexModel) get(k string) (int32, bool) {
	v, _, ok := m.find(k)
	return v, ok
}

// find returns k's value and slot.
func (m *strIndexModel) find(k string) (int32, int, bool) {
	h := m.hash(k)
	for p, v, ok := m.x.scan(h, m.x.home(h)); ok; p, v, ok = m.x.scan(h, p+1) {
		if m.keys[v] == k {
			return v, p, true
		}
	}
	return 0, -1, false
}

// remove removes k, which is in the table.
func (m *strIndexModel) remove(t *testing.T, k string) {
	_, p, ok := m.find(k)
	require.True(t, ok, "key %q", k)
	m.x.remove(p)
}

func (m *strIndexModel) put(k string) {
	m.keys = append(m.keys, k)
	m.x.put(m.hash(k), int32(len(m.keys)-1))
}

// check compares the index with a Go map over every key put and a sample
// of keys never put, and checks the table's invariant.
func (m *strIndexModel) check(t *testing.T, want map[string]int32, absent []string) {
	t.Helper()
	for k, v := range want {
		got, ok := m.get(k)
		require.True(t, ok, "key %q", k)
		require.Equal(t, v, got, "key %q", k)
	}
	for _, k := range absent {
		if _, in := want[k]; in {
			continue
		}
		_, ok := m.get(k)
		require.False(t, ok, "absent key %q", k)
	}
	require.Equal(t, len(want), m.x.n)
	if len(m.x.slots) > 0 {
		require.Equal(t, 1<<m.x.bits, len(m.x.slots))
		require.LessOrEqual(t, 2*m.x.n, len(m.x.slots))
	}
	set := 0
	mask := len(m.x.slots) - 1
	for p, s := range m.x.slots {
		if s == 0 {
			continue
		}
		set++
		// Every slot between its home and it is set.
		for q := int(s >> (64 - m.x.bits)); q != p; q = (q + 1) & mask {
			require.NotZero(t, m.x.slots[q], "slot %d: hole at %d in its run", p, q)
		}
	}
	require.Equal(t, m.x.n, set)
}

func randKey(r *rand.Rand) string {
	b := make([]byte, r.IntN(40))
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return string(b)
}

// TestStrIndexRandom puts random keys (any bytes, lengths 0 to 39) and
// checks every lookup against a Go map, across growths.
func TestStrIndexRandom(t *testing.T) {
	for seed := range uint64(5) {
		r := rand.New(rand.NewPCG(seed, 7))
		m := &strIndexModel{hash: strHash}
		want := map[string]int32{}
		var absent []string
		_, ok := m.get("")
		require.False(t, ok, "empty table")
		for i := range 3000 {
			k := randKey(r)
			if _, dup := want[k]; !dup {
				m.put(k)
				want[k] = int32(len(m.keys) - 1)
			}
			absent = append(absent, randKey(r))
			if i%500 == 0 || i < 40 {
				m.check(t, want, absent)
			}
		}
		m.check(t, want, absent)
	}
}

// TestStrIndexCollisions plants hashes that collide: keys sharing a whole
// hash (same tag, same home) are told apart by the key check; keys with
// the same home and different tags skip each other; runs wrap around the
// end of the table.
func TestStrIndexCollisions(t *testing.T) {
	for _, tc := range []struct {
		name string
		hash func(string) uint64
	}{
		{"same hash", func(string) uint64 { return 0x1234_5678_9abc_def0 }},
		{"same home, tag by key", func(k string) uint64 { return 0xffff_0000_0000_0000 | strHash(k)>>32&0xffff<<32 }},
		{"two hashes at the top", func(k string) uint64 { return 0xffff_ffff_0000_0000 - uint64(len(k)%2)<<32 }},
		{"few distinct", func(k string) uint64 { return strHash(k) & 0xf000_0003_0000_0000 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, 4))
			m := &strIndexModel{hash: tc.hash}
			want := map[string]int32{}
			var absent []string
			for i := range 300 {
				k := fmt.Sprint("k", i)
				m.put(k)
				want[k] = int32(i)
				absent = append(absent, randKey(r), fmt.Sprint("k", i+1000))
				if i%37 == 0 {
					m.check(t, want, absent)
				}
			}
			m.check(t, want, absent)
		})
	}
}

// TestStrIndexRemove removes and re-adds random keys, under the real hash
// and under hashes that pile keys into a few long runs (removals then
// shift slots across the run and around the end of the table), checking
// every lookup against a Go map.
func TestStrIndexRemove(t *testing.T) {
	for _, tc := range []struct {
		name string
		hash func(string) uint64
	}{
		{"strHash", strHash},
		{"same hash", func(string) uint64 { return 0x1234_5678_9abc_def0 }},
		{"two homes at the end", func(k string) uint64 { return 0xffff_ffff_0000_0000 - uint64(len(k)%2)<<32 }},
		{"few distinct", func(k string) uint64 { return strHash(k) & 0xf000_0003_0000_0000 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(5, 6))
			m := &strIndexModel{hash: tc.hash}
			want := map[string]int32{}
			var live, absent []string
			for i := range 2000 {
				if len(live) > 0 && r.IntN(3) == 0 {
					j := r.IntN(len(live))
					k := live[j]
					m.remove(t, k)
					delete(want, k)
					live[j] = live[len(live)-1]
					live = live[:len(live)-1]
					absent = append(absent, k)
				} else {
					k := fmt.Sprint("k", i)
					m.put(k)
					want[k] = int32(len(m.keys) - 1)
					live = append(live, k)
				}
				if i%97 == 0 {
					m.check(t, want, absent)
				}
			}
			m.check(t, want, absent)
			for _, k := range live {
				m.remove(t, k)
				delete(want, k)
			}
			m.check(t, want, absent)
		})
	}
}

// TestStrIndexPutAt: a key put where its lookup ended is found, also when
// the put grows the table (and drops the position).
func TestStrIndexPutAt(t *testing.T) {
	m := &strIndexModel{hash: strHash}
	want := map[string]int32{}
	for i := range 1000 {
		k := fmt.Sprint("k", i)
		h := strHash(k)
		q, _, found := m.x.scan(h, m.x.home(h))
		require.False(t, found) // strHash's tags of these keys do not collide
		m.keys = append(m.keys, k)
		m.x.putAt(q, h, int32(len(m.keys)-1))
		want[k] = int32(len(m.keys) - 1)
	}
	m.check(t, want, []string{"x", "k1000"})
	// A value is any int32 (the idempotency index stores negative ones).
	_, p, _ := m.find("k7")
	m.x.setValue(p, -1)
	h := strHash("k7")
	q, v, ok := m.x.scan(h, m.x.home(h))
	require.True(t, ok)
	require.Equal(t, p, q, "the tag is kept")
	require.Equal(t, int32(-1), v)
}

// TestStrHashBytes: the hash reads every byte of keys of every length up
// to 40 (the word loop, the overlapping tail and the short tail), and
// depends on the length (keys that differ by trailing zero bytes).
func TestStrHashBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for n := range 41 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		h := strHash(string(b))
		for i := range b {
			for _, bit := range []byte{1, 0x80} {
				c := append([]byte(nil), b...)
				c[i] ^= bit
				require.NotEqual(t, h, strHash(string(c)), "len %d byte %d", n, i)
			}
		}
		require.NotEqual(t, h, strHash(string(append(b, 0))), "len %d + zero byte", n)
	}
}

// TestSKUIndexRestore: after a snapshot and restore, every SKU is found
// under its name and an unknown name is not.
func TestSKUIndexRestore(t *testing.T) {
	n := newBenchNetSize(t, 2000)
	w := wire.NewWriter(nil)
	n.e.Snapshot(w)
	e2 := New()
	require.NoError(t, e2.Restore(wire.NewReader(w.Bytes())))
	for i, s := range n.skus {
		si, ok := e2.skuIndex(s)
		require.True(t, ok, "%s", s)
		require.Equal(t, s, e2.skus[si].name)
		si1, _ := n.e.skuIndex(s)
		require.Equal(t, int32(i), si1)
	}
	_, ok := e2.skuIndex("SKU-missing")
	require.False(t, ok)
}
