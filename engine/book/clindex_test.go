package book

import (
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
	require.Len(t, x.log, n)
	require.GreaterOrEqual(t, len(x.slots), 2*n, "load factor stays at most one half")
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

	s := x.entries()
	require.Len(t, s, n)
	for i, v := range s {
		require.Equal(t, clVal{acct: int32(i % 7), id: OrderID(i + 1), key: "id" + strconv.Itoa(i)}, v, "entries keep insertion order")
	}
	x.reset()
	require.False(t, x.has(3, "id3"))
	require.True(t, x.add(3, "id3", 5))
}

// TestClIndexProbeLength guards the hash's spread: the longest probe run at
// half load stays short for sequential ids, the common client scheme.
func TestClIndexProbeLength(t *testing.T) {
	var x clIndex
	for i := 0; i < 1<<16; i++ {
		x.add(0, "ORD"+strconv.Itoa(i), OrderID(i))
	}
	longest, run := 0, 0
	for _, s := range x.slots {
		if s.pos == 0 {
			run = 0
			continue
		}
		run++
		longest = max(longest, run)
	}
	require.Less(t, longest, 64, "longest cluster %d", longest)
}
