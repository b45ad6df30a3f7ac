package journal

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/ordercore/oms/engine"
)

// ErrGap is wrapped when the commands a recovery needs are not contiguous:
// a seq is missing, or the commands after a snapshot were pruned.
var ErrGap = errors.New("journal: sequence gap")

// ErrRules is wrapped when a replay meets a command journaled under engine
// rules other than the journal's (Options.Rules, by default this build's
// engine.RulesVersion). Applying this build's rules to it could reach a
// state the system never had, so Recover and Scan stop there, naming the
// seq and both versions. The way across is a snapshot at or after that
// command, taken by a build of its rules (a graceful stop takes one), or
// ReplayOptions.AnyRules for an investigation.
var ErrRules = errors.New("journal: command journaled under other engine rules")

// rulesMismatch is the ErrRules error for seq, journaled under got, with
// this journal's rules want. It names the seq, so scan returns it as is.
func rulesMismatch(seq uint64, got, want uint32) error {
	return &seqError{seq: seq, err: fmt.Errorf("%w: seq %d was journaled under engine rules %s; this build applies rules %d. "+
		"Recover it with a build of rules %d and take a snapshot (a graceful stop takes one), "+
		"or replay it with this build's rules knowingly (oms replay --any-rules, oms serve --replay-other-rules)",
		ErrRules, seq, rulesName(got), want, got)}
}

// seqError is an error about the command at seq whose message names that
// seq already: scan returns it as it is, where it prefixes any other error
// of its callback with the seq.
type seqError struct {
	seq uint64
	err error
}

func (e *seqError) Error() string { return e.err.Error() }
func (e *seqError) Unwrap() error { return e.err }

// rulesName is a rules version for messages: 0 says what it means.
func rulesName(r uint32) string {
	if r == 0 {
		return "0 (unrecorded: journaled before rules versions were kept)"
	}
	return fmt.Sprint(r)
}

// ReplayOptions control Recover.
type ReplayOptions struct {
	// Until stops after the command with this seq (0: replay everything).
	// Only snapshots at or below Until are used.
	Until uint64
	// NoSnapshot replays from seq 1, ignoring snapshots; it needs an
	// unpruned journal.
	NoSnapshot bool
	// AnyRules replays commands journaled under other engine rules (see
	// ErrRules) with this build's, counting them in ReplayStats.OtherRules
	// and logging the first. For investigations, and for an operator who
	// accepts that the state may differ from what was acknowledged.
	AnyRules bool
	// OnCommand, if set, sees every replayed command before it is applied
	// (export, audit). Returning an error stops the replay with it.
	OnCommand func(c *engine.Command) error
	// Progress, if set, is called every ProgressEvery commands (default
	// 1,000,000) with the seq just applied.
	Progress      func(seq uint64)
	ProgressEvery uint64
}

// ReplayStats report what Recover did.
type ReplayStats struct {
	// SnapshotSeq is the seq of the snapshot restored (0: none).
	SnapshotSeq uint64
	// Replayed counts the commands applied after the snapshot.
	Replayed uint64
	// LastSeq is the engine's last seq after recovery.
	LastSeq uint64
	// OtherRules counts the replayed commands journaled under other engine
	// rules (only with AnyRules; otherwise the first stops the replay), and
	// FirstOtherRules is the seq of the first of them.
	OtherRules, FirstOtherRules uint64
	// SnapshotTime and ReplayTime split the elapsed time.
	SnapshotTime, ReplayTime time.Duration
}

// Recover rebuilds e from the journal: it restores the latest valid snapshot
// (checking its checksum and that the restored state has the digest stored
// with it), then replays every later command, checking each record's
// checksum and that the seqs are contiguous. A damaged snapshot is logged
// and the next older one is tried; a damaged or missing command is an error
// naming its seq: commands are never skipped. REQUIRES: e is new (LastSeq 0).
func (j *Journal) Recover(e *engine.Engine, o ReplayOptions) (ReplayStats, error) {
	var st ReplayStats
	if e.LastSeq() != 0 {
		return st, fmt.Errorf("journal: recover: engine is not new (last seq %d)", e.LastSeq())
	}
	if j.closed.Load() {
		return st, ErrClosed
	}
	if last := j.last.Load(); o.Until > last {
		return st, fmt.Errorf("journal: recover until seq %d: the journal ends at seq %d", o.Until, last)
	}
	t0 := time.Now()
	if !o.NoSnapshot {
		seq, err := j.restoreLatest(e, o.Until)
		if err != nil {
			return st, err
		}
		st.SnapshotSeq = seq
	}
	st.SnapshotTime = time.Since(t0)
	if first := j.first.Load(); first > st.SnapshotSeq+1 {
		return st, fmt.Errorf("%w: commands before seq %d were pruned; replay needs seq %d", ErrGap, first, st.SnapshotSeq+1)
	}
	t1 := time.Now()
	n, err := j.replayFrom(e, st.SnapshotSeq+1, o, &st)
	st.Replayed, st.LastSeq, st.ReplayTime = n, e.LastSeq(), time.Since(t1)
	if err == nil && o.Until == 0 && st.LastSeq != j.last.Load() {
		err = fmt.Errorf("%w: recovered through seq %d but the journal holds seq %d", ErrGap, st.LastSeq, j.last.Load())
	}
	return st, err
}

// restoreLatest restores the newest valid snapshot at or below until (0: no
// bound) whose following commands are still present. It returns its seq, or
// 0 when none applies and the journal starts at seq 1.
func (j *Journal) restoreLatest(e *engine.Engine, until uint64) (uint64, error) {
	seqs, err := j.snapshotSeqs()
	if err != nil {
		return 0, err
	}
	var errs []error
	for i := len(seqs) - 1; i >= 0; i-- {
		s := seqs[i]
		if until != 0 && s > until {
			continue
		}
		if err := j.restoreSnapshot(e, s); err != nil {
			j.log.Error("journal: snapshot unusable, trying an older one", "seq", s, "err", err)
			errs = append(errs, err)
			continue
		}
		if len(errs) > 0 {
			j.log.Warn("journal: recovering from an older snapshot", "seq", s)
		}
		return s, nil
	}
	if first := j.first.Load(); first > 1 {
		errs = append(errs, fmt.Errorf("%w: commands before seq %d were pruned and no usable snapshot covers them", ErrGap, first))
		return 0, errors.Join(errs...)
	}
	if len(errs) > 0 {
		j.log.Warn("journal: no usable snapshot; replaying the whole journal from seq 1")
	}
	return 0, nil
}

// restoreSnapshot restores the snapshot at seq into e and checks it. On error
// e is left new.
func (j *Journal) restoreSnapshot(e *engine.Engine, seq uint64) error {
	d, state, err := j.readSnapshot(seq)
	if err != nil {
		return err
	}
	if got := engine.Digest(sha256.Sum256(state)); got != d {
		return fmt.Errorf("%w: snapshot at seq %d: state hashes to %s, stored digest %s", ErrCorrupt, seq, got, d)
	}
	if err := e.Restore(state); err != nil {
		return fmt.Errorf("%w: snapshot at seq %d: %w", ErrCorrupt, seq, err)
	}
	if e.LastSeq() != seq {
		got := e.LastSeq()
		*e = *engine.New()
		return fmt.Errorf("%w: snapshot at seq %d holds state as of seq %d", ErrCorrupt, seq, got)
	}
	if got := e.Digest(); got != d {
		*e = *engine.New()
		return fmt.Errorf("%w: snapshot at seq %d: restored state has digest %s, stored %s", ErrCorrupt, seq, got, d)
	}
	return nil
}

// replayFrom applies every command from seq from (through o.Until, if set).
func (j *Journal) replayFrom(e *engine.Engine, from uint64, o ReplayOptions, st *ReplayStats) (uint64, error) {
	every := o.ProgressEvery
	if every == 0 {
		every = 1_000_000
	}
	var out engine.Output
	var n uint64
	end := j.last.Load()
	if o.Until != 0 {
		end = min(end, o.Until)
	}
	if end >= from {
		e.Reserve(int(min(end-from+1, 1<<40))) // a hint: the engine caps it
	}
	err := j.scan(from, o.Until, func(c *engine.Command, rules uint32) error {
		if rules != j.opts.Rules {
			if !o.AnyRules {
				return rulesMismatch(c.Seq, rules, j.opts.Rules)
			}
			if st.OtherRules == 0 {
				st.FirstOtherRules = c.Seq
				j.log.Warn("journal: replaying commands journaled under other engine rules with this build's",
					"seq", c.Seq, "journaled_rules", rules, "rules", j.opts.Rules)
			}
			st.OtherRules++
		}
		if o.OnCommand != nil {
			if err := o.OnCommand(c); err != nil {
				return err
			}
		}
		out.Reset()
		e.Apply(c, &out)
		n++
		if o.Progress != nil && n%every == 0 {
			o.Progress(c.Seq)
		}
		return nil
	})
	return n, err
}

// Scan calls fn for every stored command from seq from (0: the first
// stored) through until (0: the last), in order, checking each record's
// checksum and that seqs are contiguous, as recovery does, and, as it is
// for re-applying them, that each was journaled under the journal's rules
// (ErrRules). The command passed to fn is reused between calls.
func (j *Journal) Scan(from, until uint64, fn func(c *engine.Command) error) error {
	return j.ScanRecords(from, until, func(c *engine.Command, rules uint32) error {
		if rules != j.opts.Rules {
			return rulesMismatch(c.Seq, rules, j.opts.Rules)
		}
		return fn(c)
	})
}

// ScanRecords is Scan for reading, not re-applying (export, audit): fn
// sees every command with the rules version it was journaled under, and
// none is refused for it.
func (j *Journal) ScanRecords(from, until uint64, fn func(c *engine.Command, rules uint32) error) error {
	if j.closed.Load() {
		return ErrClosed
	}
	if from == 0 {
		from = j.first.Load()
	}
	if first := j.first.Load(); from < first {
		return fmt.Errorf("%w: scan from seq %d: commands before seq %d were pruned", ErrGap, from, first)
	}
	return j.scan(from, until, fn)
}

// Replayable reports (nil) whether the engine state as of seq from-1 can be
// rebuilt, so that commands from seq from on can be replayed: seq from is
// still stored (or is the next seq), and either nothing was pruned or a
// stored snapshot lies between the pruning point and from-1. It reads only
// the snapshot list, not the snapshots.
func (j *Journal) Replayable(from uint64) error {
	first := j.first.Load()
	if from == 0 || from > j.last.Load()+1 {
		return fmt.Errorf("journal: seq %d is outside 1..%d", from, j.last.Load()+1)
	}
	if first <= 1 {
		return nil
	}
	if from < first {
		return fmt.Errorf("%w: seq %d was pruned (the first stored is seq %d)", ErrGap, from, first)
	}
	seqs, err := j.snapshotSeqs()
	if err != nil {
		return err
	}
	for _, s := range seqs {
		if s+1 >= first && s < from {
			return nil
		}
	}
	return fmt.Errorf("%w: no snapshot between seq %d and seq %d", ErrGap, first-1, from-1)
}
