package book

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLiveIndex applies random insertions, deletions and id changes and
// compares the index with a map after every step, so that backward-shift
// deletion is exercised across wrapped and colliding runs, and across
// incremental growth (lookups and deletions of entries not moved yet).
func TestLiveIndex(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	accts := []*account{{idx: 0}, {idx: 1}, {idx: 2}}
	var x liveIndex
	want := map[string]*order{}
	key := func(a int, id string) string { return strconv.Itoa(a) + "/" + id }
	var live []*order
	next := 0
	migrating := 0
	for step := 0; step < 20000; step++ {
		switch op := r.IntN(10); {
		case op < 5 || len(live) == 0:
			o := &order{acct: accts[r.IntN(3)], clOrdID: "c" + strconv.Itoa(next)}
			o.liveHash = clHash(o.acct.idx, o.clOrdID)
			next++
			x.put(o)
			want[key(o.acct.idx, o.clOrdID)] = o
			live = append(live, o)
		case op < 8:
			i := r.IntN(len(live))
			o := live[i]
			x.del(o)
			delete(want, key(o.acct.idx, o.clOrdID))
			require.Nil(t, x.get(o.liveHash, o.acct.idx, o.clOrdID), "step %d: deleted", step)
			live[i] = live[len(live)-1]
			live = live[:len(live)-1]
		default:
			o := live[r.IntN(len(live))]
			x.del(o)
			delete(want, key(o.acct.idx, o.clOrdID))
			require.Nil(t, x.get(o.liveHash, o.acct.idx, o.clOrdID), "step %d: replaced id", step)
			o.clOrdID = "c" + strconv.Itoa(next)
			o.liveHash = clHash(o.acct.idx, o.clOrdID)
			next++
			x.put(o)
			want[key(o.acct.idx, o.clOrdID)] = o
		}
		require.Equal(t, len(want), x.n)
		require.LessOrEqual(t, 2*x.n, len(x.slots), "load stays at most one half")
		if x.old != nil {
			migrating++
		}
		if step%50 == 0 || (x.old != nil && step%3 == 0) {
			for _, o := range live {
				require.Same(t, o, x.get(clHash(o.acct.idx, o.clOrdID), o.acct.idx, o.clOrdID), "step %d", step)
				other := (o.acct.idx + 1) % 3
				require.Nil(t, x.get(clHash(other, o.clOrdID), other, o.clOrdID))
			}
			require.Nil(t, x.get(clHash(0, "nope"), 0, "nope"))
		}
	}
	require.Greater(t, migrating, 100, "steps taken while the table grows incrementally")
	x.reset()
	require.Nil(t, x.old, "reset drops a table being emptied")
	require.Nil(t, x.get(clHash(live[0].acct.idx, live[0].clOrdID), live[0].acct.idx, live[0].clOrdID))
}

func TestHasClOrdID(t *testing.T) {
	var x liveIndex
	a := &account{idx: 0}
	long := "a-client-order-id-longer-than-inline"
	short := &order{acct: a, clOrdID: "short", liveHash: clHash(0, "short")}
	lo := &order{acct: a, clOrdID: long, liveHash: clHash(0, long)}
	x.put(short)
	x.put(lo)
	require.True(t, short.hasClOrdID("short"))
	require.False(t, short.hasClOrdID("shorT"))
	require.False(t, short.hasClOrdID("short1"))
	require.False(t, short.hasClOrdID(""))
	require.True(t, lo.hasClOrdID(long))
	require.False(t, lo.hasClOrdID(""), "an empty id never matches a long one")
	require.False(t, lo.hasClOrdID(long[:clInline]))
	require.Same(t, lo, x.get(clHash(0, long), 0, long))
}
