package sequencer

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/journal"
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

// failStop stops the sequencer after a journal failure. The failed batch's
// submitters get an error wrapping ErrOutcomeUnknown, ErrClosed and the
// cause: the write may have reached the disk (a failed fsync says nothing
// about what the file holds), and recovery would then replay it; unless
// the journal refused the batch before writing any of it
// (journal.ErrNotWritten: it had already failed, say, on a snapshot's
// write), when they get the fail-stop error like later submitters. Every
// later submitter, whose command never reached the journal, gets the
// fail-stop error (ErrClosed and the cause, not ErrOutcomeUnknown): not
// applied, now or ever. Batches already durable are still applied and
// released by the engine goroutine. Nothing of the failed batch is applied
// by this process.
func (s *Sequencer) failStop(b *batch, cause error) {
	failure := fmt.Errorf("%w: journal write failed at seq %d: %w", ErrClosed, b.cmds[0].Seq, cause)
	s.failed.CompareAndSwap(nil, &failure)
	err := s.Err()
	batchErr := fmt.Errorf("%w (the write may have reached the disk and be applied on recovery): %w", ErrOutcomeUnknown, err)
	msg := "sequencer: fail-stop: the journal write failed; no further commands are accepted; " +
		"the outcome of the failed batch is unknown until recovery"
	if errors.Is(cause, journal.ErrNotWritten) {
		batchErr = err
		msg = "sequencer: fail-stop: the journal refused the batch before writing it; no further commands are accepted"
	}
	s.log.Error(msg, "seq", b.cmds[0].Seq, "commands", len(b.cmds), "err", cause)
	for _, r := range b.reqs {
		s.reply(r, nil, batchErr)
	}
	// The engine goroutine applies the batches already durable, then stops.
	close(s.batches)
	// Fail whatever is still queued, and stragglers that were enqueued
	// before they could see the failure, until Close closes the inbox:
	// none of them was handed to the journal.
	for r := range s.inbox {
		s.reply(r, nil, err)
	}
}

// getBatch and putBatch recycle batches through a free list that holds
// every batch that can be in flight (one being written, Pipeline waiting,
// one being applied), so that steady state makes none. A sync.Pool would
// drop them at every GC, and each new batch regrows its command slice.
func (s *Sequencer) getBatch() *batch {
	select {
	case b := <-s.free:
		return b
	default:
		return &batch{reqs: make([]*request, 0, 64), cmds: make([]engine.Command, 0, 64)}
	}
}

func (s *Sequencer) putBatch(b *batch) {
	clear(b.reqs)
	b.reqs = b.reqs[:0]
	if cap(b.cmds) > 2*s.opts.MaxBatch {
		// A huge SubmitBatch: let its buffer go (no need to clear it).
		b.cmds = make([]engine.Command, 0, 64)
	} else {
		clear(b.cmds)
		b.cmds = b.cmds[:0]
	}
	select {
	case s.free <- b:
	default:
	}
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

// apply applies one durable batch, publishes its results and releases them.
//
// The engine appends each command's events straight into one slab per
// batch (s.out is not reset between commands), and each result is a
// capacity-limited slice of it: copying events out of a reused buffer
// was a fifth of the engine goroutine's time with large batches (events
// are hundreds of bytes). A slab that grows mid-batch leaves the earlier
// results on the old array, which is never written again.
// REQUIRES: engine.Apply only appends to out, never rewrites events
// already there (its documented contract).
func (s *Sequencer) apply(b *batch) {
	n := len(b.cmds)
	results := s.resultSlab.take(n)[:n]
	// Room for the batch's events, from the previous batches' events per
	// command, so that the slabs rarely grow.
	s.out.Trade = s.tradeSlab.take(s.tradeRate.estimate(n))
	s.out.Commerce = s.commSlab.take(s.commRate.estimate(n))
	for i := range b.cmds {
		t0, c0 := len(s.out.Trade), len(s.out.Commerce)
		s.eng.Apply(&b.cmds[i], &s.out)
		res := &results[i]
		res.Seq, res.Time = s.out.Seq, s.out.Time
		if t1 := len(s.out.Trade); t1 > t0 {
			res.Trade = s.out.Trade[t0:t1:t1]
		}
		if c1 := len(s.out.Commerce); c1 > c0 {
			res.Commerce = s.out.Commerce[c0:c1:c1]
		}
	}
	s.tradeRate.observe(len(s.out.Trade), n)
	s.commRate.observe(len(s.out.Commerce), n)
	// The events written now belong to the results; later batches carve
	// from what is left after them.
	s.tradeSlab.keep(s.out.Trade)
	s.commSlab.keep(s.out.Commerce)
	s.resultSlab.keep(results)
	s.out.Trade, s.out.Commerce = nil, nil
	// Publish and count before releasing: a submitter that has its result
	// (its seq) can subscribe from that seq, or the next, at once, and
	// Stats already counts it.
	s.subs.publish(results)
	s.nCommands.Add(uint64(n))
	s.nBatches.Add(1)
	if uint64(n) > s.nMaxBatch.Load() {
		s.nMaxBatch.Store(uint64(n))
	}
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
	s.putBatch(b)
}

// Chunk sizes of the result and event slabs: a chunk serves many batches
// (about 2.5-3 MB of events, 512 KB of results), and a batch needing more
// gets a chunk of its own size.
const (
	eventChunk  = 8192
	resultChunk = 8192
)

// prefaultAhead is how many ready chunks each slab's supplier keeps.
const prefaultAhead = 2

// slab hands out the unused tail of a chunk, so that a batch's results and
// events cost no allocation of their own: a new chunk is needed only when
// the tail is too short. Every element is handed out once and never written
// again after the batch that wrote it, so results of earlier batches (held
// by submitters, subscribers and the ring) stay as they were; a chunk is
// freed by the GC when the last result in it is dropped.
//
// New chunks come from a supplier goroutine (prefault) that allocates them
// and touches every page ahead of time. The heap grows for as long as the
// engine's state does, so most chunks are memory the process has never
// touched, and the first write to each page is a page fault: measured at
// 21-25 µs per 4 KiB page on the development VM, it was a quarter of the
// server's CPU under a gRPC load, all of it on the engine goroutine, the
// one that cannot be parallelised. The supplier takes that cost on another
// core. When it has nothing ready the engine goroutine allocates itself.
// rest and chunk belong to the engine goroutine.
type slab[E any] struct {
	rest   []E // len 0; its capacity is the chunk's unused tail
	chunk  int // elements in a new chunk, at least
	supply chan []E
	// want is the chunk size the supplier makes, raised by take when
	// batches need more than chunk (4 times the largest need seen, up to
	// maxChunk), so that large batches get prefaulted chunks too and a
	// chunk serves several of them.
	want atomic.Int64
}

// maxChunk bounds a supplied chunk (about 12 MB of book events).
const maxChunk = 32768

func newSlab[E any](chunk int) slab[E] {
	return slab[E]{chunk: chunk, supply: make(chan []E, prefaultAhead)}
}

// take returns an empty slice with room for at least n elements (nil for
// n == 0 and no tail left: the first append then allocates).
func (s *slab[E]) take(n int) []E {
	if cap(s.rest) >= n {
		return s.rest
	}
	if w := int64(min(4*n, maxChunk)); n > s.chunk && w > s.want.Load() {
		s.want.Store(w)
	}
	select {
	case c := <-s.supply:
		if cap(c) >= n {
			s.rest = c
			return c
		}
		// Made before the need grew: too small for this batch, and
		// dropped (a smaller chunk would waste most of the next one).
	default:
	}
	s.rest = make([]E, 0, max(n, s.chunk))
	return s.rest
}

// keep records that used, a slice returned by take and then appended to,
// is taken: its elements are no longer handed out. If appends outgrew the
// room, used lives in a new array and its spare capacity becomes the tail.
func (s *slab[E]) keep(used []E) {
	if used == nil {
		return
	}
	s.rest = used[len(used):len(used)]
}

// prefault supplies chunks with every page already written, until stop is
// closed.
func (s *slab[E]) prefault(stop <-chan struct{}) {
	for {
		c := make([]E, max(s.chunk, int(s.want.Load())))
		touch(unsafe.Pointer(unsafe.SliceData(c)), uintptr(len(c))*unsafe.Sizeof(c[0]))
		select {
		case s.supply <- c[:0]:
		case <-stop:
			return
		}
	}
}

// touch writes a zero byte to every page of the n bytes at p, which must be
// zeroed memory the caller owns. A byte store leaves every word as it was
// (zero), so a word that holds a pointer still holds nil: no write barrier
// is needed. A typed store of a zero element would take one (bulk barriers
// over every pointer slot of the element while the collector is marking,
// 6% of a durable bulk benchmark's CPU) for no effect but the fault.
func touch(p unsafe.Pointer, n uintptr) {
	if n == 0 {
		return
	}
	for off := uintptr(0); off < n; off += pageSize {
		*(*byte)(unsafe.Add(p, off)) = 0
	}
	*(*byte)(unsafe.Add(p, n-1)) = 0
}

// pageSize is the smallest page size of the platforms served (4 KiB); on
// larger pages some writes are redundant, never missing.
const pageSize = 4096

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
