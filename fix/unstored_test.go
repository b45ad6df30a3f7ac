package fix

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/tag"
	"github.com/stretchr/testify/require"
)

// failingStores fails, while fail is set, every message save of the
// sessions whose target is target: QuickFIX then neither stores nor sends
// the message, and SendToTarget returns the error.
type failingStores struct {
	f      quickfix.MessageStoreFactory
	target string
	fail   *atomic.Bool
}

func (f failingStores) Create(id quickfix.SessionID) (quickfix.MessageStore, error) {
	s, err := f.f.Create(id)
	if err != nil || id.TargetCompID != f.target {
		return s, err
	}
	return failingStore{s, f.fail}, nil
}

type failingStore struct {
	quickfix.MessageStore
	fail *atomic.Bool
}

var errDiskFull = errors.New("test: disk full")

func (s failingStore) SaveMessageAndIncrNextSenderMsgSeqNum(seq int, msg []byte) error {
	if s.fail.Load() {
		return errDiskFull
	}
	return s.MessageStore.SaveMessageAndIncrNextSenderMsgSeqNum(seq, msg)
}

// TestUnstoredReportIsSentAfterRestart: a report QuickFIX could not store
// (a disk error) was never sent, and the checkpoint had moved past its seq
// all the same, so a restart skipped it for good. Now the checkpoint stays
// before it while it is not stored, and the restart regenerates it, marked
// PossResend=Y.
func TestUnstoredReportIsSentAfterRestart(t *testing.T) {
	var fail atomic.Bool
	v := newCrashEnv(t, resumeOpts(), Config{CheckpointInterval: time.Millisecond,
		wrapStore: func(f quickfix.MessageStoreFactory) quickfix.MessageStoreFactory {
			return failingStores{f: f, target: "DESK2", fail: &fail}
		}})
	d1, d2 := v.desks()[0], v.desks()[1]
	d1.limit("s1", "2", "30", "100.00")
	d1.expectNew("s1")

	// DESK2's acceptance and fill cannot be stored: it gets neither, and
	// its store stays broken until the restart.
	fail.Store(true)
	d2.limit("b1", "1", "10", "100.00")
	expect(t, d1.next(), "8", tag.ExecType, "F", tag.ClOrdID, "s1", tag.LastQty, "10")
	d2.none(200 * time.Millisecond)
	// Later business moves published on; the checkpoint, written at Close
	// at the latest, must not follow.
	d1.limit("s2", "2", "10", "101.00")
	d1.expectNew("s2")

	v.restartWith(resumeOpts(), func() { fail.Store(false) })
	expect(t, d2.next(), "8", tag.ExecType, "0", tag.ClOrdID, "b1", tag.PossResend, "Y")
	expect(t, d2.next(), "8", tag.ExecType, "2", tag.ClOrdID, "b1", tag.LastQty, "10", tag.PossResend, "Y")
}

// TestUnstoredReportHoldLiftsWhenStored: the hold a refused report puts
// on the checkpoint never lifted in-process, so the checkpoint stayed
// there until a restart, and the report was never sent before one. Now the
// report is retried, with the session's later reports queued behind it in
// order; once the store works again they are all sent (not marked: none
// was sent before) and the checkpoint moves on to the last seq.
func TestUnstoredReportHoldLiftsWhenStored(t *testing.T) {
	var fail atomic.Bool
	v := newCrashEnv(t, resumeOpts(), Config{CheckpointInterval: time.Millisecond,
		wrapStore: func(f quickfix.MessageStoreFactory) quickfix.MessageStoreFactory {
			return failingStores{f: f, target: "DESK2", fail: &fail}
		}})
	d1, d2 := v.desks()[0], v.desks()[1]
	d1.limit("s1", "2", "30", "100.00")
	d1.expectNew("s1")
	held := v.core.lastSeq(t)
	requireCheckpoint(t, v.gw, held)

	fail.Store(true)
	d2.limit("b1", "1", "40", "100.00") // takes 30 from s1, rests 10
	expect(t, d1.next(), "8", tag.ExecType, "F", tag.ClOrdID, "s1", tag.LastQty, "30")
	d1.limit("s2", "2", "10", "100.00") // fills the rest of b1: a maker fill for DESK2
	d1.expectNew("s2")
	expect(t, d1.next(), "8", tag.ExecType, "F", tag.ClOrdID, "s2", tag.LastQty, "10")
	d2.none(200 * time.Millisecond)
	requireCheckpoint(t, v.gw, held) // held before b1's seq

	fail.Store(false)
	for _, want := range []struct{ execType, lastQty, leaves string }{{"0", "", "40"}, {"1", "30", "10"}, {"2", "10", "0"}} {
		f := expect(t, d2.next(), "8", tag.ExecType, want.execType, tag.ClOrdID, "b1", tag.LeavesQty, want.leaves)
		require.Equal(t, want.lastQty, f[tag.LastQty])
		require.NotEqual(t, "Y", f[tag.PossResend])
	}
	requireCheckpoint(t, v.gw, v.core.lastSeq(t))
	d2.none(100 * time.Millisecond)
}
