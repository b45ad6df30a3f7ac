package commerce

import "math/bits"

// The SKUs' hot cells (skuState.hot) live in blocks of one chunked arena,
// and a dense array (Engine.hotRef, 8 bytes a SKU) says where each SKU's
// block is. A placement can then start loading a line's hot cells as soon
// as the name lookup yields the SKU's index, without waiting for the SKU
// record, whose slice header used to be the only way to them: the record
// and the hot cells are two cache misses issued together rather than one
// after the other. (The dense array is small enough to stay in cache where
// the records are not.)
//
// A block holds a power-of-two number of cells and never straddles a
// chunk; a SKU's hot slice is its block, capped at the block's size, so
// appending within the block stays in place. A block outgrown is put on
// its size's free list for the next SKU to grow into. A SKU with more than
// a chunk of cells keeps an ordinary slice (hotRef.off < 0).
//
// INVARIANT: hotRef[s].n == len(skus[s].hot); if hotRef[s].off >= 0,
// skus[s].hot starts at cell off of the arena and cap(skus[s].hot) is its
// block's size, a power of two.
type hotArena struct {
	chunks [][]hotCell
	fill   int                       // cells used in the last chunk
	free   [hotChunkBits + 1][]int32 // per size class k (1<<k cells): freed blocks
}

// hotRef locates a SKU's hot cells: off is the index in the arena of its
// block's first cell (-1: not in the arena) and n their number.
type hotRef struct {
	off int32
	n   int32
}

const (
	hotChunkBits = 12
	hotChunk     = 1 << hotChunkBits
)

// alloc returns a block of 1<<k cells: its offset and an empty slice with
// the block's capacity.
// REQUIRES: k <= hotChunkBits.
func (a *hotArena) alloc(k int) (int32, []hotCell) {
	n := 1 << k
	var off int32
	if f := a.free[k]; len(f) > 0 {
		off, a.free[k] = f[len(f)-1], f[:len(f)-1]
	} else {
		if len(a.chunks) == 0 || a.fill+n > hotChunk {
			a.chunks = append(a.chunks, make([]hotCell, hotChunk))
			a.fill = 0
		}
		off = int32((len(a.chunks)-1)<<hotChunkBits + a.fill)
		a.fill += n
	}
	i := int(off) & (hotChunk - 1)
	return off, a.chunks[off>>hotChunkBits][i : i : i+n]
}

// release puts the block at off, of capacity c, on its free list.
func (a *hotArena) release(off int32, c int) {
	k := bits.Len(uint(c)) - 1
	a.free[k] = append(a.free[k], off)
}

// cells returns the hot cells r locates in the arena.
// REQUIRES: r.off >= 0.
func (a *hotArena) cells(r hotRef) []hotCell {
	i := int(r.off) & (hotChunk - 1)
	return a.chunks[r.off>>hotChunkBits][i : i+int(r.n)]
}

// sizeClass returns the smallest k with 1<<k >= n, for n >= 1.
func sizeClass(n int) int { return bits.Len(uint(n - 1)) }

// newHot returns room for n hot cells of SKU sku (length n, zero cells),
// in the arena when they fit a block.
func (e *Engine) newHot(sku int32, n int) []hotCell {
	r := &e.hotRef[sku]
	r.n = int32(n)
	if n == 0 {
		r.off = -1
		return nil
	}
	if k := sizeClass(n); k <= hotChunkBits {
		off, h := e.hotArena.alloc(k)
		r.off = off
		h = h[:n]
		clear(h)
		return h
	}
	r.off = -1
	return make([]hotCell, n, 1<<sizeClass(n))
}

// growHot returns the SKU's hot cells with one more (zero) cell at the
// end, moving them to a block twice the size when theirs is full.
func (e *Engine) growHot(sku int32) []hotCell {
	h := e.skus[sku].hot
	r := &e.hotRef[sku]
	n := len(h)
	if n < cap(h) {
		r.n++
		h = h[:n+1]
		h[n] = hotCell{}
		return h
	}
	old := r.off
	nh := e.newHot(sku, n+1)
	copy(nh, h)
	if old >= 0 {
		e.hotArena.release(old, cap(h))
	}
	return nh
}
