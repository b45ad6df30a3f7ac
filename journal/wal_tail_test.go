package journal

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/cockroachdb/pebble/v2/wal"
	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/journal/journaltest"
)

// cloneDirWith copies dir from src into a new MemFS, as a crash would leave
// it, passing the newest WAL's bytes through edit.
func cloneDirWith(t *testing.T, src vfs.FS, dir string, edit func([]byte) []byte) *vfs.MemFS {
	t.Helper()
	dst := vfs.NewMem()
	require.NoError(t, dst.MkdirAll(dir, 0o755))
	names, err := src.List(dir)
	require.NoError(t, err)
	slices.Sort(names)
	var newestLog string
	for _, n := range names {
		if strings.HasSuffix(n, ".log") {
			newestLog = n
		}
	}
	for _, n := range names {
		data := readFile(t, src, src.PathJoin(dir, n))
		if n == newestLog {
			data = edit(data)
		}
		f, err := dst.Create(dst.PathJoin(dir, n), vfs.WriteCategoryUnspecified)
		require.NoError(t, err)
		_, err = f.Write(data)
		require.NoError(t, err)
		require.NoError(t, f.Sync())
		require.NoError(t, f.Close())
	}
	return dst
}

// cloneDirFlip copies dir as a crash would leave it, flipping one byte at
// offset off of the newest WAL (damage in the middle, not a torn tail).
func cloneDirFlip(t *testing.T, src vfs.FS, dir string, off int) *vfs.MemFS {
	t.Helper()
	return cloneDirWith(t, src, dir, func(data []byte) []byte {
		require.Greater(t, len(data), off)
		data[off] ^= 0xff
		return data
	})
}

// walRecords lists the newest WAL's name and the offsets its records start
// at, and its size.
func walRecords(t *testing.T, fs vfs.FS) (name string, offs []int64, size int64) {
	t.Helper()
	logs, err := wal.Scan(wal.Dir{FS: fs, Dirname: "db"})
	require.NoError(t, err)
	require.NotEmpty(t, logs)
	r := logs[len(logs)-1].OpenForRead()
	defer r.Close()
	for {
		_, off, err := r.NextRecord()
		if err != nil {
			break
		}
		name = off.PhysicalFile
		offs = append(offs, off.Physical)
	}
	st, err := fs.Stat(name)
	require.NoError(t, err)
	return name, offs, st.Size()
}

// TestMidWALDamageRefused: four synced, acknowledged batches; one flipped
// byte inside the second (or the first) must not open as a torn tail with
// the later batches silently gone: Open refuses, naming the file, the
// offset and the last good seq.
func TestMidWALDamageRefused(t *testing.T) {
	mem := vfs.NewMem()
	j := openT(t, mem, Options{})
	fill(t, j, engine.New(), journaltest.NewGen(9), 120, 30)
	require.Equal(t, uint64(120), j.LastSeq())
	name, offs, _ := walRecords(t, mem)
	require.Len(t, offs, 4)
	for _, c := range []struct {
		off      int
		lastGood string
	}{
		{2000, "the last intact command is seq 30"}, // inside batch 2
		{200, "no complete batch before it"},        // inside batch 1
		{int(offs[2]), "seq 60"},                    // batch 3's chunk header
		{int(offs[3]) + 3, "seq 90"},                // batch 4 is the last: see below
	} {
		t.Run(fmt.Sprint(c.off), func(t *testing.T) {
			crashed := cloneDirFlip(t, mem, "db", c.off)
			logs := &logBuf{}
			j2, err := Open("db", Options{FS: crashed, Logger: testLogger(logs)})
			if c.off > int(offs[3]) {
				// Damage in the final record looks exactly like its write
				// torn by a crash: only that record is dropped.
				require.NoError(t, err)
				defer j2.Close()
				require.Equal(t, uint64(90), j2.LastSeq())
				require.Contains(t, logs.String(), "torn tail")
				return
			}
			require.ErrorIs(t, err, ErrCorrupt)
			require.ErrorContains(t, err, name)
			require.ErrorContains(t, err, "is damaged at offset")
			require.ErrorContains(t, err, c.lastGood)
			require.ErrorContains(t, err, "a valid record of the same log follows")
			require.NotContains(t, logs.String(), "torn tail")
			// Refused, not repaired: the damage is still there.
			_, err = Open("db", Options{FS: crashed, Logger: testLogger(nil)})
			require.ErrorIs(t, err, ErrCorrupt)
		})
	}
	require.NoError(t, j.Close())
}

// TestTornTailShapes: a final write cut short, or cut short with garbage
// after it, or garbage after the last complete record, opens with only that
// write dropped, and the log says so.
func TestTornTailShapes(t *testing.T) {
	mem := vfs.NewMem()
	j := openT(t, mem, Options{})
	g := journaltest.NewGen(9)
	e := engine.New()
	d90 := fill(t, j, e, g, 90, 30)
	d120 := fill(t, j, e, g, 30, 30)
	_, offs, size := walRecords(t, mem)
	lastRec := int(offs[len(offs)-1])
	garbage := func(n int) []byte {
		r := rand.New(rand.NewPCG(1, uint64(n)))
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	for _, c := range []struct {
		name string
		edit func([]byte) []byte
		last uint64
		want engine.Digest
	}{
		{"cut mid-record", func(b []byte) []byte { return b[:lastRec+(int(size)-lastRec)/2] }, 90, d90},
		{"cut inside the header", func(b []byte) []byte { return b[:lastRec+5] }, 90, d90},
		{"cut, garbage after", func(b []byte) []byte {
			k := lastRec + (int(size)-lastRec)/2
			return append(b[:k], garbage(int(size)-k)...)
		}, 90, d90},
		{"garbage after the last record", func(b []byte) []byte { return append(b, garbage(700)...) }, 120, d120},
		// Preallocated space: the process stopped between writes.
		{"zeros after the last record", func(b []byte) []byte { return append(b, make([]byte, 5000)...) }, 120, d120},
	} {
		t.Run(c.name, func(t *testing.T) {
			crashed := cloneDirWith(t, mem, "db", c.edit)
			logs := &logBuf{}
			j2 := openT(t, crashed, Options{Logger: testLogger(logs)})
			defer j2.Close()
			if c.name == "zeros after the last record" {
				require.NotContains(t, logs.String(), "torn tail")
				require.Contains(t, logs.String(), "ends without a clean close")
			} else {
				require.Contains(t, logs.String(), "torn tail")
			}
			require.Contains(t, logs.String(), fmt.Sprintf("last_seq=%d", c.last))
			require.Equal(t, c.last, j2.LastSeq())
			e2, _ := recoverT(t, j2, ReplayOptions{})
			require.Equal(t, c.want, e2.Digest())
		})
	}
	require.NoError(t, j.Close())
}

// testWALChunk builds a valid WAL-sync chunk (a whole record) of log logNum
// with synced offset 0.
func testWALChunk(logNum uint32, payload []byte) []byte {
	return testWALSyncChunk(logNum, 0, payload)
}

// testWALSyncChunk builds a valid WAL-sync chunk (a whole record) of log
// logNum whose writer had seen the log synced up to synced.
func testWALSyncChunk(logNum uint32, synced uint64, payload []byte) []byte {
	b := make([]byte, walSyncHdr+len(payload))
	binary.LittleEndian.PutUint16(b[4:], uint16(len(payload)))
	b[6] = walTypeSync
	binary.LittleEndian.PutUint32(b[7:], logNum)
	binary.LittleEndian.PutUint64(b[walRecyclableHdr:], synced)
	copy(b[walSyncHdr:], payload)
	binary.LittleEndian.PutUint32(b[0:], walChunkCRC(b[6:]))
	return b
}

// TestWhatFollowsTheTail: only chunks of the same log count as written after
// the tail. A recycled log file holds whole, valid chunks of the log that
// used it before: they do not stop a torn tail from being dropped. A chunk of
// this log whose synced offset lies past the damage, or its clean-close
// trailer, after the damage does; a chunk of this log whose synced offset
// does not pass the damage (written before the damaged write was synced)
// does not, and the torn tail is logged loudly with the offsets.
func TestWhatFollowsTheTail(t *testing.T) {
	mem := vfs.NewMem()
	j := openT(t, mem, Options{})
	fill(t, j, engine.New(), journaltest.NewGen(9), 120, 30)
	name, offs, size := walRecords(t, mem)
	var num uint32
	_, err := fmt.Sscanf(name[strings.LastIndex(name, "/")+1:], "%06d.log", &num)
	require.NoError(t, err)
	lastRec := int(offs[len(offs)-1])
	torn := func(after ...[]byte) func([]byte) []byte {
		return func(b []byte) []byte {
			b = b[:lastRec+(int(size)-lastRec)/2]
			for _, a := range after {
				b = append(b, a...)
			}
			return b
		}
	}
	trailer := make([]byte, walRecyclableHdr)
	trailer[6] = walTypeRecyclable
	binary.LittleEndian.PutUint32(trailer[7:], num+1)
	stale := testWALChunk(num-1, []byte("an older log's batch"))

	crashed := cloneDirWith(t, mem, "db", torn(stale, stale))
	logs := &logBuf{}
	j2 := openT(t, crashed, Options{Logger: testLogger(logs)})
	require.Equal(t, uint64(90), j2.LastSeq(), "a recycled log's chunks are not this log's")
	require.Contains(t, logs.String(), "torn tail")
	require.NoError(t, j2.Close())

	// Stopped between writes in a recycled file: nothing is torn.
	crashed = cloneDirWith(t, mem, "db", func(b []byte) []byte { return append(append(b, stale...), stale...) })
	logs = &logBuf{}
	j2 = openT(t, crashed, Options{Logger: testLogger(logs)})
	require.Equal(t, uint64(120), j2.LastSeq())
	require.NotContains(t, logs.String(), "torn tail")
	require.Contains(t, logs.String(), "ends without a clean close")
	require.NoError(t, j2.Close())

	// Written after the torn write but before it was synced: proves nothing.
	crashed = cloneDirWith(t, mem, "db", torn(stale, []byte{1, 2, 3},
		testWALSyncChunk(num, uint64(lastRec), []byte("a later, unsynced batch"))))
	logs = &logBuf{}
	j2 = openT(t, crashed, Options{Logger: testLogger(logs)})
	require.Equal(t, uint64(90), j2.LastSeq())
	require.Contains(t, logs.String(), "torn tail")
	require.Contains(t, logs.String(), "later_chunks=1")
	require.Contains(t, logs.String(), fmt.Sprintf("highest_synced_offset=%d", lastRec))
	require.NoError(t, j2.Close())

	for name, after := range map[string][][]byte{
		"chunk of this log synced past the damage": {stale, []byte{1, 2, 3},
			testWALSyncChunk(num, uint64(lastRec)+1, []byte("a later batch"))},
		"trailer": {make([]byte, 30), trailer},
	} {
		crashed := cloneDirWith(t, mem, "db", torn(after...))
		_, err := Open("db", Options{FS: crashed, Logger: testLogger(nil)})
		require.ErrorIs(t, err, ErrCorrupt, name)
		require.ErrorContains(t, err, "seq 90", name)
	}
	require.NoError(t, j.Close())
}

// TestCleanlyClosedWALProtectsItsLastRecord: a cleanly closed log ends with a
// trailer, so even damage in its last record is refused, not taken for a
// torn write.
func TestCleanlyClosedWALProtectsItsLastRecord(t *testing.T) {
	mem := vfs.NewMem()
	j := openT(t, mem, Options{})
	fill(t, j, engine.New(), journaltest.NewGen(9), 120, 30)
	require.NoError(t, j.Close())
	_, offs, _ := walRecords(t, mem)
	crashed := cloneDirFlip(t, mem, "db", int(offs[len(offs)-1])+40)
	_, err := Open("db", Options{FS: crashed, Logger: testLogger(nil)})
	require.ErrorIs(t, err, ErrCorrupt)
	require.ErrorContains(t, err, "seq 90")
}

// threeBlockFinalWrite journals 100 commands in batches of 50, then one
// batch of 1,300, whose record spans three WAL blocks. It returns the
// journal (open), the digest after the first 100, the newest WAL's name,
// where its last record starts, and its size.
func threeBlockFinalWrite(t *testing.T) (mem *vfs.MemFS, j *Journal, want engine.Digest, name string, lastRec, size int64) {
	t.Helper()
	mem = vfs.NewMem()
	j = openT(t, mem, Options{})
	g := journaltest.NewGen(9)
	e := engine.New()
	want = fill(t, j, e, g, 100, 50)
	fill(t, j, e, g, 1300, 1300)
	name, offs, size := walRecords(t, mem)
	lastRec = offs[len(offs)-1]
	require.Greater(t, size-lastRec, int64(2*walBlockSize), "the last record spans three blocks")
	return mem, j, want, name, lastRec, size
}

// TestTornRecordAcrossBlocks: the final write is a batch larger than two WAL
// blocks, so its record has first, middle and last chunks; cut in the last
// one, the valid first and middle chunks are that record's own, not
// something written after it: it is a torn tail.
func TestTornRecordAcrossBlocks(t *testing.T) {
	mem, j, want, _, lastRec, size := threeBlockFinalWrite(t)
	require.Less(t, lastRec, size/walBlockSize*walBlockSize-walBlockSize)
	crashed := cloneDir(t, mem, "db", 7)
	require.NoError(t, j.Close())

	logs := &logBuf{}
	j2 := openT(t, crashed, Options{Logger: testLogger(logs)})
	defer j2.Close()
	require.Contains(t, logs.String(), "torn tail")
	require.Equal(t, uint64(100), j2.LastSeq())
	e2, _ := recoverT(t, j2, ReplayOptions{})
	require.Equal(t, want, e2.Digest())
}

// walChunkHeader decodes the WAL-sync chunk header at off of the newest WAL.
func walChunkHeader(t *testing.T, fs vfs.FS, name string, off int64) (typ byte, synced uint64) {
	t.Helper()
	b := readFile(t, fs, name)
	require.Greater(t, int64(len(b)), off+walSyncHdr)
	typ = b[off+6]
	require.True(t, typ >= walTypeSync && typ <= walTypeLastDefined,
		"chunk at %d is a WAL-sync chunk (FormatNewest writes them), type %d", off, typ)
	return typ, binary.LittleEndian.Uint64(b[off+walRecyclableHdr:])
}

// TestTornUnsyncedWriteOutOfOrder: the final write is one group-commit batch
// spanning three blocks that was never synced. Its pages can reach the disk
// in any order, so its first page may be lost while its later blocks
// survive. Those later chunks are the torn record's own continuation and
// carry a synced offset no later than its start (it was never promised
// durable): that is a torn tail, not damage before acknowledged data. Open
// drops the record and recovers every earlier batch (the reviewer's repro is
// the first case: before, it was refused as corruption).
func TestTornUnsyncedWriteOutOfOrder(t *testing.T) {
	mem, j, want, name, lastRec, size := threeBlockFinalWrite(t)
	mid := (lastRec/walBlockSize + 1) * walBlockSize // its middle chunk
	lst := mid + walBlockSize                        // its last chunk
	require.Less(t, lst, size)
	for _, o := range []int64{mid, lst} {
		typ, synced := walChunkHeader(t, mem, name, o)
		require.Contains(t, []byte{walTypeSync + 2, walTypeSync + 3}, typ, "a middle or last chunk at %d", o)
		require.LessOrEqual(t, synced, uint64(lastRec), "never promised durable")
	}
	const page = 4 << 10
	firstPageEnd := (lastRec/page + 1) * page
	zero := func(b []byte, from, to int64) { clear(b[from:to]) }
	garbage := func(b []byte, from, to int64) {
		r := rand.New(rand.NewPCG(7, uint64(from)))
		for i := from; i < to; i++ {
			b[i] = byte(r.Uint32())
		}
	}
	for _, c := range []struct {
		name string
		edit func([]byte)
	}{
		{"first page zeroed", func(b []byte) { zero(b, lastRec, firstPageEnd) }},
		{"first page garbage", func(b []byte) { garbage(b, lastRec, firstPageEnd) }},
		{"whole first block lost", func(b []byte) { zero(b, lastRec, mid) }},
		{"first page and a middle page lost", func(b []byte) {
			zero(b, lastRec, firstPageEnd)
			zero(b, mid+2*page, mid+3*page)
		}},
		{"only the last chunk survives", func(b []byte) { zero(b, lastRec, lst) }},
		{"first page lost, the rest cut short", func(b []byte) { zero(b, lastRec, firstPageEnd) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			crashed := cloneDirWith(t, mem, "db", func(b []byte) []byte {
				c.edit(b)
				if c.name == "first page lost, the rest cut short" {
					b = b[:lst+100]
				}
				return b
			})
			logs := &logBuf{}
			j2 := openT(t, crashed, Options{Logger: testLogger(logs)})
			defer j2.Close()
			require.Contains(t, logs.String(), "torn tail")
			require.Contains(t, logs.String(), "later_chunks=")
			require.Equal(t, uint64(100), j2.LastSeq())
			e2, _ := recoverT(t, j2, ReplayOptions{})
			require.Equal(t, want, e2.Digest())
		})
	}
	require.NoError(t, j.Close())
}

// TestTornGroupWriteOfSmallRecords: a NoSync prune's DeleteRange followed by
// a synced Append, both in one group write that crashed before its fsync.
// The Append's record survives but the DeleteRange's page is lost: the
// Append's synced offset does not pass the damage, so neither was
// acknowledged and both are dropped as a torn tail, not refused.
//
// A fresh store's first log is written before Pebble ratchets the format to
// FormatWALSyncChunks, so it has no synced offsets: there the Append's
// record, which starts a new record after the damage, is still taken as
// proof (conservatively) and the same shape is refused.
func TestTornGroupWriteOfSmallRecords(t *testing.T) {
	for _, synced := range []bool{true, false} {
		t.Run(fmt.Sprintf("sync chunks %v", synced), func(t *testing.T) {
			mem := vfs.NewMem()
			j := openT(t, mem, Options{})
			g := journaltest.NewGen(9)
			e := engine.New()
			want := fill(t, j, e, g, 100, 50)
			if synced { // a later log, in the store's (newest) format
				require.NoError(t, j.Close())
				j = openT(t, mem, Options{})
				want = fill(t, j, e, g, 50, 50)
			}
			require.NoError(t, j.db.DeleteRange([]byte("z0"), []byte("z1"), pebble.NoSync))
			fill(t, j, e, g, 10, 10)
			name, offs, _ := walRecords(t, mem)
			require.GreaterOrEqual(t, len(offs), 2)
			del, app := offs[len(offs)-2], offs[len(offs)-1]
			data := readFile(t, mem, name)
			require.Equal(t, synced, data[app+6] >= walTypeSync, "chunk type %d", data[app+6])
			if synced {
				_, so := walChunkHeader(t, mem, name, app)
				if so > uint64(del) {
					t.Skipf("the flusher synced the DeleteRange on its own (synced offset %d > %d)", so, del)
				}
			}
			crashed := cloneDirWith(t, mem, "db", func(b []byte) []byte {
				clear(b[del:app])
				return b
			})
			require.NoError(t, j.Close())
			logs := &logBuf{}
			if !synced {
				_, err := Open("db", Options{FS: crashed, Logger: testLogger(logs)})
				require.ErrorIs(t, err, ErrCorrupt)
				require.ErrorContains(t, err, fmt.Sprintf("follows at offset %d", app))
				return
			}
			j2 := openT(t, crashed, Options{Logger: testLogger(logs)})
			defer j2.Close()
			require.Contains(t, logs.String(), "torn tail")
			require.Contains(t, logs.String(), fmt.Sprintf("first_later_chunk_offset=%d", app))
			require.Equal(t, uint64(150), j2.LastSeq())
			e2, _ := recoverT(t, j2, ReplayOptions{})
			require.Equal(t, want, e2.Digest())
		})
	}
}

// TestWALDamageSweep is the guard against silently losing acknowledged
// commands: a WAL of seven synced batches over two blocks (one batch straddles
// the block boundary), one byte flipped at offset after offset: every byte of
// every chunk header and around every record's end and the block boundary,
// and a stride through the payloads (exhaustively with OMS_WAL_SWEEP=all; it
// takes minutes, Pebble's reader tries every bit flip of a damaged chunk).
// Every case either opens with every batch but the final one intact (damage
// in the final write cannot be told from its being torn by a crash, so
// dropping it alone is allowed) and recovers to the matching state, or is
// refused with ErrCorrupt. It never opens with fewer commands.
//
// It runs on a fresh store's first log, which has no synced offsets (a later
// record's first chunk is the proof), and on a later log, in WAL-sync chunks
// (a later chunk's synced offset is the proof).
func TestWALDamageSweep(t *testing.T) {
	for _, synced := range []bool{false, true} {
		t.Run(fmt.Sprintf("sync chunks %v", synced), func(t *testing.T) { walDamageSweep(t, synced) })
	}
}

func walDamageSweep(t *testing.T, synced bool) {
	mem := vfs.NewMem()
	j := openT(t, mem, Options{})
	if synced {
		require.NoError(t, j.Close())
		j = openT(t, mem, Options{})
	}
	g := journaltest.NewGen(9)
	e := engine.New()
	digests := map[uint64]engine.Digest{}
	for range 7 {
		digests[j.LastSeq()+100] = fill(t, j, e, g, 100, 100)
	}
	name, offs, size := walRecords(t, mem)
	require.Equal(t, synced, readFile(t, mem, name)[6] >= walTypeSync)
	require.Len(t, offs, 7)
	require.Greater(t, size, int64(walBlockSize))
	require.Less(t, offs[5], int64(walBlockSize), "batch 6 straddles the block boundary")
	require.Greater(t, offs[6], int64(walBlockSize))
	defer j.Close() // the clones are taken as a crash would leave it: before Close

	stride := 307
	if testing.Short() {
		stride = 1999
	}
	if os.Getenv("OMS_WAL_SWEEP") == "all" {
		stride = 1
	}
	at := map[int]bool{}
	edges := append(slices.Clone(offs), walBlockSize, size)
	for i, o := range edges {
		for k := range walSyncHdr {
			at[int(o)+k] = i < len(edges)-1 // a chunk header
			at[int(o)-1-k] = i > 0          // the end of the record before it
		}
	}
	for off := 0; off < int(size); off += stride {
		at[off] = true
	}
	var sweep []int
	for off, ok := range at {
		if ok && off >= 0 && off < int(size) {
			sweep = append(sweep, off)
		}
	}
	slices.Sort(sweep)

	var refused, opened, dropped int
	for _, off := range sweep {
		crashed := cloneDirFlip(t, mem, "db", off)
		j2, err := Open("db", Options{FS: crashed, Logger: testLogger(nil)})
		if err != nil {
			require.ErrorIs(t, err, ErrCorrupt, "offset %d", off)
			refused++
			continue
		}
		last := j2.LastSeq()
		if last != 700 {
			require.Equal(t, uint64(600), last, "offset %d: opened without acknowledged commands", off)
			require.GreaterOrEqual(t, int64(off), offs[6], "offset %d: only the final write may be dropped", off)
			dropped++
		}
		e2, _ := recoverT(t, j2, ReplayOptions{})
		require.Equal(t, digests[last], e2.Digest(), "offset %d", off)
		opened++
		require.NoError(t, j2.Close())
	}
	t.Logf("%d offsets: %d refused, %d opened (%d without the final write)", len(sweep), refused, opened, dropped)
	require.NotZero(t, refused)
	require.NotZero(t, dropped)
}

// TestWALReadErrorRefusesOpen: a WAL that cannot be read is not opened
// unchecked.
func TestWALReadErrorRefusesOpen(t *testing.T) {
	mem := vfs.NewMem()
	j := openT(t, mem, Options{})
	fill(t, j, engine.New(), journaltest.NewGen(9), 60, 30)
	crashed := cloneDir(t, mem, "db", 0)
	require.NoError(t, j.Close())
	inj := &injector{kinds: []errorfs.OpKind{errorfs.OpFileRead, errorfs.OpFileReadAt}}
	inj.on.Store(true)
	_, err := Open("db", Options{FS: errorfs.Wrap(crashed, inj), Logger: testLogger(nil)})
	require.ErrorIs(t, err, errInjected)
	require.ErrorContains(t, err, "write-ahead log")
	inj.on.Store(false)
	j2 := openT(t, crashed, Options{})
	require.Equal(t, uint64(60), j2.LastSeq())
	require.NoError(t, j2.Close())
}
