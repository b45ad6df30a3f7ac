package sequencer

import (
	"fmt"
	"sync"
)

// Subscription delivers every applied command's Result in seq order. C is
// closed when the subscription ends; Err then says why.
type Subscription struct {
	// C yields results in seq order with no gaps.
	C <-chan *Result

	c    chan *Result
	from uint64 // the seq of the first result; immutable
	subs *subscribers
	err  error // guarded by subs.mu
	done bool  // guarded by subs.mu
	// catching is true while a catch-up goroutine rebuilds old results from
	// the journal; it then owns c (sends and closes it), and remove only
	// closes quit. Guarded by subs.mu.
	catching bool
	quit     chan struct{}
	// skipUntil drops published results below it: a catch-up that attached
	// ahead of the engine already sent them. Guarded by subs.mu.
	skipUntil uint64
}

// Err returns why C was closed: ErrSlowConsumer (cut off because its buffer
// was full), ErrClosed (the sequencer stopped; after a journal failure it
// wraps the cause too), or nil while open or after Close.
func (s *Subscription) Err() error {
	s.subs.mu.Lock()
	defer s.subs.mu.Unlock()
	return s.err
}

// From returns the seq of the subscription's first result: fromSeq as
// given to Subscribe, or for fromSeq 0 the seq the next command got. A
// consumer that has received nothing yet resumes from it without a gap.
func (s *Subscription) From() uint64 { return s.from }

// Close ends the subscription and closes C (at once, or, while old results
// are being rebuilt from the journal, as soon as that stops). It is
// idempotent.
func (s *Subscription) Close() {
	s.subs.mu.Lock()
	defer s.subs.mu.Unlock()
	s.subs.remove(s, nil)
}

// subscribers is the subscriber list and the ring of recent results.
//
// INVARIANT: ring holds the results for seqs (pub-count, pub], each at
// index seq % len(ring); a subscriber has been sent every result up to pub.
type subscribers struct {
	mu    sync.Mutex
	ring  []*Result
	count uint64 // results in the ring
	pub   uint64 // last published seq
	list  []*Subscription
	// catching holds the subscriptions still catching up from the journal.
	catching map[*Subscription]struct{}
	closed   error // set once the sequencer stopped
}

func (ss *subscribers) init(size int, lastSeq uint64) {
	ss.ring = make([]*Result, size)
	ss.pub = lastSeq
	ss.catching = make(map[*Subscription]struct{})
}

// Subscribe returns a subscription that yields every result from seq fromSeq
// on (0: from the next command). buffer (at least 1) is how many undelivered
// live results the subscriber may hold before it is cut off with
// ErrSlowConsumer; the engine never waits for a subscriber.
//
// Results still in the ring of recent results are queued at once. An older
// fromSeq fails with ErrTooOld, unless Options.ResumeFromJournal is set:
// then older results are rebuilt from the journal by a goroutine of the
// subscription's own (restore the latest snapshot at or before fromSeq-1, replay, and
// stream the re-derived results, identical to the originals since the
// engine is deterministic; that goroutine waits for the subscriber rather
// than cutting it off) until it reaches the live stream. When the journal no
// longer holds what that needs (pruned), Subscribe fails with ErrTooOld.
func (s *Sequencer) Subscribe(fromSeq uint64, buffer int) (*Subscription, error) {
	if buffer < 1 {
		return nil, fmt.Errorf("sequencer: subscribe: buffer is %d: want at least 1", buffer)
	}
	ss := &s.subs
	ss.mu.Lock()
	if ss.closed != nil {
		ss.mu.Unlock()
		return nil, ss.closed
	}
	next := ss.pub + 1
	if fromSeq == 0 {
		fromSeq = next
	}
	if fromSeq > next {
		ss.mu.Unlock()
		return nil, fmt.Errorf("sequencer: subscribe from seq %d: beyond the next seq %d", fromSeq, next)
	}
	if oldest := next - ss.count; fromSeq < oldest {
		// The ring only moves on, so fromSeq stays too old for it. The
		// journal is asked without the lock, which publish needs.
		ss.mu.Unlock()
		if !s.opts.ResumeFromJournal {
			return nil, fmt.Errorf("%w: seq %d; the oldest result held is seq %d", ErrTooOld, fromSeq, oldest)
		}
		return s.subscribeFromJournal(fromSeq, buffer, oldest)
	}
	defer ss.mu.Unlock()
	backlog := next - fromSeq
	c := make(chan *Result, uint64(buffer)+backlog)
	for seq := fromSeq; seq < next; seq++ {
		c <- ss.ring[seq%uint64(len(ss.ring))]
	}
	sub := &Subscription{C: c, c: c, from: fromSeq, subs: ss}
	ss.list = append(ss.list, sub)
	return sub, nil
}

// publish records results in the ring and sends them to every subscriber,
// cutting off any whose buffer is full. It never blocks.
func (ss *subscribers) publish(results []Result) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	size := uint64(len(ss.ring))
	for i := range results {
		r := &results[i]
		ss.ring[r.Seq%size] = r
		ss.pub = r.Seq
		if ss.count < size {
			ss.count++
		}
	}
	for i := 0; i < len(ss.list); {
		sub := ss.list[i]
		rs := results
		if sub.skipUntil > rs[0].Seq {
			rs = rs[min(sub.skipUntil-rs[0].Seq, uint64(len(rs))):]
		}
		if !sendAll(sub.c, rs) {
			ss.remove(sub, ErrSlowConsumer)
			continue // remove swapped another subscriber into i
		}
		i++
	}
}

// sendAll sends results without blocking; false if the channel filled up.
func sendAll(c chan *Result, results []Result) bool {
	for i := range results {
		select {
		case c <- &results[i]:
		default:
			return false
		}
	}
	return true
}

// remove ends sub with err. REQUIRES: ss.mu held.
func (ss *subscribers) remove(sub *Subscription, err error) {
	if sub.done {
		return
	}
	sub.done, sub.err = true, err
	if sub.catching {
		close(sub.quit) // the catch-up goroutine closes c
		return
	}
	close(sub.c)
	for i, x := range ss.list {
		if x == sub {
			last := len(ss.list) - 1
			ss.list[i], ss.list[last] = ss.list[last], nil
			ss.list = ss.list[:last]
			break
		}
	}
}

// closeAll ends every subscription with err and refuses new ones.
func (ss *subscribers) closeAll(err error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.closed = err
	for len(ss.list) > 0 {
		ss.remove(ss.list[len(ss.list)-1], err)
	}
	for sub := range ss.catching {
		ss.remove(sub, err)
	}
}
