package journal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/record"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/wal"
)

// walTail is what checkWALTail learnt from the newest write-ahead log.
type walTail struct {
	name string // the log, as Pebble names it; "" when there is none
	// lastSeq is the highest command seq in the log's complete records (0:
	// none): Pebble's recovery must restore at least that far.
	lastSeq uint64
}

// checkWALTail reads the newest write-ahead log before Pebble opens the store
// and judges how it ends.
//
// Pebble replays the newest log up to the first record it cannot read and
// treats whatever follows as the end of the file: that is right for a torn
// tail (the last write cut short by a crash: never synced, so never
// acknowledged), but the same stop also happens on damage in the middle of
// the log, after which the acknowledged batches that follow would be
// silently dropped (and their seqs handed out again). Pebble's own read-ahead
// only catches damage that later blocks' sync offsets vouch for, not damage
// within the last block.
//
// So where the log stops early, the rest of the file is searched, byte by
// byte, for proof that the damaged bytes had been synced (and so may belong
// to acknowledged batches), by Pebble's own rule: a later chunk of the same
// log (its log number is in every chunk header, so stale chunks of a
// recycled log file do not count) that is a WAL-sync chunk whose synced
// offset lies beyond the damage (its writer had seen the log synced past
// it), or the log's clean-close trailer. Because Pebble's synced offsets
// undercount past the first block, a successor whose synced offset rises
// above the stopped record's own also counts (see proves). The mere presence of later chunks
// proves nothing: the pages of a write that was never fsynced reach the disk
// in any order, so one unacknowledged group write (a batch over 32 KiB, or
// several small records) can lose its first page while its later blocks
// survive. Continuation chunks of the stopped record never count. A log
// written without synced offsets (before FormatWALSyncChunks: a fresh
// store's first log is) is judged conservatively: a later chunk that starts
// a record counts, a continuation never does. With proof, Open refuses with
// ErrCorrupt, naming the file, the offset and the last good seq. Without it
// the stop is a torn tail, which Pebble truncates, and the log says so.
//
// The residual case: damage to an acknowledged record whose only successors
// carry a stale (lower) synced offset (written before the damaged record's
// sync completed, as the last records of a crashed log are) cannot be told
// from a torn write and is dropped as one, the same judgement Pebble itself
// makes; it is logged at error level with the damage offset, the later
// chunks' offset and their highest synced offset.
//
// An error reading the log is returned (the store is not opened unchecked).
// Damage in older logs is Pebble's to refuse: it requires them to end cleanly.
func checkWALTail(fs vfs.FS, dir string, log *slog.Logger) (walTail, error) {
	var t walTail
	if _, err := fs.Stat(dir); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return t, nil
		}
		return t, fmt.Errorf("journal: stat %s: %w", dir, err)
	}
	logs, err := wal.Scan(wal.Dir{FS: fs, Dirname: dir})
	if err != nil {
		return t, fmt.Errorf("journal: scan write-ahead logs in %s: %w", dir, err)
	}
	if len(logs) == 0 {
		return t, nil
	}
	newest := logs[len(logs)-1]
	t.name = newest.String()
	r := newest.OpenForRead()
	defer func() { _ = r.Close() }()
	var (
		records int
		last    wal.Offset
		buf     bytes.Buffer
	)
	for {
		rec, off, err := r.NextRecord()
		if err == nil {
			buf.Reset()
			_, err = io.Copy(&buf, rec)
		}
		if err == nil {
			records++
			last = off
			if s, err := maxCommandSeq(buf.Bytes()); err != nil {
				return t, fmt.Errorf("%w: write-ahead log %s: batch at %s: %w", ErrCorrupt, t.name, off, err)
			} else if s > t.lastSeq {
				t.lastSeq = s
			}
			continue
		}
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		// Pebble's reader stops with ErrUnexpectedEOF where it sees no proof
		// of corruption; the other errors are its proof (a later chunk's
		// synced offset lies past the damage) or a malformed batch.
		stopped := errors.Is(err, record.ErrUnexpectedEOF)
		confirmed := errors.Is(err, record.ErrInvalidChunk) || errors.Is(err, record.ErrZeroedChunk) ||
			errors.Is(err, pebble.ErrCorruption)
		if !stopped && !confirmed {
			return t, fmt.Errorf("journal: read write-ahead log %s at %s: %w", t.name, off, err)
		}
		found, serr := scanPastStop(fs, off.PhysicalFile, off.Physical, uint32(newest.Num))
		if serr != nil {
			return t, fmt.Errorf("journal: read write-ahead log %s past %s: %w", t.name, off, serr)
		}
		if found.evidence >= 0 || confirmed {
			return t, corruptWAL(t, records, off, found, err)
		}
		logTornTail(log, t, records, off, last, found)
		return t, nil
	}
}

// corruptWAL is the error for damage inside the newest log.
func corruptWAL(t walTail, records int, off wal.Offset, found pastStop, cause error) error {
	good := "no complete batch before it"
	if t.lastSeq > 0 {
		good = fmt.Sprintf("the last intact command is seq %d", t.lastSeq)
	} else if records > 0 {
		good = fmt.Sprintf("%d intact batches before it hold no command", records)
	}
	what := "the log reader confirmed the corruption"
	if found.evidence >= 0 {
		what = fmt.Sprintf("a valid record of the same log follows at offset %d "+
			"(a chunk written after the log was synced past the damage, the log's clean-close trailer, "+
			"or the stopped record whole)", found.evidence)
	}
	err := fmt.Errorf("%w: write-ahead log %s (%s) is damaged at offset %d (in the record starting at %d; %s) "+
		"and %s: this is not a torn final write, and opening would silently drop acknowledged commands; "+
		"the store is left untouched (restore it from a backup or replica)",
		ErrCorrupt, off.PhysicalFile, t.name, found.damage, off.Physical, good, what)
	if cause != nil && !errors.Is(cause, record.ErrUnexpectedEOF) {
		err = fmt.Errorf("%w: %w", err, cause)
	}
	return err
}

// logTornTail reports a newest log that stops early with nothing of it after
// the stop: its last write was cut short (or the process stopped between
// writes and the rest of the file is preallocated or a recycled log's).
func logTornTail(log *slog.Logger, t walTail, records int, off, last wal.Offset, found pastStop) {
	partial := found.size - off.Physical
	if found.later > 0 {
		// The residual case: these chunks were written after the damaged
		// bytes but before they were synced (their synced offsets do not
		// pass the damage), so the damage cannot be told from an unsynced
		// write whose pages reached the disk out of order. Pebble drops it
		// the same way; if it was in fact acknowledged, this is where it went.
		log.Error("journal: torn tail: the last write-ahead log write was cut short or reached the disk only in part; "+
			"it is truncated as never acknowledged, together with the later chunks of the same unsynced write "+
			"(none of them carries a synced offset past the damage, which is Pebble's proof of an acknowledged write; "+
			"if commands after last_seq were acknowledged, they are lost here)",
			"wal", t.name, "complete_batches", records, "last_seq", t.lastSeq, "partial_bytes", max(partial, 0),
			"tail_offset", off.String(), "damage_offset", found.damage, "last_complete_offset", last.String(),
			"later_chunks", found.later, "first_later_chunk_offset", found.laterAt,
			"highest_synced_offset", found.laterSynced)
		return
	}
	if partial <= 0 || found.stale {
		log.Info("journal: write-ahead log ends without a clean close (crash or kill between writes); nothing partial to discard",
			"wal", t.name, "complete_batches", records, "last_seq", t.lastSeq,
			"preallocated_or_recycled_bytes", max(partial, 0))
		return
	}
	log.Warn("journal: torn tail: the last write-ahead log write was cut short; "+
		"it was never acknowledged and is truncated (recovery continues from the last complete batch; "+
		"nothing of this log follows it)",
		"wal", t.name, "complete_batches", records, "last_seq", t.lastSeq, "partial_bytes", partial,
		"tail_offset", off.String(), "damage_offset", found.damage, "last_complete_offset", last.String())
}

// maxCommandSeq returns the highest command seq a WAL record (a Pebble batch)
// sets, 0 when it sets none.
func maxCommandSeq(repr []byte) (uint64, error) {
	var b pebble.Batch
	if err := b.SetRepr(repr); err != nil {
		return 0, err
	}
	var hi uint64
	r := b.Reader()
	for {
		kind, k, _, ok, err := r.Next()
		if err != nil {
			return 0, err
		}
		if !ok {
			return hi, nil
		}
		if kind != pebble.InternalKeyKindSet {
			continue
		}
		if s, ok := parseKey(prefixCommand, k); ok && s > hi {
			hi = s
		}
	}
}

// Pebble's record format (record/record.go): the file is a sequence of
// 32 KiB blocks of chunks; a chunk never crosses a block, and a block's
// tail too short for a header is zero. The recyclable and WAL-sync chunk
// headers carry the low 32 bits of the log number, so a chunk of this log is
// told from a stale one of the log that used the file before:
//
//	recyclable: CRC (4) | length (2) | type 5-8  (1) | log number (4) | payload
//	WAL-sync:   CRC (4) | length (2) | type 9-12 (1) | log number (4) | synced offset (8) | payload
//
// The CRC is Castagnoli over type..payload, masked. A clean close ends the log
// with a trailer: type 5, length 0, CRC 0, log number + 1.
const (
	walBlockSize       = 32 << 10
	walMinHeader       = 7 // CRC, length, type: what the reader needs to look at a chunk
	walRecyclableHdr   = 11
	walSyncHdr         = 19
	walTypeRecyclable  = 5 // full; 6 first, 7 middle, 8 last
	walTypeSync        = 9 // full; 10 first, 11 middle, 12 last
	walTypeLastDefined = 12
)

var walCRCTable = crc32.MakeTable(crc32.Castagnoli)

func walChunkCRC(b []byte) uint32 {
	c := crc32.Update(0, walCRCTable, b)
	return (c>>15 | c<<17) + 0xa282ead8
}

// walChunk is a chunk header that checked out.
type walChunk struct {
	size        int  // header and payload
	first, last bool // the record's first / last chunk (both: a whole record)
	trailer     bool // the log's clean-close trailer
	// sync: a WAL-sync chunk; synced is then the offset up to which its
	// writer had seen the log synced when it wrote the chunk.
	sync   bool
	synced uint64
}

// chunkAt reports whether blk[i:] starts a valid chunk of log logNum (its CRC
// matches), or that log's clean-close trailer. blk is one block (the last one
// may be short).
func chunkAt(blk []byte, i int, logNum uint32) (walChunk, bool) {
	typ, hdr, n, ok := chunkHeader(blk, i)
	if !ok {
		return walChunk{}, false
	}
	crc := binary.LittleEndian.Uint32(blk[i:])
	num := binary.LittleEndian.Uint32(blk[i+7:])
	if num != logNum {
		ok := typ == walTypeRecyclable && n == 0 && crc == 0 && num == logNum+1
		return walChunk{size: walRecyclableHdr, trailer: ok}, ok
	}
	if crc != walChunkCRC(blk[i+6:i+hdr+n]) {
		return walChunk{}, false
	}
	c := chunkOf(typ, hdr+n)
	if hdr == walSyncHdr {
		c.sync, c.synced = true, binary.LittleEndian.Uint64(blk[i+walRecyclableHdr:])
	}
	return c, true
}

// staleAt reports whether blk[i:] is what a log file holds beyond a clean
// stop between two writes: zeros (preallocated) to the end of the block, or a
// valid chunk of another log (the file was recycled).
func staleAt(blk []byte, i int, logNum uint32) bool {
	if allZero(blk[i:]) {
		return true
	}
	_, hdr, n, ok := chunkHeader(blk, i)
	return ok && binary.LittleEndian.Uint32(blk[i+7:]) != logNum &&
		binary.LittleEndian.Uint32(blk[i:]) == walChunkCRC(blk[i+6:i+hdr+n])
}

// chunkHeader reads the header of a chunk in the recyclable or WAL-sync
// format at blk[i:]: its type, header size and payload length. ok is false
// when there is no room for a header, the type is of neither format, or
// the payload would run past the block. The CRC is not checked.
func chunkHeader(blk []byte, i int) (typ byte, hdr, n int, ok bool) {
	if i+walRecyclableHdr > len(blk) {
		return 0, 0, 0, false
	}
	typ = blk[i+6]
	switch {
	case typ >= walTypeSync && typ <= walTypeLastDefined:
		hdr = walSyncHdr
	case typ >= walTypeRecyclable && typ < walTypeSync:
		hdr = walRecyclableHdr
	default:
		return 0, 0, 0, false
	}
	n = int(binary.LittleEndian.Uint16(blk[i+4:]))
	return typ, hdr, n, i+hdr+n <= len(blk)
}

func chunkOf(typ byte, size int) walChunk {
	pos := (typ - walTypeRecyclable) % 4 // 0 full, 1 first, 2 middle, 3 last
	return walChunk{size: size, first: pos <= 1, last: pos == 0 || pos == 3}
}

// pastStop is what follows the point where the log reader stopped.
type pastStop struct {
	size     int64 // the file's size
	damage   int64 // where the stopped record stops being valid
	evidence int64 // the offset of a chunk of the log proving damage: -1: none
	// stale: the stop is at a record boundary and what follows is zeros or
	// another log's chunk: the process stopped between writes.
	stale bool
	// Valid chunks of this log after the damage that prove nothing: the
	// stopped record's own continuation, or WAL-sync chunks whose synced
	// offset does not pass the damage (written before it was synced).
	later       int    // how many
	laterAt     int64  // the first one's offset (-1: none)
	laterSynced uint64 // the highest synced offset they carry
}

// proves reports whether c, a valid chunk of the log found after the damage,
// proves the damaged bytes were synced, hence possibly acknowledged. This is
// Pebble's own rule (record.Reader.readAheadForCorruption): a WAL-sync chunk
// carries the offset up to which its writer had seen the log synced, so one
// whose synced offset lies beyond the damage was written after the damaged
// bytes were durable. Anything else after the damage may be an unsynced
// write that reached the disk out of order (the pages of a write that was
// never fsynced can land in any order, so a later block of a torn group
// write can survive while its first page is lost): that proves nothing.
//
// A chunk without a synced offset (a log written before
// FormatWALSyncChunks) is conservatively taken as proof when it starts a
// record (the writer only starts a record after the one before it is
// complete), never when it continues one. inRecord says that no chunk
// starting a record has been found since the damage, so a continuation chunk
// belongs to the stopped record itself: that never counts, whatever its
// synced offset (it was written before that record could be acknowledged).
//
// Pebble's synced offsets undercount (v2.1.7 LogWriter.flushLoop adds only
// the current block's bytes to it, not those of full blocks flushed after
// they filled), so past the first block an acknowledged record's successor
// may carry a synced offset below the record's own start. So a successor
// also proves the damage when its synced offset rises above the stopped
// record's own (ref: the highest one its intact chunks carry; a sync
// completed after the record was written) or, when none of the stopped
// record is intact, above an earlier successor's (low): chunks of one
// unsynced group write all carry the same synced offset. This errs towards
// refusing: a sync of earlier data that completes while the torn write is
// being written also raises it.
func proves(c walChunk, inRecord bool, damage int64, ref, low uint64, haveRef, haveLow bool) bool {
	switch {
	case c.trailer:
		return true // written at a clean close, after every sync
	case inRecord && !c.first:
		return false
	case c.sync:
		return c.synced > uint64(damage) || haveRef && c.synced > ref || !haveRef && haveLow && c.synced > low
	default:
		return c.first
	}
}

// scanPastStop examines the log file path after the reader stopped at the
// record starting at start. It follows that record's chunks while they are
// valid, to the point where it is damaged or cut off (a record that turns out
// whole is itself evidence: Pebble would not replay it), then searches the
// rest of the file from there, at every byte, for a valid chunk of log logNum
// or its trailer that proves the damaged bytes had been synced (see proves).
// Other valid chunks of the log after the damage are counted, for the log.
func scanPastStop(fs vfs.FS, path string, start int64, logNum uint32) (pastStop, error) {
	ps := pastStop{damage: start, evidence: -1, laterAt: -1}
	f, err := fs.Open(path)
	if err != nil {
		return ps, err
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return ps, err
	}
	ps.size = st.Size()
	buf := make([]byte, walBlockSize)
	loaded := int64(-1) // the block in buf
	var blk []byte
	load := func(p int64) (int, error) {
		b := p / walBlockSize * walBlockSize
		if b != loaded {
			n, err := f.ReadAt(buf, b)
			if err != nil && !errors.Is(err, io.EOF) {
				return 0, err
			}
			blk, loaded = buf[:n], b
		}
		return int(p - b), nil
	}

	// Follow the stopped record's chunks.
	p, inRecord := start, false
	var ref, low uint64 // see proves
	haveRef, haveLow := false, false
	for p < ps.size {
		i, err := load(p)
		if err != nil {
			return ps, err
		}
		if rest := blk[i:]; len(blk) == walBlockSize && (len(rest) < walMinHeader ||
			len(rest) < walSyncHdr && allZero(rest)) {
			p += int64(len(rest)) // a block's zeroed tail
			continue
		}
		c, ok := chunkAt(blk, i, logNum)
		if !ok || c.trailer || c.first == inRecord {
			break // the damage, or the cut: p
		}
		if c.last {
			ps.damage, ps.evidence = p, start // a whole record Pebble would not replay
			return ps, nil
		}
		if c.sync {
			ref, haveRef = max(ref, c.synced), true
		}
		inRecord = true
		p += int64(c.size)
	}
	ps.damage = p
	if p == start && p < ps.size {
		i, err := load(p)
		if err != nil {
			return ps, err
		}
		ps.stale = staleAt(blk, i, logNum)
	}

	// Search the rest, from the damage on, for proof that it was synced. The
	// stopped record may continue past the damage (its later chunks written
	// in the same unsynced write) until a chunk starts a new record.
	inRecord = true
	for q := p; q+walRecyclableHdr <= ps.size; {
		i, err := load(q)
		if err != nil {
			return ps, err
		}
		for i+walRecyclableHdr <= len(blk) {
			c, ok := chunkAt(blk, i, logNum)
			if !ok {
				i++
				continue
			}
			if proves(c, inRecord, ps.damage, ref, low, haveRef, haveLow) {
				ps.evidence = loaded + int64(i)
				return ps, nil
			}
			if c.sync && inRecord && !c.first {
				ref, haveRef = max(ref, c.synced), true // the stopped record's own
			} else if c.sync && !haveLow {
				low, haveLow = c.synced, true
			}
			if ps.later == 0 {
				ps.laterAt = loaded + int64(i)
			}
			ps.later++
			ps.laterSynced = max(ps.laterSynced, c.synced)
			if c.first {
				inRecord = false
			}
			i += c.size
		}
		q = loaded + walBlockSize
	}
	return ps, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
