package fix

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/tag"
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
// before it, and the restart regenerates it, marked PossResend=Y.
func TestUnstoredReportIsSentAfterRestart(t *testing.T) {
	var fail atomic.Bool
	v := newCrashEnv(t, resumeOpts(), Config{CheckpointInterval: time.Millisecond,
		wrapStore: func(f quickfix.MessageStoreFactory) quickfix.MessageStoreFactory {
			return failingStores{f: f, target: "DESK2", fail: &fail}
		}})
	d1, d2 := v.desks()[0], v.desks()[1]
	d1.limit("s1", "2", "30", "100.00")
	d1.expectNew("s1")

	// DESK2's acceptance and fill cannot be stored: it gets neither.
	fail.Store(true)
	d2.limit("b1", "1", "10", "100.00")
	expect(t, d1.next(), "8", tag.ExecType, "F", tag.ClOrdID, "s1", tag.LastQty, "10")
	d2.none(200 * time.Millisecond)
	fail.Store(false)
	// Later business moves published on; the checkpoint, written at Close
	// at the latest, must not follow.
	d1.limit("s2", "2", "10", "101.00")
	d1.expectNew("s2")

	v.restart(resumeOpts())
	expect(t, d2.next(), "8", tag.ExecType, "0", tag.ClOrdID, "b1", tag.PossResend, "Y")
	expect(t, d2.next(), "8", tag.ExecType, "2", tag.ClOrdID, "b1", tag.LastQty, "10", tag.PossResend, "Y")
}
