package sequencer

import (
	"fmt"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/engine/commerce"
)

// writeLoop is the writer goroutine: drain, stamp, journal, hand over.
//
// Batching adapts by itself: the loop takes whatever is waiting (up to
// MaxBatch) the moment it is free, so a lone command is written at once and
// batches grow while a write is in progress.
func (s *Sequencer) writeLoop() {
	for {
		first, ok := <-s.inbox
		if !ok {
			close(s.batches)
			return
		}
		b := s.getBatch()
		b.reqs = append(b.reqs, first)
		n := len(first.commands())
	drain:
		for n < s.opts.MaxBatch {
			select {
			case r, ok := <-s.inbox:
				if !ok {
					break drain
				}
				b.reqs = append(b.reqs, r)
				n += len(r.commands())
			default:
				break drain
			}
		}
		now := s.opts.Now()
		seq := s.next
		for _, r := range b.reqs {
			for _, c := range r.commands() {
				c.Seq, c.Time = seq, now
				b.cmds = append(b.cmds, c)
				seq++
			}
		}
		if err := s.appendBatch(b.cmds); err != nil {
			s.failStop(b, err)
			return
		}
		s.next += uint64(len(b.cmds))
		s.batches <- b
	}
}

// appendBatch writes cmds to the journal (one synced write) and, with an
// OnBatch observer, reports the batch's size and the write's duration.
func (s *Sequencer) appendBatch(cmds []engine.Command) error {
	if s.opts.OnBatch == nil {
		return s.j.Append(cmds)
	}
	start := time.Now()
	if err := s.j.Append(cmds); err != nil {
		return err
	}
	s.opts.OnBatch(len(cmds), time.Since(start))
	return nil
}

// failStop stops the sequencer after a journal failure: the failed batch and
// every later submitter get an error wrapping ErrClosed and the cause.
// Batches already durable are still applied and released by the engine
// goroutine. Nothing of the failed batch is applied.
func (s *Sequencer) failStop(b *batch, cause error) {
	failure := fmt.Errorf("%w: journal write failed at seq %d: %w", ErrClosed, b.cmds[0].Seq, cause)
	s.failed.CompareAndSwap(nil, &failure)
	err := s.Err()
	s.log.Error("sequencer: fail-stop: the journal write failed; no further commands are accepted", "seq", b.cmds[0].Seq, "err", cause)
	for _, r := range b.reqs {
		s.reply(r, nil, err)
	}
	// The engine goroutine applies the batches already durable, then stops.
	close(s.batches)
	// Fail whatever is still queued, and stragglers that were enqueued
	// before they could see the failure, until Close closes the inbox.
	for r := range s.inbox {
		s.reply(r, nil, err)
	}
}

func (s *Sequencer) getBatch() *batch {
	if b, ok := s.free.Get().(*batch); ok {
		return b
	}
	return &batch{reqs: make([]*request, 0, 64), cmds: make([]engine.Command, 0, 64)}
}

func (s *Sequencer) putBatch(b *batch) {
	clear(b.reqs)
	clear(b.cmds)
	b.reqs, b.cmds = b.reqs[:0], b.cmds[:0]
	s.free.Put(b)
}

// engineLoop is the engine goroutine: apply durable batches in order, and
// run control functions (queries, snapshot serialisation) between them.
func (s *Sequencer) engineLoop() {
	defer close(s.stopped)
	for {
		select {
		case b, ok := <-s.batches:
			if !ok {
				s.subs.closeAll(s.closedErr())
				return
			}
			s.apply(b)
		case fn := <-s.ctl:
			fn()
		}
	}
}

// apply applies one durable batch, releases its results and publishes them.
func (s *Sequencer) apply(b *batch) {
	n := len(b.cmds)
	results := make([]Result, n)
	// One slab of events per batch, sized from the previous batches' events
	// per command so that it rarely grows (events are large values).
	trade := make([]book.Event, 0, s.tradeRate.estimate(n))
	comm := make([]commerce.Event, 0, s.commRate.estimate(n))
	for i := range b.cmds {
		s.out.Reset()
		s.eng.Apply(&b.cmds[i], &s.out)
		res := &results[i]
		res.Seq, res.Time = s.out.Seq, s.out.Time
		if len(s.out.Trade) > 0 {
			start := len(trade)
			trade = append(trade, s.out.Trade...)
			res.Trade = trade[start:len(trade):len(trade)]
			copyRestricted(res.Trade)
		}
		if len(s.out.Commerce) > 0 {
			start := len(comm)
			comm = append(comm, s.out.Commerce...)
			res.Commerce = comm[start:len(comm):len(comm)]
		}
	}
	s.tradeRate.observe(len(trade), n)
	s.commRate.observe(len(comm), n)
	off := 0
	for _, r := range b.reqs {
		k := len(r.commands())
		if r.multi != nil {
			r.all = results[off : off+k : off+k]
		} else {
			r.res = &results[off]
		}
		off += k
		r.done <- struct{}{}
	}
	s.subs.publish(results)
	s.nCommands.Add(uint64(n))
	s.nBatches.Add(1)
	if uint64(n) > s.nMaxBatch.Load() {
		s.nMaxBatch.Store(uint64(n))
	}
	s.putBatch(b)
}

// copyRestricted gives account events their own Restricted slice: the
// engine may hand out its internal one, and a Result must not alias engine
// state.
func copyRestricted(evs []book.Event) {
	for i := range evs {
		if r := evs[i].Acct.Restricted; len(r) > 0 {
			evs[i].Acct.Restricted = append([]string(nil), r...)
		}
	}
}

// eventRate tracks events per command (in 1/16ths), to size event slabs.
// Engine goroutine only.
type eventRate struct{ per16 int }

func (r *eventRate) estimate(cmds int) int {
	if r.per16 == 0 {
		return 0 // none lately: allocate only if some come
	}
	return cmds*r.per16/16 + cmds/8 + 8
}

func (r *eventRate) observe(events, cmds int) {
	// An exponential moving average, quick to follow a change of workload
	// and decaying to zero when the events stop.
	r.per16 = (r.per16 + 16*events/max(cmds, 1)) / 2
}
