package sequencer

import (
	"errors"
	"fmt"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/journal"
)

// subscribeFromJournal starts a subscription whose first results are older
// than the ring: a goroutine rebuilds them from the journal, then attaches
// the subscription to the live stream. REQUIRES: s.subs.mu not held (the
// journal look-up must not stall publish).
//
// The channel holds twice buffer results: the catch-up fills at most
// buffer of it before it attaches (see attach), so that the subscription
// joins the live stream with room for buffer live results, as Subscribe
// promises, not with a channel full of rebuilt ones.
func (s *Sequencer) subscribeFromJournal(fromSeq uint64, buffer int, oldest uint64) (*Subscription, error) {
	if err := s.j.Replayable(fromSeq); err != nil {
		return nil, fmt.Errorf("%w: seq %d; the oldest result held is seq %d and the journal cannot rebuild it: %w", ErrTooOld, fromSeq, oldest, err)
	}
	// Close waits for the goroutine: register under mu so that Add never
	// races Close's Wait.
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, s.closedErr()
	}
	c := make(chan *Result, 2*buffer)
	sub := &Subscription{C: c, c: c, from: fromSeq, subs: &s.subs, catching: true, quit: make(chan struct{})}
	s.subs.mu.Lock()
	if s.subs.closed != nil {
		s.subs.mu.Unlock()
		return nil, s.subs.closed
	}
	s.subs.catching[sub] = struct{}{}
	s.subs.mu.Unlock()
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		s.catchUp(sub, fromSeq, buffer)
	}()
	return sub, nil
}

// catchUp rebuilds the engine state at from-1 in a scratch engine, streams
// re-derived results from the journal, and attaches sub to the live stream
// once it has caught up with what the engine has published. It first waits
// for one of the MaxCatchUps slots, or for the subscription to end.
//
// It reads no further than the engine has published: a command that is
// durable but not yet applied is not delivered early, so a consumer that
// got seq N from the catch-up can always resubscribe from N+1.
func (s *Sequencer) catchUp(sub *Subscription, from uint64, buffer int) {
	select {
	case s.catchUps <- struct{}{}:
		defer func() { <-s.catchUps }()
	case <-sub.quit:
		s.endCatchUp(sub, nil) // Err was set when it ended
		return
	}
	quit := func(*engine.Command) error {
		select {
		case <-sub.quit:
			return errQuit
		default:
			return nil
		}
	}
	e := engine.New()
	if from > 1 {
		// The rebuild stops when the subscription ends (Close of the
		// sequencer ends it too, and waits for this goroutine).
		_, err := s.j.Recover(e, journal.ReplayOptions{Until: from - 1, OnCommand: quit})
		if errors.Is(err, errQuit) {
			s.endCatchUp(sub, nil)
			return
		}
		if err != nil {
			s.endCatchUp(sub, fmt.Errorf("%w: rebuilding seq %d: %w", ErrTooOld, from, err))
			return
		}
	}
	next := from
	var out engine.Output
	for {
		if until := s.published(); next <= until {
			err := s.j.Scan(next, until, func(c *engine.Command) error {
				out.Reset()
				e.Apply(c, &out)
				// Hold at most buffer rebuilt results, so that the
				// channel has room for buffer live ones when it attaches.
				for len(sub.c) >= buffer {
					if !s.waitDrain(sub) {
						return errQuit
					}
				}
				select {
				case sub.c <- newResult(&out):
					next++
					return nil
				case <-sub.quit:
					return errQuit
				}
			})
			switch {
			case errors.Is(err, journal.ErrRules), errors.Is(err, journal.ErrGap):
				// Results of other rules cannot be rebuilt, as when
				// Recover above meets such a command; nor can commands
				// pruned while the consumer read slowly. The scan
				// failed at seq next, which err names.
				s.endCatchUp(sub, fmt.Errorf("%w: cannot rebuild: %w", ErrTooOld, err))
				return
			case err != nil:
				s.endCatchUp(sub, fmt.Errorf("sequencer: subscription catch-up at seq %d: %w", next, err))
				return
			}
		}
		if s.attach(sub, next) {
			return
		}
	}
}

// published returns the last seq the engine has published.
func (s *Sequencer) published() uint64 {
	s.subs.mu.Lock()
	defer s.subs.mu.Unlock()
	return s.subs.pub
}

// catchUpPoll is how often a catch-up whose consumer holds buffer rebuilt
// results looks whether it has read some.
const catchUpPoll = time.Millisecond

// waitDrain waits a little for sub's consumer to read; false if sub ended.
func (s *Sequencer) waitDrain(sub *Subscription) bool {
	t := time.NewTimer(catchUpPoll)
	defer t.Stop()
	select {
	case <-sub.quit:
		return false
	case <-t.C:
		return true
	}
}

// errQuit stops a catch-up scan when the subscription ends.
var errQuit = errors.New("sequencer: subscription closed")

// attach registers sub for live results from next on, if the engine has
// published at least up to next-1 (results below next were sent by the
// catch-up; those the engine publishes later are skipped). It reports
// whether the catch-up is over.
func (s *Sequencer) attach(sub *Subscription, next uint64) bool {
	ss := &s.subs
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if sub.done {
		s.finishCatchUpLocked(sub)
		return true
	}
	if next <= ss.pub {
		return false // the engine moved on meanwhile: read more from the journal
	}
	delete(ss.catching, sub)
	sub.catching, sub.skipUntil = false, next
	ss.list = append(ss.list, sub)
	return true
}

// endCatchUp ends a catching-up subscription with err (unless it already
// ended) and closes its channel.
func (s *Sequencer) endCatchUp(sub *Subscription, err error) {
	ss := &s.subs
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if !sub.done { // else it was closed (errQuit), and Err is already set
		sub.done, sub.err = true, err
	}
	s.finishCatchUpLocked(sub)
}

func (s *Sequencer) finishCatchUpLocked(sub *Subscription) {
	delete(s.subs.catching, sub)
	sub.catching = false
	close(sub.c)
}

// newResult copies an Output into a Result of its own.
func newResult(out *engine.Output) *Result {
	r := &Result{Seq: out.Seq, Time: out.Time}
	if len(out.Trade) > 0 {
		r.Trade = append(r.Trade, out.Trade...)
	}
	if len(out.Commerce) > 0 {
		r.Commerce = append(r.Commerce, out.Commerce...)
	}
	return r
}
