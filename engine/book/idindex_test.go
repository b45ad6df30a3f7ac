package book

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestIDIndex applies random insertions and deletions (ids mostly recent,
// some old, as a book's live orders are) and compares the index with a map
// after every step, so that backward-shift deletion is exercised across
// wrapped and colliding runs and across growth.
func TestIDIndex(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var x idIndex
	require.Nil(t, x.get(1), "empty index")
	want := map[OrderID]*order{}
	var live []*order
	next := OrderID(1)
	for step := 0; step < 200000; step++ {
		// Grow to a few thousand live orders, then hover around that.
		grow := len(live) < 3000 || step > 150000
		if op := r.IntN(10); len(live) == 0 || (grow && op < 6) || (!grow && op < 5) {
			o := &order{id: next}
			next += OrderID(1 + r.IntN(3))
			x.put(o)
			want[o.id] = o
			live = append(live, o)
		} else {
			i := r.IntN(len(live))
			if r.IntN(2) == 0 {
				i = len(live) - 1 - r.IntN(min(len(live), 16)) // a recent order
			}
			o := live[i]
			x.del(o.id)
			delete(want, o.id)
			live[i] = live[len(live)-1]
			live = live[:len(live)-1]
			require.Nil(t, x.get(o.id), "step %d: deleted %d", step, o.id)
		}
		require.Equal(t, len(want), x.len())
		require.LessOrEqual(t, 2*x.len(), len(x.slots), "load stays at most one half")
		if step%500 == 0 {
			for id, o := range want {
				require.Same(t, o, x.get(id), "step %d id %d", step, id)
			}
			require.Nil(t, x.get(next), "an id not yet used")
			seen := 0
			x.each(func(o *order) {
				require.Same(t, want[o.id], o)
				seen++
			})
			require.Equal(t, len(want), seen, "each visits every order once")
		}
	}
}

// TestIDIndexCollisions fills one run of colliding ids, including one that
// wraps around the end of the table, and deletes from its middle.
func TestIDIndexCollisions(t *testing.T) {
	var x idIndex
	x.put(&order{id: 1})
	x.del(1)
	size := len(x.slots)
	// Ids whose home slot is the last slot, so that their run wraps.
	var ids []OrderID
	for id := OrderID(1); len(ids) < 6; id++ {
		if x.home(id) == size-1 {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		x.put(&order{id: id})
	}
	require.Equal(t, size, len(x.slots), "no growth")
	deleted := map[OrderID]bool{}
	for _, k := range []int{2, 0, 5} {
		x.del(ids[k])
		deleted[ids[k]] = true
		for _, id := range ids {
			if deleted[id] {
				require.Nil(t, x.get(id), "deleted id %d", id)
			} else {
				require.Equal(t, id, x.get(id).id, "id %d after deleting %d", id, ids[k])
			}
		}
	}
	require.Equal(t, 3, x.len())
}
