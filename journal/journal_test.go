package journal

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/journal/journaltest"
)

// logBuf is a concurrency-safe log sink for asserting on messages.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func testLogger(w io.Writer) *slog.Logger {
	if w == nil {
		w = io.Discard
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func openT(t *testing.T, fs vfs.FS, o Options) *Journal {
	t.Helper()
	o.FS = fs
	if o.Logger == nil {
		o.Logger = testLogger(nil)
	}
	j, err := Open("db", o)
	require.NoError(t, err)
	return j
}

// fill appends n generated commands in batches of size batch, applying them
// to e, and returns e's digest.
func fill(t *testing.T, j *Journal, e *engine.Engine, g *journaltest.Gen, n, batch int) engine.Digest {
	t.Helper()
	var out engine.Output
	for n > 0 {
		k := min(batch, n)
		cmds := g.Batch(k)
		journaltest.Stamp(cmds, j.LastSeq()+1, int64(j.LastSeq()+1)*10)
		require.NoError(t, j.Append(cmds))
		for i := range cmds {
			out.Reset()
			e.Apply(&cmds[i], &out)
		}
		n -= k
	}
	return e.Digest()
}

func recoverT(t *testing.T, j *Journal, o ReplayOptions) (*engine.Engine, ReplayStats) {
	t.Helper()
	e := engine.New()
	st, err := j.Recover(e, o)
	require.NoError(t, err)
	return e, st
}

func TestRecordRoundTripAndEveryByteChecked(t *testing.T) {
	tab := crc32.MakeTable(crc32.Castagnoli)
	cmds := journaltest.NewGen(5).Batch(50)
	journaltest.Stamp(cmds, 100, 7)
	for i := range cmds {
		// One-byte and multi-byte rules versions.
		rules := []uint32{1, 300, 1<<32 - 1}[i%3]
		rec := appendCommandRecord(nil, &cmds[i], rules, tab)
		var got engine.Command
		gotRules, err := decodeCommandRecord(cmds[i].Seq, rec, &got, tab, nil)
		require.NoError(t, err)
		require.Equal(t, rules, gotRules)
		require.Equal(t, engine.AppendCommand(nil, &cmds[i]), engine.AppendCommand(nil, &got))
		// Any single flipped bit is caught, and the error names the seq.
		for b := range rec {
			bad := slices.Clone(rec)
			bad[b] ^= 0x10
			_, err := decodeCommandRecord(cmds[i].Seq, bad, &got, tab, nil)
			require.ErrorIs(t, err, ErrCorrupt, "byte %d", b)
			require.Contains(t, err.Error(), fmt.Sprintf("seq %d", cmds[i].Seq))
		}
		// A record stored under the wrong key is caught too.
		_, err = decodeCommandRecord(cmds[i].Seq+1, rec, &got, tab, nil)
		require.ErrorIs(t, err, ErrCorrupt)
		_, err = decodeCommandRecord(cmds[i].Seq, rec[:3], &got, tab, nil)
		require.ErrorIs(t, err, ErrCorrupt)
	}
	var d engine.Digest
	d[0] = 9
	snap := appendSnapshotRecord(nil, 12, d, []byte("state"), tab)
	gd, state, err := decodeSnapshotRecord(12, snap, tab)
	require.NoError(t, err)
	require.Equal(t, d, gd)
	require.Equal(t, "state", string(state))
	for b := range snap {
		bad := slices.Clone(snap)
		bad[b] ^= 1
		_, _, err := decodeSnapshotRecord(12, bad, tab)
		require.ErrorIs(t, err, ErrCorrupt, "byte %d", b)
	}
}

func TestAppendChecksSeq(t *testing.T) {
	j := openT(t, vfs.NewMem(), Options{})
	defer j.Close()
	cmds := journaltest.NewGen(1).Batch(3)
	journaltest.Stamp(cmds, 2, 0)
	require.ErrorContains(t, j.Append(cmds), "has seq 2, want 1")
	journaltest.Stamp(cmds, 1, 0)
	cmds[2].Seq = 9
	require.ErrorContains(t, j.Append(cmds), "command 2 has seq 9, want 3")
	require.Zero(t, j.LastSeq())
}

// TestAppendRefusesUndecodable: a command replay could not decode (a zero
// command, an unknown domain command kind) is refused, naming its seq, and
// nothing of its batch is stored: the journal stays replayable.
func TestAppendRefusesUndecodable(t *testing.T) {
	j := openT(t, vfs.NewMem(), Options{})
	defer j.Close()
	cmds := journaltest.NewGen(1).Batch(3)
	journaltest.Stamp(cmds, 1, 0)
	good := cmds[1]
	cmds[1] = engine.Command{Seq: 2}
	require.ErrorIs(t, j.Append(cmds), ErrUndecodable)
	require.ErrorContains(t, j.Append(cmds), "append seq 2: kind 0")
	cmds[1] = good
	cmds[1].Kind, cmds[1].Trade.Kind = engine.KindTrade, 200
	require.ErrorContains(t, j.Append(cmds), "append seq 2: trade command kind 200 is unknown")
	require.Zero(t, j.LastSeq())
	cmds[1] = good
	require.NoError(t, j.Append(cmds), "a refused batch does not fail the journal")
	require.NoError(t, j.Scan(0, 0, func(*engine.Command) error { return nil }))
}

func TestRecoverWithAndWithoutSnapshots(t *testing.T) {
	fs := vfs.NewMem()
	j := openT(t, fs, Options{})
	g := journaltest.NewGen(2)
	e := engine.New()
	fill(t, j, e, g, 500, 37)
	d500 := e.Digest()
	require.NoError(t, j.WriteSnapshot(500, d500, e.Snapshot(nil)))
	want := fill(t, j, e, g, 300, 50)
	require.NoError(t, j.Close())

	j = openT(t, fs, Options{})
	defer j.Close()
	require.Equal(t, uint64(800), j.LastSeq())
	e2, st := recoverT(t, j, ReplayOptions{})
	require.Equal(t, ReplayStats{SnapshotSeq: 500, Replayed: 300, LastSeq: 800}, ReplayStats{SnapshotSeq: st.SnapshotSeq, Replayed: st.Replayed, LastSeq: st.LastSeq})
	require.Equal(t, want, e2.Digest())

	e3, st := recoverT(t, j, ReplayOptions{NoSnapshot: true})
	require.Equal(t, uint64(800), st.Replayed)
	require.Equal(t, want, e3.Digest())

	e4, st := recoverT(t, j, ReplayOptions{Until: 500})
	require.Equal(t, uint64(500), st.SnapshotSeq)
	require.Equal(t, d500, e4.Digest())

	e5, st := recoverT(t, j, ReplayOptions{Until: 499})
	require.Zero(t, st.SnapshotSeq)
	require.Equal(t, uint64(499), e5.LastSeq())

	e6, st := recoverT(t, j, ReplayOptions{Until: 800})
	require.Equal(t, uint64(800), st.LastSeq)
	require.Equal(t, want, e6.Digest())
	// A point past the journal's end is refused: the state there is not
	// what the journal holds.
	_, err := j.Recover(engine.New(), ReplayOptions{Until: 801})
	require.EqualError(t, err, "journal: recover until seq 801: the journal ends at seq 800")

	var seen []uint64
	require.NoError(t, j.Scan(0, 10, func(c *engine.Command) error { seen = append(seen, c.Seq); return nil }))
	require.Equal(t, []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, seen)
}

func TestCorruptRecordRefused(t *testing.T) {
	fs := vfs.NewMem()
	j := openT(t, fs, Options{})
	fill(t, j, engine.New(), journaltest.NewGen(3), 200, 20)
	// Flip one byte of the stored record for seq 137, behind the journal's
	// back.
	v, closer, err := j.db.Get(makeKey(prefixCommand, 137))
	require.NoError(t, err)
	bad := slices.Clone(v)
	require.NoError(t, closer.Close())
	bad[len(bad)/2] ^= 0x40
	require.NoError(t, j.db.Set(makeKey(prefixCommand, 137), bad, pebble.Sync))
	require.NoError(t, j.Close())

	j = openT(t, fs, Options{})
	defer j.Close()
	_, err = j.Recover(engine.New(), ReplayOptions{})
	require.ErrorIs(t, err, ErrCorrupt)
	require.ErrorContains(t, err, "seq 137: checksum mismatch")
	// Scanning for export refuses it too.
	err = j.Scan(0, 0, func(*engine.Command) error { return nil })
	require.ErrorContains(t, err, "seq 137")
}

func TestMissingRecordIsAGap(t *testing.T) {
	fs := vfs.NewMem()
	j := openT(t, fs, Options{})
	fill(t, j, engine.New(), journaltest.NewGen(3), 100, 10)
	require.NoError(t, j.db.Delete(makeKey(prefixCommand, 42), pebble.Sync))
	_, err := j.Recover(engine.New(), ReplayOptions{})
	require.ErrorIs(t, err, ErrGap)
	require.ErrorContains(t, err, "expected seq 42, found seq 43")
	require.NoError(t, j.Close())
}

func TestDamagedSnapshotFallsBack(t *testing.T) {
	fs := vfs.NewMem()
	logs := &logBuf{}
	j := openT(t, fs, Options{Logger: testLogger(logs)})
	g := journaltest.NewGen(4)
	e := engine.New()
	fill(t, j, e, g, 100, 10)
	require.NoError(t, j.WriteSnapshot(100, e.Digest(), e.Snapshot(nil)))
	fill(t, j, e, g, 100, 10)
	// A snapshot whose bytes are intact but whose digest is wrong.
	var wrong engine.Digest
	require.NoError(t, j.WriteSnapshot(200, wrong, e.Snapshot(nil)))
	want := fill(t, j, e, g, 50, 10)

	e2, st := recoverT(t, j, ReplayOptions{})
	require.Equal(t, uint64(100), st.SnapshotSeq)
	require.Equal(t, want, e2.Digest())
	require.Contains(t, logs.String(), "snapshot unusable")
	require.Contains(t, logs.String(), "seq=200")
	require.NoError(t, j.Close())
}

func TestRetentionPrunes(t *testing.T) {
	fs := vfs.NewMem()
	j := openT(t, fs, Options{RetainCommands: 50, KeepSnapshots: 2})
	g := journaltest.NewGen(6)
	e := engine.New()
	for i := range 4 {
		fill(t, j, e, g, 100, 25)
		require.NoError(t, j.WriteSnapshot(e.LastSeq(), e.Digest(), e.Snapshot(nil)), "snapshot %d", i)
	}
	want := fill(t, j, e, g, 10, 10)
	snaps, err := j.Snapshots()
	require.NoError(t, err)
	require.Len(t, snaps, 2)
	require.Equal(t, []uint64{300, 400}, []uint64{snaps[0].Seq, snaps[1].Seq})
	// The oldest kept snapshot (300) still needs commands 301.., and the
	// retention keeps 350..; so everything up to 300 is gone.
	require.Equal(t, uint64(301), j.FirstSeq())
	require.NoError(t, j.Close())

	j = openT(t, fs, Options{RetainCommands: 50})
	defer j.Close()
	require.Equal(t, uint64(301), j.FirstSeq())
	e2, st := recoverT(t, j, ReplayOptions{})
	require.Equal(t, uint64(400), st.SnapshotSeq)
	require.Equal(t, want, e2.Digest())
	_, err = j.Recover(engine.New(), ReplayOptions{NoSnapshot: true})
	require.ErrorIs(t, err, ErrGap)
	require.ErrorContains(t, err, "before seq 301 were pruned")
}

// injector fails WAL writes and syncs while on.
type injector struct {
	on    atomic.Bool
	kinds []errorfs.OpKind
}

var errInjected = errors.New("injected storage fault")

func (in *injector) MaybeError(op errorfs.Op) error {
	if in.on.Load() && slices.Contains(in.kinds, op.Kind) && strings.HasSuffix(op.Path, ".log") {
		return errInjected
	}
	return nil
}

func (in *injector) String() string { return "wal-fault" }

// walFaults are the WAL operations a storage fault test fails, by name.
var walFaults = map[string][]errorfs.OpKind{
	"write": {errorfs.OpFileWrite, errorfs.OpFileWriteAt},
	"sync":  {errorfs.OpFileSync, errorfs.OpFileSyncData, errorfs.OpFileSyncTo},
}

func TestWriteOrSyncFailureFailsTheJournal(t *testing.T) {
	for name, kinds := range walFaults {
		t.Run(name, func(t *testing.T) {
			mem := vfs.NewMem()
			inj := &injector{kinds: kinds}
			j := openT(t, errorfs.Wrap(mem, inj), Options{})
			g := journaltest.NewGen(8)
			fill(t, j, engine.New(), g, 100, 10)
			inj.on.Store(true)
			cmds := g.Batch(5)
			journaltest.Stamp(cmds, 101, 0)
			err := j.Append(cmds)
			require.ErrorIs(t, err, ErrFailed)
			require.ErrorIs(t, err, errInjected)
			require.ErrorContains(t, err, "append seq 101..105")
			inj.on.Store(false)
			// Sticky: the journal takes no more writes.
			require.ErrorIs(t, j.Append(cmds), ErrFailed)
			require.ErrorIs(t, j.Err(), errInjected)
			require.Equal(t, uint64(100), j.LastSeq())
			_ = j.Close()
		})
	}
}

// cloneDir copies dir from src into a new MemFS, as a crash would leave it
// (MemFS keeps unsynced writes too), cutting cut bytes off the newest WAL.
func cloneDir(t *testing.T, src vfs.FS, dir string, cut int) *vfs.MemFS {
	t.Helper()
	return cloneDirWith(t, src, dir, func(data []byte) []byte {
		require.GreaterOrEqual(t, len(data), cut)
		return data[:len(data)-cut]
	})
}

func readFile(t *testing.T, fs vfs.FS, name string) []byte {
	t.Helper()
	f, err := fs.Open(name)
	require.NoError(t, err)
	defer f.Close()
	data, err := io.ReadAll(f)
	require.NoError(t, err)
	return data
}

func TestTornTailTruncated(t *testing.T) {
	mem := vfs.NewMem()
	j := openT(t, mem, Options{})
	g := journaltest.NewGen(9)
	e := engine.New()
	fill(t, j, e, g, 90, 30)
	want := e.Digest()
	fill(t, j, e, g, 30, 30) // the batch to tear: seqs 91..120
	// Crash now, with the last batch's WAL record cut short by a few bytes.
	crashed := cloneDir(t, mem, "db", 7)
	require.NoError(t, j.Close())

	logs := &logBuf{}
	j2 := openT(t, crashed, Options{Logger: testLogger(logs)})
	defer j2.Close()
	require.Contains(t, logs.String(), "torn tail")
	require.Equal(t, uint64(90), j2.LastSeq(), "the torn batch is gone as a whole")
	e2, _ := recoverT(t, j2, ReplayOptions{})
	require.Equal(t, want, e2.Digest())
	// The journal carries on from the truncation point.
	cmds := g.Batch(3)
	journaltest.Stamp(cmds, 91, 0)
	require.NoError(t, j2.Append(cmds))
	require.Equal(t, uint64(93), j2.LastSeq())
}

func TestUncleanEndWithoutPartialWriteIsNotTorn(t *testing.T) {
	mem := vfs.NewMem()
	j := openT(t, mem, Options{})
	e := engine.New()
	want := fill(t, j, e, journaltest.NewGen(9), 120, 30)
	crashed := cloneDir(t, mem, "db", 0) // killed between two writes
	require.NoError(t, j.Close())

	logs := &logBuf{}
	j2 := openT(t, crashed, Options{Logger: testLogger(logs)})
	defer j2.Close()
	require.NotContains(t, logs.String(), "torn tail")
	require.Equal(t, uint64(120), j2.LastSeq())
	e2, _ := recoverT(t, j2, ReplayOptions{})
	require.Equal(t, want, e2.Digest())
}

func TestReadOnlyRefusesWrites(t *testing.T) {
	mem := vfs.NewMem()
	j := openT(t, mem, Options{})
	fill(t, j, engine.New(), journaltest.NewGen(1), 10, 10)
	require.NoError(t, j.Close())
	ro := openT(t, mem, Options{ReadOnly: true})
	defer ro.Close()
	require.ErrorIs(t, ro.Append(nil), ErrReadOnly)
	require.ErrorIs(t, ro.WriteSnapshot(1, engine.Digest{}, nil), ErrReadOnly)
	_, st := recoverT(t, ro, ReplayOptions{})
	require.Equal(t, uint64(10), st.LastSeq)

}

func TestOneOpenerAtATime(t *testing.T) {
	mem := vfs.NewMem()
	j := openT(t, mem, Options{})
	_, err := Open("db", Options{FS: mem, Logger: testLogger(nil), ReadOnly: true})
	require.ErrorContains(t, err, "db is in use")
	require.NoError(t, j.Close())
	ro := openT(t, mem, Options{ReadOnly: true})
	require.NoError(t, ro.Close())
	_, err = Open("missing", Options{FS: mem, Logger: testLogger(nil), ReadOnly: true})
	require.ErrorContains(t, err, "open missing read-only")
}

func TestOptionsValidated(t *testing.T) {
	_, err := Open("db", Options{FS: vfs.NewMem(), KeepSnapshots: -1})
	require.ErrorContains(t, err, "KeepSnapshots")
	_, err = Open("db", Options{FS: vfs.NewMem(), MemTableSize: 10})
	require.ErrorContains(t, err, "MemTableSize")
}
