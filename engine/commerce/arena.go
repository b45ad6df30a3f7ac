package commerce

// chunked is a sequence stored in fixed-size chunks, indexed like a slice.
// Growing it never copies what is stored: a slice that grows by append
// copies its whole backing array on each regrowth, which on a busy day is
// hundreds of megabytes copied inside one command, stalling the
// single-threaded core for tens of milliseconds.
//
// Elements can be freed (archived orders and everything they own): a freed
// element reads as the zero value, and a chunk whose elements are all
// freed, once full, is dropped, so memory follows the live data, not the
// history. Indexes never move: what is freed leaves a hole.
//
// INVARIANT: every allocated chunk has chunkSize elements; elements at n and
// beyond and freed elements are zero; live[k] counts the elements of chunk k
// pushed or placed and not freed; a nil chunk (dropped, or never needed
// after grow) holds nothing live.
type chunked[T any] struct {
	chunks [][]T
	live   []int32
	n      int
	// spare is the last dropped chunk, zeroed, kept for the next chunk the
	// arena needs: a steady flow of orders through archiving then reuses
	// memory rather than churning the garbage collector.
	spare []T
}

const (
	chunkBits = 12
	chunkSize = 1 << chunkBits
)

// len returns the number of elements ever pushed (freed ones included).
func (c *chunked[T]) len() int { return c.n }

// push appends v and returns its index.
func (c *chunked[T]) push(v T) int32 {
	i := c.n
	if k := i >> chunkBits; k < len(c.chunks) && c.chunks[k] != nil {
		c.chunks[k][i&(chunkSize-1)] = v
		c.live[k]++
		c.n++
		return int32(i)
	}
	c.place(int32(i), v)
	return int32(i)
}

// place stores v at index i, which must be a hole or at or beyond len
// (restore uses it to put records back at their ids, in any order).
func (c *chunked[T]) place(i int32, v T) {
	k := int(i) >> chunkBits
	for k >= len(c.chunks) {
		c.chunks = append(c.chunks, nil)
		c.live = append(c.live, 0)
	}
	if c.chunks[k] == nil {
		if c.spare != nil {
			c.chunks[k], c.spare = c.spare, nil
		} else {
			c.chunks[k] = make([]T, chunkSize)
		}
	}
	c.n = max(c.n, int(i)+1)
	c.live[k]++
	c.chunks[k][int(i)&(chunkSize-1)] = v
}

// grow extends the length to n (at least), leaving holes: ids issued to
// records that no longer exist.
func (c *chunked[T]) grow(n int) {
	for n > len(c.chunks)<<chunkBits {
		c.chunks = append(c.chunks, nil)
		c.live = append(c.live, 0)
	}
	c.n = max(c.n, n)
}

// has reports whether element i is in a chunk that is still held. A freed
// element in a held chunk reads as zero: callers tell it by its zero id.
func (c *chunked[T]) has(i int64) bool {
	return i >= 0 && i < int64(c.n) && c.chunks[i>>chunkBits] != nil
}

// free zeroes element i and drops its chunk when nothing in it is live.
// REQUIRES: i is live.
func (c *chunked[T]) free(i int32) {
	k := int(i) >> chunkBits
	var zero T
	c.chunks[k][int(i)&(chunkSize-1)] = zero
	c.live[k]--
	if c.live[k] == 0 && (k+1)<<chunkBits <= c.n {
		if c.spare == nil {
			c.spare = c.chunks[k] // already zero: every element was freed
		}
		c.chunks[k] = nil
	}
}

// held returns the number of chunks held in memory.
func (c *chunked[T]) held() int {
	n := 0
	for _, ch := range c.chunks {
		if ch != nil {
			n++
		}
	}
	return n
}

// reset empties the sequence, keeping the chunks it still holds.
func (c *chunked[T]) reset() {
	for k, ch := range c.chunks {
		clear(ch)
		c.live[k] = 0
	}
	c.n = 0
}

// index is any integer type the engine indexes its arenas with.
type index interface {
	~int | ~int32 | ~uint32 | ~int64 | ~uint64
}

// at returns a pointer to element i of c, for any integer index type.
// REQUIRES: 0 <= i < c.len() and i's chunk is held.
func at[T any, I index](c *chunked[T], i I) *T {
	return &c.chunks[int(i)>>chunkBits][int(i)&(chunkSize-1)]
}
