package fix

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/quickfix/config"
)

// CheckpointFile is the name of the file, in the [DEFAULT] FileStorePath
// directory, where a gateway records the last sequencer seq whose reports
// were handed to QuickFIX.
const CheckpointFile = "oms-fix-published.seq"

// checkpointHeader is the first line of a checkpoint file (format version 1).
const checkpointHeader = "oms-fix-published v1"

// checkpoint is the gateway's record of its last published seq. It is
// replaced atomically: written to a temporary file, synced, renamed over the
// old one, and the directory synced, so a crash leaves the old value or the
// new one, never a torn file.
type checkpoint struct {
	path string
}

// newCheckpoint returns the checkpoint beside the QuickFIX stores of
// settings, creating the directory if needed.
func newCheckpoint(settings *quickfix.Settings) (*checkpoint, error) {
	dir, err := settings.GlobalSettings().Setting(config.FileStorePath)
	if err != nil {
		return nil, fmt.Errorf("fix: settings [DEFAULT] %s: %w", config.FileStorePath, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("fix: settings [DEFAULT] %s: %w", config.FileStorePath, err)
	}
	return &checkpoint{path: filepath.Join(dir, CheckpointFile)}, nil
}

// load returns the recorded seq; ok is false when there is no checkpoint
// yet. A file that is not a checkpoint is an error naming it.
func (c *checkpoint) load() (seq uint64, ok bool, err error) {
	b, err := os.ReadFile(c.path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("fix: checkpoint: %w", err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 2 || lines[0] != checkpointHeader {
		return 0, false, fmt.Errorf("fix: checkpoint %s: not a checkpoint file (want %q and a seq)", c.path, checkpointHeader)
	}
	seq, err = strconv.ParseUint(lines[1], 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("fix: checkpoint %s: seq %q: not an unsigned integer", c.path, lines[1])
	}
	return seq, true, nil
}

// save records seq durably.
func (c *checkpoint) save(seq uint64) error {
	tmp := c.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("fix: checkpoint: %w", err)
	}
	_, err = fmt.Fprintf(f, "%s\n%d\n", checkpointHeader, seq)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, c.path)
	}
	if err == nil {
		err = syncDir(filepath.Dir(c.path))
	}
	if err != nil {
		return fmt.Errorf("fix: checkpoint: save seq %d: %w", seq, err)
	}
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
