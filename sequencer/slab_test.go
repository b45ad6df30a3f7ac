package sequencer

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSlabHandsOutEachElementOnce(t *testing.T) {
	s := slab[int]{chunk: 8}
	require.Nil(t, s.take(0), "nothing asked, no chunk yet")

	a := s.take(3)
	require.GreaterOrEqual(t, cap(a), 8, "a chunk is at least s.chunk")
	a = append(a, 1, 2, 3)
	s.keep(a)
	b := s.take(2)
	b = append(b, 4, 5)
	s.keep(b)
	require.Equal(t, []int{1, 2, 3}, a, "a later take never reuses a kept element")
	require.Same(t, &a[:4][3], &b[0], "the next take starts right after the kept ones")

	// Too little left: a new chunk, sized for the request when that is larger.
	c := s.take(20)
	require.GreaterOrEqual(t, cap(c), 20)
	c = append(c, 6)
	s.keep(c)

	// Appends that outgrow the room move to a new array, whose spare room
	// becomes the tail; what was written before stays as it was.
	d := s.take(1)
	room := cap(d)
	for i := range room + 5 {
		d = append(d, 100+i)
	}
	s.keep(d)
	e := append(s.take(1), -1)
	s.keep(e)
	require.Equal(t, 100+room+4, d[len(d)-1])
	require.Equal(t, []int{1, 2, 3}, a)
	require.Equal(t, []int{4, 5}, b)
	require.Equal(t, []int{6}, c)

	s.keep(nil) // a batch without events changes nothing
	f := s.take(0)
	require.Equal(t, 0, len(f))
	require.Equal(t, cap(e)-1, cap(f))
}

func TestSlabTakesPrefaultedChunks(t *testing.T) {
	s := newSlab[[100]byte](64)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { defer close(done); s.prefault(stop) }()
	require.Eventually(t, func() bool { return len(s.supply) == cap(s.supply) }, 10*time.Second, time.Millisecond,
		"the supplier fills its channel")
	close(stop)
	<-done
	a := s.take(10)
	require.Equal(t, 0, len(a))
	require.Equal(t, 64, cap(a))
	require.Equal(t, cap(s.supply)-1, len(s.supply), "take used a supplied chunk")
	s.keep(append(a, [100]byte{1}))
	require.Equal(t, 63, cap(s.take(5)), "and then its tail")
	big := s.take(1000)
	require.GreaterOrEqual(t, cap(big), 1000, "a request larger than the supplied chunks is allocated for itself")
	require.Equal(t, cap(s.supply)-2, len(s.supply), "and the too-small supplied chunk is dropped")
	require.Equal(t, int64(4000), s.want.Load(), "the supplier is asked for larger chunks")

	// The supplier now makes chunks that large batches fit.
	stop = make(chan struct{})
	done = make(chan struct{})
	go func() { defer close(done); s.prefault(stop) }()
	require.Eventually(t, func() bool { return len(s.supply) == cap(s.supply) }, 10*time.Second, time.Millisecond)
	close(stop)
	<-done
	s.keep(append(big, [100]byte{2}))
	next := s.take(3000)
	require.Equal(t, 4000, cap(next), "a supplied chunk of the new size")
}
