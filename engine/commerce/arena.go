package commerce

// chunked is an append-only sequence stored in fixed-size chunks, indexed
// like a slice. Growing it never copies what is stored: a slice that grows
// by append copies its whole backing array on each regrowth, which on a busy
// day is hundreds of megabytes copied inside one command, stalling the
// single-threaded core for tens of milliseconds.
//
// INVARIANT: every chunk has chunkSize elements; elements at n and beyond
// are zero.
type chunked[T any] struct {
	chunks [][]T
	n      int
}

const (
	chunkBits = 12
	chunkSize = 1 << chunkBits
)

// len returns the number of elements.
func (c *chunked[T]) len() int { return c.n }

// push appends v and returns its index.
func (c *chunked[T]) push(v T) int32 {
	if c.n>>chunkBits == len(c.chunks) {
		c.chunks = append(c.chunks, make([]T, chunkSize))
	}
	i := int32(c.n)
	c.n++
	*at(c, i) = v
	return i
}

// reset empties the sequence, keeping its chunks.
func (c *chunked[T]) reset() {
	for _, ch := range c.chunks {
		clear(ch)
	}
	c.n = 0
}

// index is any integer type the engine indexes its arenas with.
type index interface {
	~int | ~int32 | ~uint32 | ~int64 | ~uint64
}

// at returns a pointer to element i of c, for any integer index type.
// REQUIRES: 0 <= i < c.len().
func at[T any, I index](c *chunked[T], i I) *T {
	return &c.chunks[int(i)>>chunkBits][int(i)&(chunkSize-1)]
}
