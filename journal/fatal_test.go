package journal

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/journal/journaltest"
)

// noPanic runs f and fails the test if it panics.
func noPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("%s panicked: %v", what, p)
		}
	}()
	f()
}

// appendWithin runs Append on another goroutine and fails the test if it
// panics or does not return.
func appendWithin(t *testing.T, j *Journal, cmds []engine.Command) error {
	t.Helper()
	done := make(chan any, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- p
			}
		}()
		done <- j.Append(cmds)
	}()
	select {
	case r := <-done:
		if err, ok := r.(error); ok || r == nil {
			return err
		}
		t.Fatalf("Append panicked: %v", r)
	case <-time.After(10 * time.Second):
		t.Fatal("Append hangs")
	}
	return nil
}

// TestSnapshotWriteFailureFailsTheJournal: a WAL write or sync failure while
// the snapshot is written comes back from WriteSnapshot as an error and fails
// the journal, as a failed Append does; it does not escape as a panic (which
// nothing on the sequencer's snapshot path or at shutdown recovers) with the
// journal still taking appends.
func TestSnapshotWriteFailureFailsTheJournal(t *testing.T) {
	for name, kinds := range walFaults {
		t.Run(name, func(t *testing.T) {
			mem := vfs.NewMem()
			inj := &injector{kinds: kinds}
			logs := &logBuf{}
			j := openT(t, errorfs.Wrap(mem, inj), Options{Logger: testLogger(logs)})
			g := journaltest.NewGen(8)
			e := engine.New()
			want := fill(t, j, e, g, 100, 10)
			state := e.Snapshot(nil)
			inj.on.Store(true)
			var err error
			noPanic(t, "WriteSnapshot", func() { err = j.WriteSnapshot(100, want, state) })
			require.ErrorIs(t, err, ErrFailed)
			require.ErrorIs(t, err, errInjected)
			require.ErrorContains(t, err, "write snapshot at seq 100")
			require.ErrorIs(t, j.Err(), errInjected)
			require.Contains(t, logs.String(), "the journal takes no more writes")
			inj.on.Store(false)

			// Sticky: the writer's next Append fails cleanly (the sequencer
			// fail-stops on it), and so does another snapshot.
			cmds := g.Batch(5)
			journaltest.Stamp(cmds, 101, 0)
			require.ErrorIs(t, appendWithin(t, j, cmds), ErrFailed)
			noPanic(t, "WriteSnapshot", func() { err = j.WriteSnapshot(100, want, state) })
			require.ErrorIs(t, err, ErrFailed)
			require.Equal(t, uint64(100), j.LastSeq())

			crashed := cloneDir(t, mem, "db", 0)
			noPanic(t, "Close", func() { _ = j.Close() })

			// What was acknowledged is intact.
			j2 := openT(t, crashed, Options{})
			defer j2.Close()
			require.Equal(t, uint64(100), j2.LastSeq())
			e2, _ := recoverT(t, j2, ReplayOptions{})
			require.Equal(t, want, e2.Digest())
		})
	}
}

// TestPruneWriteFailureFailsTheJournal: Pebble reports a failed commit of a
// prune's range deletion as it does any commit's, through Fatalf; that fails
// the journal and WriteSnapshot returns it (the snapshot itself is stored),
// instead of panicking.
func TestPruneWriteFailureFailsTheJournal(t *testing.T) {
	for _, o := range []Options{
		{KeepSnapshots: 1},   // fails deleting the older snapshot
		{RetainCommands: 10}, // fails deleting old commands
	} {
		mem := vfs.NewMem()
		j := openT(t, mem, o)
		g := journaltest.NewGen(8)
		e := engine.New()
		fill(t, j, e, g, 50, 10)
		if o.KeepSnapshots == 1 {
			require.NoError(t, j.WriteSnapshot(50, e.Digest(), e.Snapshot(nil)))
		}
		want := fill(t, j, e, g, 50, 10)
		j.deleteRange = func(*pebble.DB, []byte, []byte) error {
			// What Pebble's commit does when the WAL write fails.
			pebbleLogger{j.log}.Fatalf("pebble: fatal commit error: %v", errInjected)
			return nil
		}
		var err error
		noPanic(t, "WriteSnapshot", func() { err = j.WriteSnapshot(100, want, e.Snapshot(nil)) })
		require.ErrorIs(t, err, ErrFailed)
		require.ErrorIs(t, err, errInjected)
		require.ErrorContains(t, err, "snapshot at seq 100 is stored, but pruning after it failed")
		require.ErrorIs(t, j.Err(), errInjected)
		cmds := g.Batch(1)
		journaltest.Stamp(cmds, 101, 0)
		require.ErrorIs(t, appendWithin(t, j, cmds), ErrFailed)
		snaps, serr := j.Snapshots()
		require.NoError(t, serr)
		require.Equal(t, uint64(100), snaps[len(snaps)-1].Seq)
		require.NoError(t, j.Close())
	}
}

// manifestFault fails MANIFEST syncs while on.
type manifestFault struct{ on bool }

func (f *manifestFault) MaybeError(op errorfs.Op) error {
	if f.on && strings.Contains(op.Path, "MANIFEST") && journaltest.IsSync(op) {
		return errInjected
	}
	return nil
}

func (f *manifestFault) String() string { return "manifest-fault" }

// TestOpenFatalIsAnError: Pebble gives up creating a store whose MANIFEST
// cannot be synced, through Fatalf; Open returns that as an error instead of
// panicking, and keeps the directory locked (Pebble's half-open store may
// still hold it).
func TestOpenFatalIsAnError(t *testing.T) {
	mem := vfs.NewMem()
	f := &manifestFault{on: true}
	var err error
	noPanic(t, "Open", func() { _, err = Open("db", Options{FS: errorfs.Wrap(mem, f), Logger: testLogger(nil)}) })
	require.ErrorIs(t, err, errInjected)
	require.ErrorContains(t, err, "journal: open db")
	require.ErrorContains(t, err, "MANIFEST sync failed")
	_, err = Open("db", Options{FS: mem, Logger: testLogger(nil)})
	require.ErrorContains(t, err, "db is in use")
	require.False(t, errors.Is(err, errInjected))
}
