package sequencer

import (
	"errors"
	"fmt"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/journal"
)

// subscribeFromJournal starts a subscription whose first results are older
// than the ring: a goroutine rebuilds them from the journal, then attaches
// the subscription to the live stream. REQUIRES: s.subs.mu held.
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
	c := make(chan *Result, buffer)
	sub := &Subscription{C: c, c: c, from: fromSeq, subs: &s.subs, catching: true, quit: make(chan struct{})}
	s.subs.catching[sub] = struct{}{}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		s.catchUp(sub, fromSeq)
	}()
	return sub, nil
}

// catchUp rebuilds the engine state at from-1 in a scratch engine, streams
// re-derived results from the journal, and attaches sub to the live stream
// once it has caught up with what the engine has published. It first waits
// for one of the MaxCatchUps slots, or for the subscription to end.
func (s *Sequencer) catchUp(sub *Subscription, from uint64) {
	select {
	case s.catchUps <- struct{}{}:
		defer func() { <-s.catchUps }()
	case <-sub.quit:
		s.endCatchUp(sub, nil) // Err was set when it ended
		return
	}
	e := engine.New()
	if from > 1 {
		if _, err := s.j.Recover(e, journal.ReplayOptions{Until: from - 1}); err != nil {
			s.endCatchUp(sub, fmt.Errorf("%w: rebuilding seq %d: %w", ErrTooOld, from, err))
			return
		}
	}
	next := from
	var out engine.Output
	for {
		err := s.j.Scan(next, s.j.LastSeq(), func(c *engine.Command) error {
			out.Reset()
			e.Apply(c, &out)
			select {
			case sub.c <- newResult(&out):
				next++
				return nil
			case <-sub.quit:
				return errQuit
			}
		})
		if errors.Is(err, journal.ErrRules) {
			// Results of other rules cannot be rebuilt, as when Recover
			// above meets such a command. The scan failed at seq next,
			// which err names.
			s.endCatchUp(sub, fmt.Errorf("%w: cannot rebuild: %w", ErrTooOld, err))
			return
		}
		if err != nil {
			s.endCatchUp(sub, fmt.Errorf("sequencer: subscription catch-up at seq %d: %w", next, err))
			return
		}
		if s.attach(sub, next) {
			return
		}
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
