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
	migrating := 0
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
		if x.old != nil {
			migrating++
		}
		if step%500 == 0 || (x.old != nil && step%7 == 0) {
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
	require.Greater(t, migrating, 1000, "steps taken while the table grows incrementally")
}

// TestIDIndexGrowsIncrementally: a put that crosses half load starts a
// larger table and moves only a few entries; lookups and deletions of
// entries not moved yet work while the rest move, and the old table is
// dropped once empty.
func TestIDIndexGrowsIncrementally(t *testing.T) {
	var x idIndex
	var orders []*order
	for id := OrderID(1); len(x.slots) == 0 || 2*(x.n+1) <= len(x.slots); id++ {
		o := &order{id: id}
		x.put(o)
		orders = append(orders, o)
	}
	require.Nil(t, x.old)
	size := len(x.slots)
	last := &order{id: OrderID(len(orders) + 1)}
	x.put(last)
	orders = append(orders, last)
	require.Equal(t, 2*size, len(x.slots))
	require.Len(t, x.old, size, "the old table is kept while its entries move")
	require.LessOrEqual(t, x.next, migrateStep, "a put moves only a few slots")
	// Delete some entries before they move, and one already moved.
	for _, k := range []int{len(orders) / 2, len(orders) - 2, 3} {
		o := orders[k]
		x.del(o.id)
		require.Nil(t, x.get(o.id))
		orders = append(orders[:k], orders[k+1:]...)
	}
	for _, o := range orders {
		require.Same(t, o, x.get(o.id))
	}
	for id := OrderID(10_000_000); x.old != nil; id++ {
		o := &order{id: id}
		x.put(o)
		orders = append(orders, o)
	}
	require.Equal(t, len(orders), x.len())
	for _, o := range orders {
		require.Same(t, o, x.get(o.id))
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
