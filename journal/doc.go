// Package journal is the durable command log and snapshot store of the
// order engine, on Pebble, and the recovery that rebuilds the engine from
// it.
//
// Usage:
//
//	j, err := journal.Open(dir, journal.Options{RetainCommands: 1_000_000})
//	e := engine.New()
//	stats, err := j.Recover(e, journal.ReplayOptions{}) // snapshot + replay
//	// hand e and j to the sequencer, which calls j.Append for each batch
//	// and j.WriteSnapshot for snapshots.
//
// Layout: a command is stored under 'c' + its seq (8 bytes, big-endian), so
// key order is seq order; its value is a record owned by this package:
// version, seq, the engine rules version it was journaled under
// (Options.Rules, engine.RulesVersion by default), the engine.AppendCommand
// payload, and a CRC32C over all of it. A snapshot is stored under 's' + seq with version, seq, the
// engine.Digest of the state, the engine.Snapshot bytes, and a CRC32C.
// See record.go for the exact frames.
//
// Guarantees:
//   - Append writes a whole batch in one synced Pebble batch: when it
//     returns nil every command in it is durable; a crash leaves all or none
//     of a batch. After a write or sync error (an Append's, a snapshot's or
//     a prune's) the journal is failed and refuses further writes
//     (ErrFailed wraps the cause). Pebble reports such failures by calling
//     its logger's Fatalf; every call into Pebble's write path (Open,
//     Append, WriteSnapshot, Close) turns that back into the error, so no
//     panic escapes to the caller.
//   - Recovery restores the latest valid snapshot, checks that the restored
//     state has the digest stored with it, and replays every later command,
//     checking each record's checksum and that seqs are contiguous. A
//     damaged or missing command is an error naming its seq (ErrCorrupt,
//     ErrGap): it is never skipped. A damaged snapshot is logged and an
//     older one is used, if the commands after it are still present.
//   - A torn tail (the last write-ahead log write cut short by a crash; it
//     was never synced, hence never acknowledged) is discarded by Pebble's
//     recovery, and Open logs that it was. Damage anywhere else in the
//     newest write-ahead log, which Pebble's recovery would also take for
//     the end of the log, dropping the acknowledged batches after it, is
//     refused: before Pebble opens, Open reads the log and, where it stops
//     early, searches the rest of the file for proof that the damaged bytes
//     had been synced, by Pebble's own rule: a later chunk of the same log
//     whose synced offset (the WAL-sync chunk format) lies beyond the
//     damage (or, as Pebble's synced offsets undercount past the first
//     block, above the stopped record's own), or the log's clean-close
//     trailer. With proof, Open fails with
//     ErrCorrupt naming the file, the offset and the last intact seq, and
//     changes nothing. Later chunks without that proof do not count: an
//     unsynced write's pages reach the disk in any order, so a torn group
//     write may lose its first page and keep later ones; the stopped
//     record's own continuation chunks never count. A log without synced
//     offsets (a fresh store's first log is written before Pebble ratchets
//     the format) is judged conservatively: any later chunk that starts a
//     record is taken as proof. Damage in the log's last write of a store
//     that crashed cannot be told from a torn write, so that write alone
//     (its record, or the records of one unsynced group write) may be
//     dropped. Residual case: damage to an acknowledged record whose
//     only successors carry a stale (lower) synced offset is
//     indistinguishable from a torn write and is dropped as one (Pebble
//     makes the same judgement), logged at error level with the damage
//     offset, the later chunks' offset and their highest synced offset.
//   - Replay (Recover, Scan) refuses a command journaled under engine rules
//     other than the journal's (ErrRules, naming the seq and both
//     versions): this build's rules could take it to a state the system
//     never had. A snapshot taken by the build that journaled it carries
//     the state across; ReplayOptions.AnyRules replays it knowingly, and
//     ScanRecords reads without the check (export, audit).
//   - After a snapshot, commands older than RetainCommands below it, and
//     snapshots beyond KeepSnapshots, are deleted; commands a kept snapshot
//     needs are never deleted.
//   - One process at a time: Open takes the directory lock (read-only opens
//     too) before it reads anything.
//   - Replay is pipelined: a reader goroutine reads, checks and decodes
//     records up to a few thousand commands ahead, while the engine's
//     Apply (and Scan's fn) runs on the caller's goroutine, one command at
//     a time in seq order, so the engine stays single-threaded. The reader has
//     stopped and closed its iterator before Recover or Scan returns.
//   - Scan reads stored commands with the same checks, for export
//     (WriteJSON writes one command as a JSON line, for audit) and for
//     rebuilding old results (Replayable says whether a seq still can be).
package journal
