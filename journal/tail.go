package journal

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/cockroachdb/pebble/v2/record"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/wal"
)

// logUncleanEnd reports a WAL that ends without a clean close. If bytes
// follow the last complete record, a write was cut short: a torn tail,
// never synced, never acknowledged, which Pebble's recovery truncates. If
// none do, the process simply stopped between writes.
func logUncleanEnd(fs vfs.FS, log *slog.Logger, name string, records int, off, last wal.Offset) {
	partial := int64(-1) // unknown
	if st, err := fs.Stat(off.PhysicalFile); err == nil {
		partial = st.Size() - off.Physical
	}
	if partial == 0 {
		log.Info("journal: write-ahead log ends without a clean close (crash or kill between writes); nothing partial to discard",
			"wal", name, "complete_batches", records)
		return
	}
	log.Warn("journal: torn tail: the last write-ahead log write was cut short; "+
		"it was never acknowledged and is truncated (recovery continues from the last complete batch)",
		"wal", name, "complete_batches", records, "partial_bytes", partial,
		"tail_offset", off.String(), "last_complete_offset", last.String())
}

// checkWALTail reads the newest write-ahead log before Pebble opens the store
// and reports a torn tail: a last write that was cut short (the process or
// machine stopped mid-write). Such a write was never synced, so its commands
// were never acknowledged; Pebble's recovery discards it (the store then
// continues from the last complete batch) and we log that it did. Damage
// before the tail is not ours to judge here: Pebble's recovery refuses it as
// corruption.
func checkWALTail(fs vfs.FS, dir string, log *slog.Logger) error {
	if _, err := fs.Stat(dir); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("journal: stat %s: %w", dir, err)
	}
	logs, err := wal.Scan(wal.Dir{FS: fs, Dirname: dir})
	if err != nil {
		return fmt.Errorf("journal: scan write-ahead logs in %s: %w", dir, err)
	}
	if len(logs) == 0 {
		return nil
	}
	newest := logs[len(logs)-1]
	r := newest.OpenForRead()
	defer func() { _ = r.Close() }()
	var (
		records int
		last    wal.Offset
	)
	for {
		rec, off, err := r.NextRecord()
		if err == nil {
			_, err = io.Copy(io.Discard, rec)
		}
		switch {
		case err == nil:
			records++
			last = off
			continue
		case errors.Is(err, io.EOF):
			return nil
		case errors.Is(err, record.ErrUnexpectedEOF):
			logUncleanEnd(fs, log, newest.String(), records, off, last)
			return nil
		default:
			// Invalid or zeroed chunks before the end are corruption; Pebble
			// reports them when it opens. Log what we saw for the operator.
			log.Warn("journal: write-ahead log damaged; the store will refuse to open if it is not the tail",
				"wal", newest.String(), "complete_batches", records, "offset", off.String(), "err", err)
			return nil
		}
	}
}
