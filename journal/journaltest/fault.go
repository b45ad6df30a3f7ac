package journaltest

import (
	"errors"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// ErrInjectedSync is what WALSyncFault returns.
var ErrInjectedSync = errors.New("journaltest: injected fsync failure")

// WALSyncFault is an errorfs injector that fails the write-ahead log's
// fsyncs while On is set. The writes themselves land, so a batch whose
// sync failed may still be on disk and be replayed on restart: the
// "outcome unknown" case of a fail-stop.
//
//	fault := &journaltest.WALSyncFault{}
//	j, err := journal.Open(dir, journal.Options{FS: errorfs.Wrap(vfs.NewMem(), fault)})
//	fault.On.Store(true) // the next journal write fails its sync
type WALSyncFault struct{ On atomic.Bool }

// MaybeError implements errorfs.Injector.
func (f *WALSyncFault) MaybeError(op errorfs.Op) error {
	if f.On.Load() && IsWALSync(op) {
		return ErrInjectedSync
	}
	return nil
}

// IsSync reports whether op is an fsync of any kind.
func IsSync(op errorfs.Op) bool {
	return slices.Contains([]errorfs.OpKind{errorfs.OpFileSync, errorfs.OpFileSyncData, errorfs.OpFileSyncTo}, op.Kind)
}

// IsWALSync reports whether op is an fsync of a write-ahead log file.
func IsWALSync(op errorfs.Op) bool { return IsSync(op) && strings.HasSuffix(op.Path, ".log") }

func (f *WALSyncFault) String() string { return "wal-sync-fault" }
