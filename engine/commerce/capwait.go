package commerce

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/ordercore/oms/engine/wire"
)

// Capacity retries. A location's daily capacity can stop a backorder fill
// that has stock to give (fillEligible skips the entries that would need a
// new shipment there today), and it can keep a new order from stock it
// then backorders. Nothing arrives to trigger a fill when the capacity comes
// back, so the engine remembers such cells in Engine.capWait and offers
// their ATP to the backorder queue again once the location has capacity:
//
//   - at the next capacity day, in the first command that observes it: a
//     tick, a placement (before the new order is validated, since a
//     reservation's location must have capacity left after the waiting
//     backorders took theirs), a reservation or any backorder fill, so that
//     no new order, reservation or other fill takes the day's capacity or
//     the stock before the waiting backorders are offered both. The roll is
//     a time effect, not the command's: it stands if the placement or
//     reservation is rejected (doc.go);
//   - at once when the location's capacity is raised or removed (SetLocation).
//
// The retry is the ordinary fill: queue order, the same eligibility, and it
// may stop short again (and wait again) when the new day's capacity runs out.
// Due cells are retried in (location id, SKU name) order.

// capWaiter is a cell waiting for its location's capacity.
type capWaiter struct {
	loc int32 // index in Engine.locs
	sku int32 // index in Engine.skus
}

// noCapRoll is capRollAt when no cell waits.
const noCapRoll = int64(1<<63 - 1)

// compareCapWaiters orders waiters by (location id, SKU name): canonical, so
// that a restored engine retries in the same order.
func (e *Engine) compareCapWaiters(a, b capWaiter) int {
	if c := cmp.Compare(e.locs[a.loc].def.ID, e.locs[b.loc].def.ID); c != 0 {
		return c
	}
	return cmp.Compare(e.skus[a.sku].name, e.skus[b.sku].name)
}

// noteCapWait records that capacity at loc kept sku's stock there from the
// backorder queue.
// REQUIRES: !e.capacityLeft(loc).
func (e *Engine) noteCapWait(loc, sku int32) {
	w := capWaiter{loc: loc, sku: sku}
	i, found := slices.BinarySearchFunc(e.capWait, w, e.compareCapWaiters)
	if !found {
		e.capWait = slices.Insert(e.capWait, i, w)
	}
	e.capRollAt = min(e.capRollAt, e.capFreeAt(loc))
}

// noteCapWaitCells records the cells of sku whose stock capacity kept from a
// line that placement backordered.
func (e *Engine) noteCapWaitCells(sku int32) {
	for _, h := range e.skus[sku].hot {
		if h.atp > 0 && !e.capacityLeft(h.loc) {
			e.noteCapWait(h.loc, sku)
		}
	}
}

// capFreeAt returns the time from which loc has capacity for one more
// shipment by the passing of time alone: the start of the day after its
// capacity day if that day's capacity is used up, else the smallest time.
func (e *Engine) capFreeAt(loc int32) int64 {
	l := &e.locs[loc]
	if l.def.Capacity == 0 || l.capUsed < l.def.Capacity {
		return -1 << 63
	}
	if l.capDay >= noCapRoll/Day {
		return noCapRoll
	}
	return (l.capDay + 1) * Day
}

// nextCapRoll derives capRollAt from the waiting cells.
func (e *Engine) nextCapRoll() int64 {
	at := noCapRoll
	for _, w := range e.capWait {
		at = min(at, e.capFreeAt(w.loc))
	}
	return at
}

// rollCapacity retries the waiting cells once some location of theirs may
// have capacity again. It costs one comparison when nothing is due.
func (e *Engine) rollCapacity() {
	if e.now >= e.capRollAt {
		e.retryCapacity()
	}
}

// retryCapacity offers the ATP of every waiting cell whose location has
// capacity now to its SKU's backorder queue.
func (e *Engine) retryCapacity() {
	if len(e.capWait) == 0 {
		e.capRollAt = noCapRoll
		return
	}
	due, keep := e.capDue[:0], e.capWait[:0]
	for _, w := range e.capWait {
		if e.capacityLeft(w.loc) {
			due = append(due, w)
		} else {
			keep = append(keep, w)
		}
	}
	e.capWait = keep
	// NB: the fills below call rollCapacity; they must not retry again.
	// What they add waits for a later day (noteCapWait's REQUIRES).
	e.capRollAt = noCapRoll
	for _, w := range due {
		e.fillBackorders(w.sku, e.cellIndex(w.sku, e.locs[w.loc].def.ID))
	}
	e.capDue = due[:0]
	e.capRollAt = e.nextCapRoll()
}

// snapCapWait writes the waiting cells in their (canonical) order.
func (e *Engine) snapCapWait(w *wire.Writer) {
	w.Uvarint(uint64(len(e.capWait)))
	for _, c := range e.capWait {
		w.Uvarint(uint64(e.locs[c.loc].def.ID))
		w.String(string(e.skus[c.sku].name))
	}
}

// restoreCapWait reads the waiting cells and derives capRollAt.
func (e *Engine) restoreCapWait(r *wire.Reader) {
	n := r.Count()
	for range n {
		c := capWaiter{loc: e.loc(r), sku: e.sku(r)}
		if r.Err() != nil {
			return
		}
		if k := len(e.capWait); k > 0 && e.compareCapWaiters(e.capWait[k-1], c) >= 0 {
			corrupt(r, "capacity waiters out of order at location %d sku %q", e.locs[c.loc].def.ID, e.skus[c.sku].name)
			return
		}
		e.capWait = append(e.capWait, c)
	}
	e.capRollAt = e.nextCapRoll()
}

// deriveCapWait rebuilds the waiting cells for a snapshot from before they
// were kept (version 1 and 2), which would otherwise wait for another fill
// at their location: every cell with ATP whose location's capacity day is
// used up and whose SKU has backorders in a part of the queue the location
// serves. It may note a cell that something other than capacity kept from
// its backorders; its retry then fills nothing, as the fill it repeats did.
// REQUIRES: the backorder queues are rebuilt; capWait is empty.
func (e *Engine) deriveCapWait() {
	for i := range e.skus { // capWait is kept sorted whatever the visiting order
		si := int32(i)
		q := e.backorderQueue(si)
		if q == nil {
			continue
		}
		for ci := range e.skus[si].cells {
			c := &e.skus[si].cells[ci]
			if c.atp() <= 0 || e.capFreeAt(c.loc) == -1<<63 {
				continue
			}
			d := &e.locs[c.loc].def
			waits := d.shipEligible() && len(q.ship) > 0
			if p := q.part(c.loc, false); !waits && p != nil && d.takesPickups() {
				waits = len(*p) > 0
			}
			if waits {
				e.noteCapWait(c.loc, si)
			}
		}
	}
	e.capRollAt = e.nextCapRoll()
}

// checkCapWait checks that the waiting cells are sorted and unique and that
// capRollAt is derived from them.
func (e *Engine) checkCapWait() error {
	for i, c := range e.capWait {
		if c.loc < 0 || int(c.loc) >= len(e.locs) || c.sku < 0 || int(c.sku) >= len(e.skus) {
			return fmt.Errorf("capacity waiter %d: location %d sku %d out of range", i, c.loc, c.sku)
		}
		if i > 0 && e.compareCapWaiters(e.capWait[i-1], c) >= 0 {
			return fmt.Errorf("capacity waiter %d: out of order", i)
		}
	}
	if at := e.nextCapRoll(); at != e.capRollAt {
		return fmt.Errorf("capacity roll at %d, derived %d", e.capRollAt, at)
	}
	return nil
}
