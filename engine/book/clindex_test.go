package book

import (
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClIndex(t *testing.T) {
	var x clIndex
	_, ok := x.get(0, "a")
	require.False(t, ok, "empty index")
	const n = 50000
	for i := 0; i < n; i++ {
		require.True(t, x.add(i%7, "id"+strconv.Itoa(i), OrderID(i+1)))
	}
	require.Equal(t, n, x.len())
	require.GreaterOrEqual(t, 3*len(x.slots), 4*n, "load factor stays at most three quarters")
	for i := 0; i < n; i++ {
		id, ok := x.get(i%7, "id"+strconv.Itoa(i))
		require.True(t, ok)
		require.Equal(t, OrderID(i+1), id)
		// The same id under another account is a different key.
		_, ok = x.get(i%7+1, "id"+strconv.Itoa(i))
		require.False(t, ok)
	}
	require.False(t, x.add(3, "id3", 99), "duplicate refused")
	id, _ := x.get(3, "id3")
	require.Equal(t, OrderID(4), id, "a refused duplicate leaves the first entry")

	i := 0
	x.each(func(acct int, key []byte, id OrderID) {
		require.Equal(t, i%7, acct, "entries keep insertion order")
		require.Equal(t, "id"+strconv.Itoa(i), string(key))
		require.Equal(t, OrderID(i+1), id)
		i++
	})
	require.Equal(t, n, i)
	x.reset()
	require.False(t, has(&x, 3, "id3"))
	require.True(t, x.add(3, "id3", 5))
}

// TestClIndexKeys covers inline and arena keys of every length up to
// MaxIDLen, keys that share prefixes, and keys that differ only in length.
func TestClIndexKeys(t *testing.T) {
	var x clIndex
	keys := []string{"", "a", "a\x00"}
	for n := 1; n <= MaxIDLen; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('A' + (i*7+n)%26)
		}
		keys = append(keys, string(b), string(b[:n-1])+"!")
	}
	for i, k := range keys {
		require.True(t, x.add(1, k, OrderID(i+1)), "key %q", k)
	}
	for i, k := range keys {
		require.False(t, x.add(1, k, 999), "duplicate %q", k)
		id, ok := x.get(1, k)
		require.True(t, ok, "key %q", k)
		require.Equal(t, OrderID(i+1), id, "key %q", k)
		require.False(t, has(&x, 2, k), "other account, key %q", k)
	}
	require.NotEmpty(t, x.keys, "long keys go to the arena")
	j := 0
	x.each(func(acct int, key []byte, id OrderID) {
		require.Equal(t, keys[j], string(key))
		j++
	})
}

// TestClIndexProbeLength guards the hash's spread: the longest probe run at
// the highest load stays short for sequential ids, the common client scheme.
func TestClIndexProbeLength(t *testing.T) {
	var x clIndex
	const n = 196000 // 0.748 of the 262,144 slots
	for i := 0; i < n; i++ {
		x.add(0, "ORD"+strconv.Itoa(i), OrderID(i))
	}
	require.Equal(t, 262144, len(x.slots))
	longest, run := 0, 0
	for _, s := range x.slots {
		if s == 0 {
			run = 0
			continue
		}
		run++
		longest = max(longest, run)
	}
	require.Less(t, longest, 400, "longest cluster %d", longest)
	t.Logf("longest cluster %d", longest)
}

// TestClIndexGrowth adds ids across several incremental growths and checks,
// after every insertion, that every id added so far is found and that new
// ones are not, while old and new tables coexist.
func TestClIndexGrowth(t *testing.T) {
	var x clIndex
	const total = 7000
	sawMigration := false
	for i := 0; i < total; i++ {
		require.True(t, x.add(i%3, "k"+strconv.Itoa(i), OrderID(i+1)))
		sawMigration = sawMigration || x.old != nil
		if i%97 == 0 || x.old != nil {
			for j := 0; j <= i; j += 1 + i/500 {
				id, ok := x.get(j%3, "k"+strconv.Itoa(j))
				require.True(t, ok, "id %d after %d insertions", j, i+1)
				require.Equal(t, OrderID(j+1), id)
				require.False(t, x.add(j%3, "k"+strconv.Itoa(j), 1), "duplicate %d during growth", j)
			}
			require.False(t, has(&x, 0, "k"+strconv.Itoa(i+1)+"x"))
		}
		require.LessOrEqual(t, 4*x.len(), 3*len(x.slots))
	}
	require.True(t, sawMigration, "the test exercised incremental growth")
	n := total
	for x.old != nil {
		require.True(t, x.add(0, "extra"+strconv.Itoa(n), OrderID(n+1)))
		n++
	}
	// Every entry is in the current table exactly once, once the pending
	// ones are written.
	x.flush()
	seen := make(map[uint64]bool)
	for _, s := range x.slots {
		if s != 0 {
			require.False(t, seen[s&clPosMask])
			seen[s&clPosMask] = true
		}
	}
	require.Len(t, seen, n)
}

func TestClIndexReserve(t *testing.T) {
	var x clIndex
	x.reserve(100000)
	size := len(x.slots)
	require.GreaterOrEqual(t, 3*size, 4*100000)
	for i := 0; i < 100000; i++ {
		require.True(t, x.add(0, strconv.Itoa(i), OrderID(i)))
	}
	require.Equal(t, size, len(x.slots), "a reserved index does not grow")
	x.reserve(10) // already large enough: no effect
	require.Equal(t, size, len(x.slots))

	// A non-empty index, even mid-growth, is rehashed at once: every entry
	// stays findable and the next insertions up to n never grow it.
	var y clIndex
	for i := range 3100 { // growth to 16384 slots started at 3072
		require.True(t, y.add(1, strconv.Itoa(i), OrderID(i)))
	}
	require.NotNil(t, y.old, "mid-growth")
	y.reserve(50_000)
	require.Nil(t, y.old)
	size = len(y.slots)
	for i := range 3100 {
		id, ok := y.get(1, strconv.Itoa(i))
		require.True(t, ok)
		require.Equal(t, OrderID(i), id)
	}
	for i := 3100; i < 50_000; i++ {
		require.True(t, y.add(1, strconv.Itoa(i), OrderID(i)))
	}
	require.Equal(t, size, len(y.slots), "a reserved index does not grow")
	require.False(t, y.add(1, "42", 9), "duplicates still found")
}

// TestClIndexPending checks the deferred insertions: the newest entries are
// found before they reach the table, are written to it together every
// clBatch insertions, and are written before the table grows.
func TestClIndexPending(t *testing.T) {
	var x clIndex
	inTable := func() int {
		n := 0
		for _, s := range x.slots {
			n += boolInt(s != 0)
		}
		return n
	}
	for i := range clBatch - 1 {
		require.True(t, x.add(0, "p"+strconv.Itoa(i), OrderID(i+1)))
	}
	require.Equal(t, 0, inTable(), "pending entries are in no table")
	for i := range clBatch - 1 {
		id, ok := x.get(0, "p"+strconv.Itoa(i))
		require.True(t, ok)
		require.Equal(t, OrderID(i+1), id)
		require.False(t, x.add(0, "p"+strconv.Itoa(i), 99), "a pending duplicate is refused")
	}
	require.True(t, x.add(0, "last", 100))
	require.Equal(t, clBatch, inTable(), "a full batch is written at once")
	require.Zero(t, x.pending)

	// A growth with entries pending (here by a reservation: insertions
	// alone fill the table to its threshold on a batch boundary) writes
	// them to the old table first, and the move takes them along.
	for i := range 3 {
		require.True(t, x.add(1, "q"+strconv.Itoa(i), 7))
	}
	require.Equal(t, 3, x.pending)
	x.reserve(5000)
	require.Zero(t, x.pending)
	require.Equal(t, x.len(), inTable(), "every entry in the new table once")
	for i := 0; x.len() < 4000; i++ {
		require.True(t, x.add(2, "r"+strconv.Itoa(i), 9))
	}
	x.each(func(acct int, key []byte, id OrderID) {
		got, ok := x.get(acct, string(key))
		require.True(t, ok, "%d %q", acct, key)
		require.Equal(t, id, got)
	})
}

func has(x *clIndex, acct int, key string) bool {
	_, ok := x.get(acct, key)
	return ok
}

// TestClIndexModel applies random additions (new ids and duplicates), lookups
// of used and unused ids, reservations and resets, and compares every answer
// with a map, across incremental growths and reservations.
func TestClIndexModel(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var x clIndex
	type k struct {
		acct int
		key  string
	}
	want := map[k]OrderID{}
	var used []k
	next, growths := 0, 0
	newKey := func() k {
		next++
		key := "m" + strconv.Itoa(next)
		if r.IntN(20) == 0 {
			key += "-a-longer-client-order-id" // kept in the arena
		}
		return k{r.IntN(4), key}
	}
	for step := 0; step < 120000; step++ {
		switch op := r.IntN(100); {
		case op < 60 || len(used) == 0:
			c := newKey()
			id := OrderID(r.IntN(1000) + 1)
			require.True(t, x.add(c.acct, c.key, id), "step %d: new %v", step, c)
			want[c] = id
			used = append(used, c)
		case op < 70:
			c := used[r.IntN(len(used))]
			require.False(t, x.add(c.acct, c.key, 7), "step %d: duplicate %v", step, c)
		case op < 85:
			c := used[r.IntN(len(used))]
			if r.IntN(4) == 0 {
				c = used[len(used)-1-r.IntN(min(len(used), 16))] // a recent one
			}
			id, ok := x.get(c.acct, c.key)
			require.True(t, ok, "step %d: %v", step, c)
			require.Equal(t, want[c], id)
		case op < 98:
			c := used[r.IntN(len(used))]
			_, ok := x.get((c.acct+1)%4, c.key)
			require.Equal(t, want[k{(c.acct + 1) % 4, c.key}] != 0, ok, "step %d: other account", step)
			_, ok = x.get(c.acct, c.key+"?")
			require.False(t, ok)
		case op < 99:
			if r.IntN(50) == 0 {
				x.reserve(x.len() + r.IntN(5000))
			}
		default:
			if r.IntN(400) == 0 {
				x.reset()
				clear(want)
				used = used[:0]
			}
		}
		require.Equal(t, len(want), x.len())
		growths += boolInt(x.old != nil)
	}
	require.Greater(t, growths, 1000, "steps during incremental growth")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestClEntrySize pins the log entry at 32 bytes on 64-bit platforms: the
// log grows by one entry per command, and every byte of it is memory the
// engine touches for the first time during the day.
func TestClEntrySize(t *testing.T) {
	if reflect.TypeFor[uintptr]().Size() != 8 {
		t.Skip("layout pinned for 64-bit platforms")
	}
	require.Equal(t, uintptr(32), reflect.TypeFor[clEntry]().Size())
}
