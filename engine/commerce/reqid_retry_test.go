package commerce

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRetryChangesNothing: over random command streams, every keyed
// command carried out under a request id is retried at once (a moment
// later); the retry must replay the first result exactly, marked
// Duplicate, and leave the state (the snapshot) as it was. Any answer made
// of duplicates only, a shipment re-sent by tracking number included, must
// leave the state as it was too.
func TestRetryChangesNothing(t *testing.T) {
	var retried int
	for seed := uint64(1); seed <= 40; seed++ {
		e := New()
		g := &gen{src: &byteSource{b: seededBytes(seed, 6000)}}
		var c Command
		var out []Event
		for !g.src.done() {
			if g.next(&c) {
				out = e.Tick(g.now, out[:0])
				continue
			}
			before := snapshotBytes(e)
			out = e.Apply(&c, g.now, out[:0])
			allDup, rejected := len(out) > 0, false
			for i := range out {
				allDup = allDup && out[i].Duplicate
				rejected = rejected || out[i].Kind == EvRejected
			}
			if allDup {
				require.Equal(t, before, snapshotBytes(e), "seed %d: a duplicate answer changed the state: %+v", seed, c)
			}
			if !keyed(c.Kind) || c.RequestID == "" || len(out) == 0 || rejected {
				continue
			}
			first := append([]Event(nil), out...)
			after := snapshotBytes(e)
			retry := c
			retry.Lines = append([]LineInput(nil), c.Lines...)
			again := e.Apply(&retry, g.now+1, nil)
			require.Equal(t, after, snapshotBytes(e), "seed %d: a retry changed the state: %+v", seed, c)
			require.Len(t, again, len(first), "seed %d: %+v", seed, c)
			for i := range again {
				require.True(t, again[i].Duplicate, "seed %d event %d", seed, i)
				again[i].Duplicate = first[i].Duplicate
				require.Equal(t, first[i], again[i], "seed %d event %d", seed, i)
			}
			retried++
		}
	}
	require.Greater(t, retried, 100, "the streams retry enough keyed commands to mean something")
}
