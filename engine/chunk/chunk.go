package chunk

// Bits is log2 of the chunk size.
const (
	Bits = 12
	Size = 1 << Bits
)

// Seq is an append-only sequence in fixed-size chunks, indexed like a slice.
// The zero value is empty and ready to use.
//
// INVARIANT: every chunk has Size elements; elements at Len() and beyond are
// zero.
type Seq[T any] struct {
	chunks [][]T
	n      int
}

// Len returns the number of elements.
func (s *Seq[T]) Len() int { return s.n }

// Push appends v and returns its index.
func (s *Seq[T]) Push(v T) int {
	if s.n>>Bits == len(s.chunks) {
		s.chunks = append(s.chunks, make([]T, Size))
	}
	i := s.n
	s.n++
	s.chunks[i>>Bits][i&(Size-1)] = v
	return i
}

// Grow makes Len() at least n, appending zero elements.
func (s *Seq[T]) Grow(n int) {
	for len(s.chunks)<<Bits < n {
		s.chunks = append(s.chunks, make([]T, Size))
	}
	if n > s.n {
		s.n = n
	}
}

// At returns a pointer to element i, valid until Reset.
// REQUIRES: 0 <= i < Len().
func (s *Seq[T]) At(i int) *T { return &s.chunks[i>>Bits][i&(Size-1)] }

// Reset empties the sequence, keeping its chunks for reuse.
func (s *Seq[T]) Reset() {
	for c := range s.chunks {
		if c<<Bits >= s.n {
			break
		}
		clear(s.chunks[c])
	}
	s.n = 0
}
