package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/wire"
)

// ErrCorrupt is returned (wrapped, with the sequence number) when a stored
// record fails its checksum, its framing, or its sequence continuity.
var ErrCorrupt = errors.New("journal: corrupt record")

// Key layout. Every key is a one-byte prefix and a fixed-width big-endian
// sequence number, so Pebble's bytewise order is sequence order and a range
// of sequence numbers is a contiguous key range.
const (
	prefixCommand  byte = 'c'
	prefixSnapshot byte = 's'
	keyLen              = 9
)

// Record versions. A reader refuses versions it does not know rather than
// guessing.
const (
	commandRecordV1  byte = 1 // no rules version: read as rules 0
	commandRecordV2  byte = 2 // adds the engine rules version
	snapshotRecordV1 byte = 1
)

// crcTable is Castagnoli (CRC32C): hardware accelerated on amd64 and arm64.
func crcTable() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) }

func makeKey(prefix byte, seq uint64) []byte {
	var k [keyLen]byte
	k[0] = prefix
	binary.BigEndian.PutUint64(k[1:], seq)
	return k[:]
}

func appendKey(dst []byte, prefix byte, seq uint64) []byte {
	dst = append(dst, prefix)
	return binary.BigEndian.AppendUint64(dst, seq)
}

// parseKey returns the sequence number of a key with the given prefix.
func parseKey(prefix byte, k []byte) (uint64, bool) {
	if len(k) != keyLen || k[0] != prefix {
		return 0, false
	}
	return binary.BigEndian.Uint64(k[1:]), true
}

// Command record, version 2:
//
//	[0]      record version (2)
//	[1:9]    seq, big-endian (must equal the key's seq and the payload's)
//	[9:k]    the engine rules version it was journaled under
//	         (engine.RulesVersion), uvarint, at most 5 bytes
//	[k:n-4]  payload: engine.AppendCommand
//	[n-4:n]  CRC32C of bytes [0:n-4], big-endian
//
// Version 1 is version 2 without the rules field; its commands read as
// rules 0 (journaled before rules versions were recorded).
const commandHeader = 1 + 8

// appendCommandRecord appends the record for c, journaled under rules, to
// dst.
func appendCommandRecord(dst []byte, c *engine.Command, rules uint32, tab *crc32.Table) []byte {
	start := len(dst)
	dst = append(dst, commandRecordV2)
	dst = binary.BigEndian.AppendUint64(dst, c.Seq)
	dst = binary.AppendUvarint(dst, uint64(rules))
	dst = engine.AppendCommand(dst, c)
	sum := crc32.Checksum(dst[start:], tab)
	return binary.BigEndian.AppendUint32(dst, sum)
}

// decodeCommandRecord checks and decodes one command record stored under
// seq, and returns the rules version it was journaled under. The error
// names the seq and wraps ErrCorrupt.
func decodeCommandRecord(seq uint64, v []byte, c *engine.Command, tab *crc32.Table, names *wire.Interner) (uint32, error) {
	payload, rules, err := checkCommandRecord(seq, v, tab)
	if err != nil {
		return 0, err
	}
	if err := engine.DecodeCommandInterned(payload, c, names); err != nil {
		return 0, fmt.Errorf("%w: seq %d: %w", ErrCorrupt, seq, err)
	}
	if c.Seq != seq {
		return 0, fmt.Errorf("%w: seq %d: payload carries seq %d", ErrCorrupt, seq, c.Seq)
	}
	return rules, nil
}

// checkCommandRecord verifies framing and checksum and returns the payload
// and the rules version.
func checkCommandRecord(seq uint64, v []byte, tab *crc32.Table) ([]byte, uint32, error) {
	if len(v) < commandHeader+4 {
		return nil, 0, fmt.Errorf("%w: seq %d: record is %d bytes, shorter than its frame", ErrCorrupt, seq, len(v))
	}
	body, tail := v[:len(v)-4], v[len(v)-4:]
	if got, want := crc32.Checksum(body, tab), binary.BigEndian.Uint32(tail); got != want {
		return nil, 0, fmt.Errorf("%w: seq %d: checksum mismatch (stored %08x, computed %08x)", ErrCorrupt, seq, want, got)
	}
	if body[0] != commandRecordV1 && body[0] != commandRecordV2 {
		return nil, 0, fmt.Errorf("%w: seq %d: unknown record version %d", ErrCorrupt, seq, body[0])
	}
	if s := binary.BigEndian.Uint64(body[1:9]); s != seq {
		return nil, 0, fmt.Errorf("%w: seq %d: record header carries seq %d", ErrCorrupt, seq, s)
	}
	payload := body[commandHeader:]
	if body[0] == commandRecordV1 {
		return payload, 0, nil
	}
	rules, n := binary.Uvarint(payload)
	if n <= 0 || n > 5 || rules > 1<<32-1 {
		return nil, 0, fmt.Errorf("%w: seq %d: malformed rules version", ErrCorrupt, seq)
	}
	return payload[n:], uint32(rules), nil
}

// Snapshot record, version 1:
//
//	[0]        record version (1)
//	[1:9]      seq, big-endian: the last command the state includes
//	[9:41]     engine.Digest of the state
//	[41:n-4]   engine.Snapshot bytes
//	[n-4:n]    CRC32C of bytes [0:n-4], big-endian
const snapshotHeader = 1 + 8 + 32

func appendSnapshotRecord(dst []byte, seq uint64, d engine.Digest, state []byte, tab *crc32.Table) []byte {
	start := len(dst)
	dst = append(dst, snapshotRecordV1)
	dst = binary.BigEndian.AppendUint64(dst, seq)
	dst = append(dst, d[:]...)
	dst = append(dst, state...)
	sum := crc32.Checksum(dst[start:], tab)
	return binary.BigEndian.AppendUint32(dst, sum)
}

// decodeSnapshotRecord checks a snapshot record stored under seq and returns
// its digest and state bytes (aliasing v).
func decodeSnapshotRecord(seq uint64, v []byte, tab *crc32.Table) (engine.Digest, []byte, error) {
	var d engine.Digest
	if len(v) < snapshotHeader+4 {
		return d, nil, fmt.Errorf("%w: snapshot at seq %d: %d bytes, shorter than its frame", ErrCorrupt, seq, len(v))
	}
	body, tail := v[:len(v)-4], v[len(v)-4:]
	if got, want := crc32.Checksum(body, tab), binary.BigEndian.Uint32(tail); got != want {
		return d, nil, fmt.Errorf("%w: snapshot at seq %d: checksum mismatch (stored %08x, computed %08x)", ErrCorrupt, seq, want, got)
	}
	if body[0] != snapshotRecordV1 {
		return d, nil, fmt.Errorf("%w: snapshot at seq %d: unknown record version %d", ErrCorrupt, seq, body[0])
	}
	if s := binary.BigEndian.Uint64(body[1:9]); s != seq {
		return d, nil, fmt.Errorf("%w: snapshot at seq %d: record header carries seq %d", ErrCorrupt, seq, s)
	}
	copy(d[:], body[9:41])
	return d, body[snapshotHeader:], nil
}
