package sequencer

import (
	"context"
	"crypto/sha256"
	"fmt"

	"github.com/ordercore/oms/engine"
)

// Snapshot takes a snapshot of the engine and stores it in the journal. The
// state is serialised on the engine goroutine between batches (the only
// pause the engine sees); hashing and the synced write happen on the
// caller's goroutine while the engine carries on. It returns the snapshot's
// seq once the snapshot is durable. One snapshot runs at a time.
func (s *Sequencer) Snapshot(ctx context.Context) (uint64, error) {
	s.snapMu.Lock()
	defer s.snapMu.Unlock()
	type taken struct {
		seq   uint64
		state []byte
	}
	ch := make(chan taken, 1)
	// Close waits for snapshot writes: register under mu so that Add never
	// races Close's Wait.
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return 0, s.closedErr()
	}
	s.bg.Add(1)
	s.mu.RUnlock()
	defer s.bg.Done()
	err := s.control(ctx, func() {
		// Presized from the last snapshot: growing a large buffer by
		// doubling was a fifth of the pause in profiles.
		state := s.eng.Snapshot(make([]byte, 0, s.snapSize+s.snapSize/8))
		s.snapSize = len(state)
		ch <- taken{seq: s.eng.LastSeq(), state: state}
	})
	if err != nil {
		return 0, err
	}
	var t taken
	select {
	case t = <-ch:
	case <-ctx.Done():
		return 0, fmt.Errorf("sequencer: snapshot: %w", ctx.Err())
	}
	if t.seq == 0 {
		return 0, fmt.Errorf("sequencer: snapshot: nothing to snapshot (no command applied yet)")
	}
	// engine.Digest is the SHA-256 of the snapshot bytes: hash here, off
	// the engine goroutine.
	d := engine.Digest(sha256.Sum256(t.state))
	if err := s.j.WriteSnapshot(t.seq, d, t.state); err != nil {
		return 0, fmt.Errorf("sequencer: snapshot at seq %d: %w", t.seq, err)
	}
	return t.seq, nil
}
