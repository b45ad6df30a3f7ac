package chunk

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSeq(t *testing.T) {
	var s Seq[int]
	require.Equal(t, 0, s.Len())
	const n = 3*Size + 17
	for i := 0; i < n; i++ {
		require.Equal(t, i, s.Push(i*2))
	}
	require.Equal(t, n, s.Len())
	p := s.At(5)
	for i := 0; i < n; i++ {
		require.Equal(t, i*2, *s.At(i))
	}
	s.Push(1)
	require.Equal(t, 10, *p, "pushing never moves stored elements")

	s.Reset()
	require.Equal(t, 0, s.Len())
	s.Grow(Size + 1)
	require.Equal(t, Size+1, s.Len())
	for i := 0; i < s.Len(); i++ {
		require.Zero(t, *s.At(i), "reset clears, grow appends zeros: %d", i)
	}
	s.Grow(3)
	require.Equal(t, Size+1, s.Len(), "grow never shrinks")
	require.Equal(t, Size+1, s.Push(7))
}
