package journal

import (
	"errors"
	"fmt"
	"hash/crc32"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/wire"
	"github.com/ordercore/oms/journal/journaltest"
)

// TestScanChunkBoundaries scans runs that end on, just before and just
// after the reader's chunk boundaries, and ranges inside them: fn sees
// every seq once, in order.
func TestScanChunkBoundaries(t *testing.T) {
	total := scanChunk*scanChunks*2 + 3 // the reader recycles its chunks
	j := openT(t, vfs.NewMem(), Options{})
	defer j.Close()
	fill(t, j, engine.New(), journaltest.NewGen(4), total, 500)
	for _, r := range [][2]uint64{
		{0, 0}, {1, 1}, {1, scanChunk - 1}, {1, scanChunk}, {1, scanChunk + 1},
		{scanChunk, 2 * scanChunk}, {7, uint64(total) - 1}, {uint64(total), 0},
	} {
		t.Run(fmt.Sprintf("%d-%d", r[0], r[1]), func(t *testing.T) {
			want := max(r[0], 1)
			require.NoError(t, j.Scan(r[0], r[1], func(c *engine.Command) error {
				require.Equal(t, want, c.Seq)
				want++
				return nil
			}))
			last := r[1]
			if last == 0 {
				last = uint64(total)
			}
			require.Equal(t, last+1, want)
		})
	}
}

// TestScanStopsEarly: an error from fn ends the scan with it, naming the
// seq, and the reader goroutine has ended and closed its iterator by the
// time Scan returns, even when it was blocked on a full pipeline (Pebble's
// Close fails on a leaked iterator).
func TestScanStopsEarly(t *testing.T) {
	j := openT(t, vfs.NewMem(), Options{})
	fill(t, j, engine.New(), journaltest.NewGen(4), 5*scanChunk*scanChunks, 1000)
	stop := errors.New("stop here")
	for _, at := range []uint64{1, scanChunk, 3*scanChunk + 5} {
		err := j.Scan(0, 0, func(c *engine.Command) error {
			if c.Seq == at {
				return stop
			}
			return nil
		})
		require.ErrorIs(t, err, stop)
		require.ErrorContains(t, err, fmt.Sprintf("seq %d:", at))
	}
	require.NoError(t, j.Close())
}

// TestScanErrorAfterValidCommands: a damaged record in the middle of a
// chunk stops the scan with an error naming it, after fn has seen every
// command before it and none after.
func TestScanErrorAfterValidCommands(t *testing.T) {
	j := openT(t, vfs.NewMem(), Options{})
	defer j.Close()
	fill(t, j, engine.New(), journaltest.NewGen(4), 3*scanChunk, 100)
	bad := uint64(scanChunk + 17)
	require.NoError(t, j.db.Set(makeKey(prefixCommand, bad), []byte{1, 2, 3}, pebble.Sync))
	var seen uint64
	err := j.Scan(0, 0, func(c *engine.Command) error {
		seen = c.Seq
		return nil
	})
	require.ErrorIs(t, err, ErrCorrupt)
	require.ErrorContains(t, err, fmt.Sprintf("seq %d:", bad))
	require.Equal(t, bad-1, seen)
}

// TestScanReaderPanicIsAnError: a panic on the reader goroutine (here a
// decoder that panics at one record) ends the scan with an error naming
// that record instead of ending the process; the commands before its
// chunk were delivered, none after it.
func TestScanReaderPanicIsAnError(t *testing.T) {
	const bad = 2*scanChunk + 17
	j := openT(t, vfs.NewMem(), Options{})
	defer j.Close()
	fill(t, j, engine.New(), journaltest.NewGen(5), 3*scanChunk, 500)
	j.decode = func(seq uint64, v []byte, c *engine.Command, tab *crc32.Table, names *wire.Interner) (uint32, error) {
		if seq == bad {
			var m map[string]int
			m["boom"]++ // a nil-map write: a runtime panic
		}
		return decodeCommandRecord(seq, v, c, tab, names)
	}
	var last uint64
	err := j.Scan(0, 0, func(c *engine.Command) error { last = c.Seq; return nil })
	require.ErrorIs(t, err, ErrReader)
	require.ErrorContains(t, err, fmt.Sprintf("reading seq %d: panic:", bad))
	require.Equal(t, uint64(2*scanChunk), last, "the chunks sent before the panic, and nothing of the chunk being filled")

	_, err = j.Recover(engine.New(), ReplayOptions{NoSnapshot: true})
	require.ErrorIs(t, err, ErrReader)
	require.ErrorContains(t, err, fmt.Sprintf("seq %d", bad))
}

// TestScanIteratorClosePanicIsLogged: a panic while closing the reader's
// iterator (after a scan stopped on damaged data, say) is logged, and the
// scan still returns its own result instead of ending the process.
func TestScanIteratorClosePanicIsLogged(t *testing.T) {
	logs := &logBuf{}
	j := openT(t, vfs.NewMem(), Options{Logger: testLogger(logs)})
	defer j.Close()
	fill(t, j, engine.New(), journaltest.NewGen(6), 100, 50)
	j.closeIter = func(it *pebble.Iterator) error {
		_ = it.Close()
		panic("close failed")
	}
	n := 0
	require.NoError(t, j.Scan(0, 0, func(*engine.Command) error { n++; return nil }))
	require.Equal(t, 100, n)
	require.Contains(t, logs.String(), "closing the reader's iterator panicked")
}
