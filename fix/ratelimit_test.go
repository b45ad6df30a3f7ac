package fix

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLimiter(t *testing.T) {
	t0 := time.Unix(1000, 0)
	l := newLimiter(3, t0)
	for range 3 {
		require.True(t, l.allow(t0))
	}
	require.False(t, l.allow(t0))
	// A third of a second refills one token.
	t1 := t0.Add(time.Second / 3).Add(time.Millisecond)
	require.True(t, l.allow(t1))
	require.False(t, l.allow(t1))
	// A long pause refills to the burst, no more.
	t2 := t1.Add(time.Hour)
	for range 3 {
		require.True(t, l.allow(t2))
	}
	require.False(t, l.allow(t2))
	// A clock that steps back takes nothing and gives nothing.
	require.False(t, l.allow(t0))
}
