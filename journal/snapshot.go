package journal

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/ordercore/oms/engine"
)

// SnapshotInfo describes a stored snapshot.
type SnapshotInfo struct {
	Seq    uint64
	Digest engine.Digest
	Size   int
}

// WriteSnapshot stores the engine state as of seq (engine.Snapshot bytes and
// their engine.Digest) in one synced write, then prunes: snapshots beyond
// KeepSnapshots and, under RetainCommands, old commands. seq must not exceed
// LastSeq: a snapshot never runs ahead of the commands it summarises.
// A failed snapshot write fails the journal, as a failed Append does: this
// and every later write return an error wrapping ErrFailed and the cause.
// Pruning failures are logged, not returned: the snapshot itself is durable;
// but a failed prune write (Pebble's WAL) fails the journal too, and that is
// returned.
func (j *Journal) WriteSnapshot(seq uint64, d engine.Digest, state []byte) error {
	if err := j.writable(); err != nil {
		return err
	}
	if last := j.last.Load(); seq == 0 || seq > last {
		return fmt.Errorf("journal: snapshot seq %d: want 1..%d (the last durable command)", seq, last)
	}
	j.snapMu.Lock()
	defer j.snapMu.Unlock()
	if j.closed.Load() {
		return ErrClosed
	}
	val := appendSnapshotRecord(make([]byte, 0, snapshotHeader+len(state)+4), seq, d, state, j.tab)
	key := makeKey(prefixSnapshot, seq)
	if err := guard(func() error { return j.db.Set(key, val, pebble.Sync) }); err != nil {
		return j.fail(fmt.Errorf("journal: write snapshot at seq %d: %w", seq, err))
	}
	j.log.Info("journal: snapshot written", "seq", seq, "bytes", len(state), "digest", d.String())
	if err := j.prune(); err != nil {
		if errors.Is(err, ErrFailed) {
			return fmt.Errorf("journal: snapshot at seq %d is stored, but pruning after it failed: %w", seq, err)
		}
		j.log.Warn("journal: prune after snapshot failed; old entries stay until the next snapshot", "seq", seq, "err", err)
	}
	return nil
}

// deleteKeys deletes [from, to), unsynced (the next synced write or flush
// covers it), under guard; a failure is a failed write and fails the
// journal.
func (j *Journal) deleteKeys(from, to []byte, what string) error {
	if err := guard(func() error { return j.deleteRange(j.db, from, to) }); err != nil {
		return j.fail(fmt.Errorf("journal: delete %s: %w", what, err))
	}
	return nil
}

// prune deletes snapshots beyond KeepSnapshots and commands older than the
// retention. REQUIRES: snapMu held.
func (j *Journal) prune() error {
	seqs, err := j.snapshotSeqs()
	if err != nil {
		return err
	}
	keep := j.opts.KeepSnapshots
	if len(seqs) > keep {
		old := seqs[len(seqs)-keep-1]
		if err := j.deleteKeys(makeKey(prefixSnapshot, 0), makeKey(prefixSnapshot, old+1), fmt.Sprintf("snapshots up to seq %d", old)); err != nil {
			return err
		}
		seqs = seqs[len(seqs)-keep:]
	}
	if j.opts.RetainCommands == 0 || len(seqs) == 0 {
		return nil
	}
	latest, oldestKept := seqs[len(seqs)-1], seqs[0]
	if latest < j.opts.RetainCommands {
		return nil
	}
	// Commands up to cut are deleted: below the retention window, and never
	// one that a kept snapshot still needs (commands after it).
	cut := min(latest-j.opts.RetainCommands, oldestKept)
	first := j.first.Load()
	if first == 0 || cut < first {
		return nil
	}
	if err := j.deleteKeys(makeKey(prefixCommand, 0), makeKey(prefixCommand, cut+1), fmt.Sprintf("commands up to seq %d", cut)); err != nil {
		return err
	}
	j.first.Store(cut + 1)
	j.log.Info("journal: pruned commands", "through_seq", cut)
	return nil
}

// snapshotSeqs lists the stored snapshots' seqs, ascending.
func (j *Journal) snapshotSeqs() ([]uint64, error) {
	it, err := j.db.NewIter(&pebble.IterOptions{
		LowerBound: []byte{prefixSnapshot},
		UpperBound: []byte{prefixSnapshot + 1},
	})
	if err != nil {
		return nil, fmt.Errorf("journal: list snapshots: %w", err)
	}
	defer func() { _ = it.Close() }()
	var seqs []uint64
	for ok := it.First(); ok; ok = it.Next() {
		s, ok := parseKey(prefixSnapshot, it.Key())
		if !ok {
			return nil, fmt.Errorf("%w: malformed snapshot key %x", ErrCorrupt, it.Key())
		}
		seqs = append(seqs, s)
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("journal: list snapshots: %w", err)
	}
	return seqs, nil
}

// Snapshots lists the stored snapshots, oldest first, checking each one's
// checksum: a damaged one is an error naming its seq.
func (j *Journal) Snapshots() ([]SnapshotInfo, error) {
	seqs, err := j.snapshotSeqs()
	if err != nil {
		return nil, err
	}
	out := make([]SnapshotInfo, 0, len(seqs))
	for _, s := range seqs {
		d, state, err := j.readSnapshot(s)
		if err != nil {
			return nil, err
		}
		out = append(out, SnapshotInfo{Seq: s, Digest: d, Size: len(state)})
	}
	return out, nil
}

// readSnapshot reads and checks the snapshot at seq. The state is a copy.
func (j *Journal) readSnapshot(seq uint64) (engine.Digest, []byte, error) {
	v, closer, err := j.db.Get(makeKey(prefixSnapshot, seq))
	if err != nil {
		return engine.Digest{}, nil, fmt.Errorf("journal: read snapshot at seq %d: %w", seq, err)
	}
	defer func() { _ = closer.Close() }()
	d, state, err := decodeSnapshotRecord(seq, v, j.tab)
	if err != nil {
		return d, nil, err
	}
	return d, append([]byte(nil), state...), nil
}
