package journal

import (
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/wire"
)

// ErrClosed is returned by operations on a closed journal.
var ErrClosed = errors.New("journal: closed")

// ErrFailed is wrapped by every Append after a write or sync failed: the
// journal's durable state is then unknown, so it takes no more writes.
var ErrFailed = errors.New("journal: failed")

// ErrReadOnly is returned by writes to a journal opened read-only.
var ErrReadOnly = errors.New("journal: read-only")

// ErrUndecodable is returned by Append for a command replay could not
// decode (an unknown kind): it is a caller's bug, and nothing is written.
var ErrUndecodable = errors.New("journal: command cannot be replayed")

// ErrNotWritten is wrapped by an Append error returned before anything of
// the batch went to the store (the journal closed, read-only or already
// failed, a seq out of order, an undecodable command): unlike a failed
// write or sync, whose batch may yet be on disk and replayed, such a batch
// is certainly not in the journal.
var ErrNotWritten = errors.New("journal: batch not written")

// Options configure a Journal. The zero value is valid: the OS file system,
// the default logger, keep every command and two snapshots.
type Options struct {
	// FS is the file system; nil means the OS (vfs.Default). Tests use
	// vfs.NewMem and errorfs.
	FS vfs.FS
	// Logger receives the journal's and Pebble's messages; nil means
	// slog.Default().
	Logger *slog.Logger
	// RetainCommands is how many commands at and below a new snapshot's seq
	// are kept when the snapshot is written; older ones are deleted. Zero
	// keeps the whole journal (an audit trail from seq 1). Commands a kept
	// snapshot still needs are never deleted.
	RetainCommands uint64
	// KeepSnapshots is how many snapshots are kept (the newest ones); zero
	// means 2, so that a damaged latest snapshot has a fallback.
	KeepSnapshots int
	// ReadOnly opens the store without writing anything (oms replay, audit).
	ReadOnly bool
	// MemTableSize is Pebble's memtable size in bytes; zero means 16 MiB.
	MemTableSize uint64
	// Rules is the engine rules version that Append records with every
	// command and that Recover and Scan require of the commands they replay
	// (see engine.RulesVersion and ErrRules); zero means
	// engine.RulesVersion, the rules of this build. Tests set others to
	// stand for other builds.
	Rules uint32
}

func (o *Options) validate() error {
	if o.KeepSnapshots < 0 {
		return fmt.Errorf("journal: option KeepSnapshots is %d: want 0 (default 2) or more", o.KeepSnapshots)
	}
	if o.MemTableSize != 0 && o.MemTableSize < 1<<20 {
		return fmt.Errorf("journal: option MemTableSize is %d: want 0 (default 16 MiB) or at least 1 MiB", o.MemTableSize)
	}
	return nil
}

func (o *Options) withDefaults() Options {
	out := *o
	if out.FS == nil {
		out.FS = vfs.Default
	}
	if out.Logger == nil {
		out.Logger = slog.Default()
	}
	if out.KeepSnapshots == 0 {
		out.KeepSnapshots = 2
	}
	if out.MemTableSize == 0 {
		out.MemTableSize = 16 << 20
	}
	if out.Rules == 0 {
		out.Rules = engine.RulesVersion
	}
	return out
}

// Journal is the durable command log and snapshot store, on Pebble.
//
// INVARIANT: the command keys present form one contiguous run of sequence
// numbers, first..last; Append only ever extends it at last+1, and pruning
// only ever removes a prefix.
//
// Append must be called from one goroutine at a time (the sequencer's
// writer); every other method is safe for concurrent use.
type Journal struct {
	db   *pebble.DB
	lock *pebble.Lock
	opts Options
	log  *slog.Logger
	tab  *crc32.Table
	// decode checks and decodes a command record (decodeCommandRecord; a
	// test may wrap it).
	decode func(seq uint64, v []byte, c *engine.Command, tab *crc32.Table, names *wire.Interner) (uint32, error)
	// closeIter closes a scan's iterator (it.Close; a test may wrap it).
	closeIter func(it *pebble.Iterator) error
	// deleteRange is prune's db.DeleteRange (a test may wrap it).
	deleteRange func(db *pebble.DB, from, to []byte) error

	// last is the highest durable command seq (or the latest snapshot's seq
	// when the commands up to it were pruned); first is the lowest command
	// seq present (0 when none).
	last  atomic.Uint64
	first atomic.Uint64

	// Append's reusable buffers. REQUIRES: a single appender.
	val []byte

	failed atomic.Pointer[error]
	closed atomic.Bool

	snapMu sync.Mutex // serialises snapshot writes and pruning
}

// Open opens (creating if needed, unless ReadOnly) the journal in dir.
func Open(dir string, o Options) (*Journal, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	opts := o.withDefaults()
	j := &Journal{opts: opts, log: opts.Logger, tab: crc32.MakeTable(crc32.Castagnoli),
		decode: decodeCommandRecord, closeIter: (*pebble.Iterator).Close,
		deleteRange: func(db *pebble.DB, from, to []byte) error { return db.DeleteRange(from, to, pebble.NoSync) }}
	lock, err := lockDir(opts.FS, dir, opts.ReadOnly)
	if err != nil {
		return nil, err
	}
	// The WAL is read under the lock, so a live writer's half-written
	// tail is never mistaken for a torn one, and before Pebble opens: Pebble
	// would replay a newest WAL damaged mid-file up to the damage and take
	// the rest for a torn tail, dropping acknowledged batches.
	tail, err := checkWALTail(opts.FS, dir, j.log)
	if err != nil {
		_ = lock.Close()
		return nil, err
	}
	po := j.pebbleOptions()
	po.Lock = lock
	var db *pebble.DB
	err = guard(func() (err error) { db, err = pebble.Open(dir, po); return err })
	var fe fatalError
	if errors.As(err, &fe) {
		// Pebble gave up half-way through opening (a failed MANIFEST or WAL
		// write); its goroutines may still hold the store, so the lock is
		// kept: nothing else in this process may open it.
		return nil, fmt.Errorf("journal: open %s: %w", dir, err)
	}
	if err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("journal: open %s: %w", dir, err)
	}
	j.db, j.lock = db, lock
	if err := j.loadBounds(); err != nil {
		_ = j.closeDB()
		return nil, err
	}
	// What Pebble recovered must reach the last command the WAL check read
	// intact (the last command is never pruned).
	if last := j.last.Load(); last < tail.lastSeq {
		_ = j.closeDB()
		return nil, fmt.Errorf("%w: write-ahead log %s holds commands through seq %d but the store recovered only through seq %d",
			ErrCorrupt, tail.name, tail.lastSeq, last)
	}
	return j, nil
}

// lockDir creates dir (unless read-only) and takes the store's directory
// lock, so that one process at a time opens it.
func lockDir(fs vfs.FS, dir string, readOnly bool) (*pebble.Lock, error) {
	if readOnly {
		if _, err := fs.Stat(dir); err != nil {
			return nil, fmt.Errorf("journal: open %s read-only: %w", dir, err)
		}
	} else if err := fs.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("journal: create %s: %w", dir, err)
	}
	lock, err := pebble.LockDirectory(dir, fs)
	if err != nil {
		return nil, fmt.Errorf("journal: %s is in use (another process holds its lock): %w", dir, err)
	}
	return lock, nil
}

// pebbleOptions chooses Pebble's settings for this access pattern: one
// writer appending small records in key order, each batch synced before it is
// acknowledged; reads are sequential scans at recovery.
//
//   - WAL on and every commit synced (pebble.Sync in Append): durability is
//     the point. Pebble's commit pipeline already groups concurrent commits,
//     but our single writer groups explicitly, so one fsync covers a batch.
//   - WALBytesPerSync 0: the WAL is synced on every commit anyway.
//   - A modest memtable (16 MiB default): data is read back only at recovery,
//     so a large memtable only lengthens WAL replay after a crash; 16 MiB
//     amortises flushes over about a hundred thousand commands each.
//   - Keys arrive in ascending order and are never overwritten, so
//     compactions mostly move files down the levels (trivial moves) and
//     write amplification stays low; the default compaction settings suit.
//   - No bloom filters: lookups are range scans, never point gets.
//   - FormatNewest: a fresh store takes the newest on-disk format.
func (j *Journal) pebbleOptions() *pebble.Options {
	po := &pebble.Options{
		FS:                 j.opts.FS,
		Logger:             pebbleLogger{j.log},
		MemTableSize:       j.opts.MemTableSize,
		WALBytesPerSync:    0,
		FormatMajorVersion: pebble.FormatNewest,
		ReadOnly:           j.opts.ReadOnly,
	}
	po.EnsureDefaults()
	return po
}

// loadBounds finds the first and last command seq and the latest snapshot.
func (j *Journal) loadBounds() error {
	first, last, err := j.commandBounds()
	if err != nil {
		return err
	}
	snaps, err := j.snapshotSeqs()
	if err != nil {
		return err
	}
	if n := len(snaps); n > 0 && snaps[n-1] > last {
		last = snaps[n-1]
	}
	j.first.Store(first)
	j.last.Store(last)
	return nil
}

// commandBounds returns the lowest and highest command seq (0, 0 when none).
func (j *Journal) commandBounds() (first, last uint64, err error) {
	it, err := j.db.NewIter(&pebble.IterOptions{
		LowerBound: []byte{prefixCommand},
		UpperBound: []byte{prefixCommand + 1},
	})
	if err != nil {
		return 0, 0, fmt.Errorf("journal: scan commands: %w", err)
	}
	defer func() { _ = it.Close() }()
	if it.First() {
		s, ok := parseKey(prefixCommand, it.Key())
		if !ok {
			return 0, 0, fmt.Errorf("%w: malformed command key %x", ErrCorrupt, it.Key())
		}
		first = s
	}
	if it.Last() {
		s, ok := parseKey(prefixCommand, it.Key())
		if !ok {
			return 0, 0, fmt.Errorf("%w: malformed command key %x", ErrCorrupt, it.Key())
		}
		last = s
	}
	if err := it.Error(); err != nil {
		return 0, 0, fmt.Errorf("journal: scan commands: %w", err)
	}
	return first, last, nil
}

// LastSeq returns the highest durable sequence number (0 for a new journal).
func (j *Journal) LastSeq() uint64 { return j.last.Load() }

// Rules returns the engine rules version this journal records with the
// commands it appends and requires of those it replays (Options.Rules).
func (j *Journal) Rules() uint32 { return j.opts.Rules }

// FirstSeq returns the lowest command seq still stored (0 when none): lower
// ones were pruned after a snapshot.
func (j *Journal) FirstSeq() uint64 { return j.first.Load() }

// Err returns the error that failed the journal, or nil.
func (j *Journal) Err() error {
	if p := j.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// Append writes cmds as one synced Pebble batch (one fsync for the group).
// cmds[0].Seq must be LastSeq()+1 and the rest consecutive. When Append
// returns nil every command is durable. A write or sync error fails the
// journal: this and every later Append return an error wrapping ErrFailed
// and the cause. A command that replay could not decode (see
// engine.Command.CheckKind) is refused, naming its seq, and nothing of the
// batch is written. Every error returned before the batch goes to the
// store wraps ErrNotWritten. REQUIRES: one appender at a time.
func (j *Journal) Append(cmds []engine.Command) error {
	if err := j.writable(); err != nil {
		return fmt.Errorf("%w: %w", ErrNotWritten, err)
	}
	if len(cmds) == 0 {
		return nil
	}
	next := j.last.Load() + 1
	for i := range cmds {
		if cmds[i].Seq != next+uint64(i) {
			return fmt.Errorf("%w: append: command %d has seq %d, want %d", ErrNotWritten, i, cmds[i].Seq, next+uint64(i))
		}
		// Never store what replay would refuse.
		if err := cmds[i].CheckKind(); err != nil {
			return fmt.Errorf("%w: %w: append seq %d: %w", ErrNotWritten, ErrUndecodable, cmds[i].Seq, err)
		}
	}
	b := j.db.NewBatch()
	defer func() { _ = b.Close() }()
	var key [keyLen]byte
	for i := range cmds {
		j.val = appendCommandRecord(j.val[:0], &cmds[i], j.opts.Rules, j.tab)
		_ = appendKey(key[:0], prefixCommand, cmds[i].Seq)
		if err := b.Set(key[:], j.val, nil); err != nil {
			return j.fail(fmt.Errorf("journal: append seq %d: %w", cmds[i].Seq, err))
		}
	}
	if err := j.commit(b); err != nil {
		return j.fail(fmt.Errorf("journal: append seq %d..%d: %w", next, next+uint64(len(cmds))-1, err))
	}
	j.first.CompareAndSwap(0, next)
	j.last.Store(next + uint64(len(cmds)) - 1)
	return nil
}

// commit applies b with a WAL sync, under guard.
func (j *Journal) commit(b *pebble.Batch) error {
	return guard(func() error { return j.db.Apply(b, pebble.Sync) })
}

// guard runs f, a call into Pebble's write path (a commit, a flush, Open,
// Close). Pebble reports a failed WAL write or sync, or a failed MANIFEST
// write, through Logger.Fatalf (it cannot continue); our logger panics with
// a fatalError, which guard turns back into an error so that the caller can
// fail the journal and answer its waiters instead of the process dying
// mid-reply. Any other panic is not ours to hide and goes on.
//
// Every Pebble call that writes must go through guard: no Fatalf panic may
// escape an exported method.
func guard(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			fe, ok := r.(fatalError)
			if !ok {
				panic(r)
			}
			err = fe
		}
	}()
	return f()
}

func (j *Journal) writable() error {
	if j.closed.Load() {
		return ErrClosed
	}
	if j.opts.ReadOnly {
		return ErrReadOnly
	}
	if p := j.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// fail records the first failure and returns it wrapped in ErrFailed.
func (j *Journal) fail(cause error) error {
	err := fmt.Errorf("%w: %w", ErrFailed, cause)
	if j.failed.CompareAndSwap(nil, &err) {
		j.log.Error("journal: write failed; the journal takes no more writes", "err", cause)
	}
	return *j.failed.Load()
}

// Close closes the store. It is idempotent.
func (j *Journal) Close() error {
	if !j.closed.CompareAndSwap(false, true) {
		return nil
	}
	j.snapMu.Lock()
	defer j.snapMu.Unlock()
	return j.closeDB()
}

// closeDB closes Pebble. After a fatal commit error Pebble may report more
// through Fatalf while closing; that is returned as an error too.
func (j *Journal) closeDB() (err error) {
	defer func() { // runs last: the lock is released whatever happened
		if lerr := j.lock.Close(); err == nil && lerr != nil {
			err = fmt.Errorf("journal: close: release lock: %w", lerr)
		}
	}()
	if err := guard(j.db.Close); err != nil {
		return fmt.Errorf("journal: close: %w", err)
	}
	return nil
}

// fatalError is what pebbleLogger.Fatalf panics with.
// It keeps the first error among Fatalf's arguments, so errors.Is still
// finds the storage error underneath.
type fatalError struct {
	msg   string
	cause error
}

func (e fatalError) Error() string { return e.msg }

func (e fatalError) Unwrap() error { return e.cause }

// pebbleLogger sends Pebble's messages to slog. Fatalf panics with a
// fatalError: Pebble calls it only for states it cannot continue from, and
// expects it not to return. The journal recovers it where it calls Pebble's
// write path (guard: Open, commit, the snapshot write and prunes, Close);
// anywhere else (Pebble's background flushes and compactions, invariant
// checks on reads) it crashes the process, which is what Pebble's default
// logger would do.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Debug("pebble: " + fmt.Sprintf(format, args...))
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error("pebble: " + fmt.Sprintf(format, args...))
}

func (p pebbleLogger) Fatalf(format string, args ...any) {
	fe := fatalError{msg: "pebble: " + fmt.Sprintf(format, args...)}
	for _, a := range args {
		if err, ok := a.(error); ok {
			fe.cause = err
			break
		}
	}
	p.l.Error(fe.msg)
	panic(fe)
}
