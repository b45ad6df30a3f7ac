package sequencer_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/journal"
	"github.com/ordercore/oms/journal/journaltest"
	"github.com/ordercore/oms/sequencer"
)

// heldSyncFault holds the first WAL sync after it is armed until release
// is closed, and then fails it: the write reached the file, its fsync did
// not succeed.
type heldSyncFault struct {
	armed   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (f *heldSyncFault) MaybeError(op errorfs.Op) error {
	if !journaltest.IsWALSync(op) {
		return nil
	}
	if f.armed.CompareAndSwap(true, false) {
		close(f.entered)
		<-f.release
		return errInjected
	}
	select {
	case <-f.release:
		return errInjected // after the failure, every sync fails
	default:
		return nil
	}
}

func (f *heldSyncFault) String() string { return "held-sync-fault" }

// The batch whose journal write failed has an unknown outcome (its write
// may be on disk and replayed by recovery): its submitter gets
// ErrOutcomeUnknown. Commands still in the inbox at the failure, and those
// submitted after it, never reached the journal: ErrClosed without
// ErrOutcomeUnknown.
func TestFailStopOutcomeUnknownOnlyForTheFailedBatch(t *testing.T) {
	mem := vfs.NewMem()
	fault := &heldSyncFault{entered: make(chan struct{}), release: make(chan struct{})}
	v := open(t, errorfs.Wrap(mem, fault), "db", journal.Options{}, sequencer.Options{})
	submitN(t, v.s, 5)

	fault.armed.Store(true)
	first := make(chan error, 1)
	go func() { _, err := v.s.Submit(context.Background(), tick()); first <- err }()
	select {
	case <-fault.entered: // the first batch's sync is held
	case <-time.After(10 * time.Second):
		t.Fatal("the journal write never synced")
	}
	queued := make(chan error, 2)
	go func() { _, err := v.s.Submit(context.Background(), tick()); queued <- err }()
	go func() {
		_, err := v.s.SubmitBatch(context.Background(), []engine.Command{tick(), tick()})
		queued <- err
	}()
	require.Eventually(t, func() bool { return v.s.Stats().InboxDepth == 2 }, 10*time.Second, time.Millisecond)
	close(fault.release)

	err := <-first
	require.ErrorIs(t, err, sequencer.ErrOutcomeUnknown, "the failed batch: %v", err)
	require.ErrorIs(t, err, sequencer.ErrClosed, "the sequencer stopped: %v", err)
	require.ErrorIs(t, err, errInjected, "the cause is wrapped: %v", err)
	for range 2 {
		err := <-queued
		require.ErrorIs(t, err, sequencer.ErrClosed)
		require.ErrorIs(t, err, errInjected)
		require.False(t, errors.Is(err, sequencer.ErrOutcomeUnknown), "queued, never journaled: %v", err)
	}
	_, err = v.s.Submit(context.Background(), tick())
	require.ErrorIs(t, err, sequencer.ErrClosed)
	require.False(t, errors.Is(err, sequencer.ErrOutcomeUnknown), "submitted after the stop: %v", err)
	require.False(t, errors.Is(v.s.Err(), sequencer.ErrOutcomeUnknown), "Err is the fail-stop error")

	require.ErrorIs(t, v.s.Close(), errInjected)
	require.Equal(t, uint64(5), v.e.LastSeq(), "nothing of the failed batch was applied")
	_ = v.j.Close()
}

// A Submit abandoned because its ctx ended may still be applied: its error
// says so.
func TestAbandonedSubmitIsOutcomeUnknown(t *testing.T) {
	mem := vfs.NewMem()
	fault := &heldSyncFault{entered: make(chan struct{}), release: make(chan struct{})}
	v := open(t, errorfs.Wrap(mem, fault), "db", journal.Options{}, sequencer.Options{})
	fault.armed.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := v.s.Submit(ctx, tick()); errc <- err }()
	<-fault.entered
	cancel()
	err := <-errc
	require.ErrorIs(t, err, sequencer.ErrOutcomeUnknown)
	require.ErrorIs(t, err, context.Canceled)
	close(fault.release)
	_ = v.s.Close()
	_ = v.j.Close()
}

// A batch the journal refuses before writing any of it (the journal had
// already failed, on a snapshot's write) certainly never reached the disk:
// its submitter gets the fail-stop error, not ErrOutcomeUnknown, which
// would have a FIX desk wait for an order that can never appear.
func TestFailStopAfterAFailedSnapshotIsNotUnknown(t *testing.T) {
	fault := &journaltest.WALSyncFault{}
	v := open(t, errorfs.Wrap(vfs.NewMem(), fault), "db", journal.Options{}, sequencer.Options{})
	submitN(t, v.s, 5)
	fault.On.Store(true)
	_, err := v.s.Snapshot(context.Background())
	require.ErrorIs(t, err, journal.ErrFailed)
	fault.On.Store(false)

	_, err = v.s.Submit(context.Background(), tick())
	require.ErrorIs(t, err, sequencer.ErrClosed, "%v", err)
	require.NotErrorIs(t, err, sequencer.ErrOutcomeUnknown, "%v", err)
	require.ErrorIs(t, err, journal.ErrNotWritten, "%v", err)
}
