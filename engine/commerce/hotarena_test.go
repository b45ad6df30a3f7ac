package commerce

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHotArena grows many SKUs' hot cells one cell at a time in random
// order, some past a chunk, marking every cell with its SKU and position:
// no SKU's cells overwrite another's (blocks are disjoint, freed blocks are
// reused only once free), a move keeps the cells, and hotRef says where
// each SKU's cells are.
func TestHotArena(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	e := New()
	const nSKUs = 300
	want := make([]int, nSKUs) // cells per SKU
	for i := range nSKUs {
		e.addSKU(SKU(fmt.Sprint("S", i)))
	}
	mark := func(sku, i int) hotCell { return hotCell{loc: int32(sku), atp: Qty(i)} }
	check := func() {
		t.Helper()
		for s := range nSKUs {
			h := e.skus[s].hot
			require.Len(t, h, want[s], "sku %d", s)
			for i := range h {
				require.Equal(t, mark(s, i), h[i], "sku %d cell %d", s, i)
			}
			ref := e.hotRef[s]
			require.Equal(t, int32(want[s]), ref.n)
			if ref.off >= 0 {
				require.Equal(t, 1<<sizeClass(max(want[s], 1)), cap(h), "sku %d: block size", s)
				require.Same(t, &e.hotArena.cells(ref)[0], &h[0], "sku %d", s)
			} else if want[s] > 0 {
				require.Greater(t, want[s], hotChunk, "sku %d outside the arena", s)
			}
		}
	}
	grow := func(s int) {
		e.skus[s].hot = e.growHot(int32(s))
		e.skus[s].hot[want[s]] = mark(s, want[s])
		want[s]++
	}
	for step := range 30_000 {
		// SKU 0 grows past a chunk, in step with the others.
		if want[0] < hotChunk+10 && step%6 == 0 {
			grow(0)
		}
		if s := 1 + r.IntN(nSKUs-1); want[s] < 70 {
			grow(s)
		}
		if step%3000 == 0 {
			check()
		}
	}
	check()
	require.Greater(t, want[0], hotChunk, "a SKU left the arena")
	require.Less(t, e.hotRef[0].off, int32(0))
}

func TestSizeClass(t *testing.T) {
	for n, k := range map[int]int{1: 0, 2: 1, 3: 2, 4: 2, 5: 3, 16: 4, 17: 5, 4096: 12, 4097: 13} {
		require.Equal(t, k, sizeClass(n), "n %d", n)
	}
}
