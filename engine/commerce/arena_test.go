package commerce

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestChunked(t *testing.T) {
	var c chunked[int64]
	first := at(&c, c.push(7))
	for i := int64(1); i < 3*chunkSize+5; i++ {
		require.Equal(t, int32(i), c.push(i*10))
	}
	// Growing never moves what is stored: a pointer taken before stays
	// valid (a slice grown by append would have copied element 0 away).
	require.Same(t, first, at(&c, 0))
	require.Equal(t, int64(7), *first)
	require.Equal(t, 3*chunkSize+5, c.len())
	for _, i := range []int32{1, chunkSize - 1, chunkSize, 2*chunkSize + 1, 3*chunkSize + 4} {
		require.Equal(t, int64(i)*10, *at(&c, i))
	}
	c.reset()
	require.Equal(t, 0, c.len())
	require.Equal(t, int32(0), c.push(9))
	require.Equal(t, int64(9), *at(&c, 0))
	require.Equal(t, int64(0), *at(&c, 1), "reset clears old elements")
}
