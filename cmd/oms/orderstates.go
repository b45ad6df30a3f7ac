package main

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/commerce"
	"github.com/ordercore/oms/sequencer"
)

// orderStatesChunk is how many orders one engine query reads at start-up,
// so that the engine pauses for milliseconds at a time, not for the whole
// order book.
const orderStatesChunk = 4096

// orderStates counts commerce orders by status for the metrics: the orders
// in memory, so an archived order (see engine/commerce retention) leaves the
// counts. It reads
// every order's status once, in chunks, then follows the sequencer's
// results: an event counts unless the chunk holding its order was read
// after it (each chunk remembers the engine's seq when it was read).
type orderStates struct {
	seq *sequencer.Sequencer
	log *slog.Logger

	mu     sync.Mutex
	status []commerce.Status // by order id - 1
	marks  []uint64          // per chunk: the seq it was read at
	counts map[commerce.Status]int64
	ready  bool
}

func newOrderStates(seq *sequencer.Sequencer, log *slog.Logger) *orderStates {
	return &orderStates{seq: seq, log: log, counts: map[commerce.Status]int64{}}
}

// run keeps the counts until stop is closed, starting over if its
// subscription is cut off.
func (t *orderStates) run(stop <-chan struct{}) {
	for {
		err := t.follow(stop)
		select {
		case <-stop:
			return
		default:
		}
		t.log.Warn("order status counts: starting over", "err", err)
		select {
		case <-stop:
			return
		case <-time.After(time.Second):
		}
	}
}

func (t *orderStates) follow(stop <-chan struct{}) error {
	sub, err := t.seq.Subscribe(0, 1<<16)
	if err != nil {
		return err
	}
	defer sub.Close()
	if err := t.load(stop); err != nil {
		return err
	}
	for {
		select {
		case <-stop:
			return nil
		case r, ok := <-sub.C:
			if !ok {
				if err := sub.Err(); err != nil {
					return err
				}
				return errors.New("subscription closed")
			}
			t.apply(r)
		}
	}
}

// load reads every order's status, a chunk per engine query.
func (t *orderStates) load(stop <-chan struct{}) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	var status []commerce.Status
	var marks []uint64
	for done := false; !done; {
		var mark uint64
		first := commerce.OrderID(len(status) + 1)
		err := t.seq.Query(ctx, func(e *engine.Engine) {
			mark = e.LastSeq()
			c := e.Commerce()
			last := c.LastOrderID()
			for id := first; id < first+orderStatesChunk; id++ {
				if id > last {
					done = true
					return
				}
				// An archived order has left memory: it counts nowhere.
				var st commerce.Status
				if v, ok := c.Order(id); ok {
					st = v.Status
				}
				status = append(status, st)
			}
		})
		if err != nil {
			return err
		}
		marks = append(marks, mark)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.status, t.marks, t.ready = status, marks, true
	clear(t.counts)
	for _, s := range status {
		if s != 0 {
			t.counts[s]++
		}
	}
	return nil
}

// apply counts the order status changes in one result.
func (t *orderStates) apply(r *sequencer.Result) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range r.Commerce {
		e := &r.Commerce[i]
		if e.Duplicate || e.Order == 0 || (e.Kind != commerce.EvOrderCreated && e.Kind != commerce.EvArchived &&
			!(e.Kind == commerce.EvOrderStatus && e.Line == 0)) {
			continue
		}
		idx := int(e.Order - 1)
		if c := idx / orderStatesChunk; c < len(t.marks) && idx < len(t.status) && r.Seq <= t.marks[c] {
			continue // the chunk was read after this event
		}
		for idx >= len(t.status) {
			t.status = append(t.status, 0)
		}
		st := e.Status
		switch e.Kind {
		case commerce.EvOrderCreated:
			st = commerce.StatusCreated
		case commerce.EvArchived:
			st = 0 // archived orders leave the counts
		}
		if old := t.status[idx]; old != 0 {
			t.counts[old]--
		}
		t.status[idx] = st
		if st != 0 {
			t.counts[st]++
		}
	}
}

// snapshot returns the counts, or false before the first load finished.
func (t *orderStates) snapshot() (map[commerce.Status]int64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.ready {
		return nil, false
	}
	out := make(map[commerce.Status]int64, len(t.counts))
	for k, v := range t.counts {
		out[k] = v
	}
	return out, true
}
