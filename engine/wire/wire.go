package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrShort is returned (wrapped) when input ends before a value is complete.
var ErrShort = errors.New("wire: unexpected end of input")

// ErrCorrupt is returned (wrapped) when a value is malformed.
var ErrCorrupt = errors.New("wire: corrupt value")

// MaxLen bounds any length prefix, so a damaged length cannot make a reader
// allocate gigabytes.
const MaxLen = 1 << 26

// Writer appends canonical encodings to a byte slice. The zero value is ready.
type Writer struct {
	buf []byte
}

// NewWriter returns a Writer that appends to buf (which may be nil).
func NewWriter(buf []byte) *Writer { return &Writer{buf: buf} }

// Reset truncates the buffer, keeping its capacity.
func (w *Writer) Reset() { w.buf = w.buf[:0] }

// Bytes returns the encoded bytes.
func (w *Writer) Bytes() []byte { return w.buf }

// Len returns the number of encoded bytes.
func (w *Writer) Len() int { return len(w.buf) }

// Uvarint appends v as an unsigned varint.
func (w *Writer) Uvarint(v uint64) { w.buf = binary.AppendUvarint(w.buf, v) }

// Varint appends v as a zig-zag signed varint.
func (w *Writer) Varint(v int64) { w.buf = binary.AppendVarint(w.buf, v) }

// Byte appends one byte.
func (w *Writer) Byte(b byte) { w.buf = append(w.buf, b) }

// Bool appends a boolean as one byte.
func (w *Writer) Bool(b bool) {
	if b {
		w.buf = append(w.buf, 1)
		return
	}
	w.buf = append(w.buf, 0)
}

// String appends a length-prefixed string.
func (w *Writer) String(s string) {
	w.buf = binary.AppendUvarint(w.buf, uint64(len(s)))
	w.buf = append(w.buf, s...)
}

// Raw appends a length-prefixed byte slice.
func (w *Writer) Raw(b []byte) {
	w.buf = binary.AppendUvarint(w.buf, uint64(len(b)))
	w.buf = append(w.buf, b...)
}

// Reader decodes what a Writer wrote. It records the first error and then
// returns zero values, so callers check Err once at the end.
type Reader struct {
	buf   []byte
	off   int
	err   error
	names *Interner // see Name; nil: Name copies
}

// Interner hands out one string per distinct content for names that recur
// across many records (accounts, symbols, SKUs, currencies, customers), so
// that decoding a name allocates only the first time it is seen. It holds
// at most max names; once full, a new name is copied as String copies it.
// An Interner is not safe for concurrent use.
type Interner struct {
	names map[string]string
	max   int
}

// NewInterner returns an Interner that holds at most max names.
func NewInterner(max int) *Interner {
	return &Interner{names: make(map[string]string, min(max, 1024)), max: max}
}

// SetInterner makes Name intern through in (nil: Name copies, as String).
func (r *Reader) SetInterner(in *Interner) { r.names = in }

// NewReader returns a Reader over b.
func NewReader(b []byte) *Reader { return &Reader{buf: b} }

// Err returns the first decoding error, if any.
func (r *Reader) Err() error { return r.err }

// Remaining returns the number of unread bytes.
func (r *Reader) Remaining() int { return len(r.buf) - r.off }

// Offset returns the current read offset.
func (r *Reader) Offset() int { return r.off }

// Fail records err (if none is recorded yet), so higher-level decoders can
// report semantic problems such as an unknown enum value.
func (r *Reader) Fail(err error) {
	if r.err == nil {
		r.err = fmt.Errorf("offset %d: %w", r.off, err)
	}
}

// Uvarint reads an unsigned varint. Only the minimal encoding is accepted,
// so every value has exactly one encoding.
func (r *Reader) Uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.buf[r.off:])
	switch {
	case n == 0:
		r.Fail(ErrShort)
		return 0
	case n < 0:
		r.Fail(fmt.Errorf("%w: varint overflows 64 bits", ErrCorrupt))
		return 0
	case n > 1 && r.buf[r.off+n-1] == 0:
		r.Fail(fmt.Errorf("%w: varint not minimally encoded", ErrCorrupt))
		return 0
	}
	r.off += n
	return v
}

// Varint reads a zig-zag signed varint (minimal encoding only).
func (r *Reader) Varint() int64 {
	u := r.Uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if r.err != nil {
		return 0
	}
	if r.off >= len(r.buf) {
		r.Fail(ErrShort)
		return 0
	}
	b := r.buf[r.off]
	r.off++
	return b
}

// Bool reads a boolean; any byte other than 0 or 1 is corrupt.
func (r *Reader) Bool() bool {
	switch r.Byte() {
	case 0:
		return false
	case 1:
		return true
	default:
		r.Fail(fmt.Errorf("%w: boolean out of range", ErrCorrupt))
		return false
	}
}

func (r *Reader) length() int {
	n := r.Uvarint()
	if r.err != nil {
		return 0
	}
	if n > MaxLen {
		r.Fail(fmt.Errorf("%w: length %d exceeds %d", ErrCorrupt, n, MaxLen))
		return 0
	}
	if int(n) > len(r.buf)-r.off {
		r.Fail(ErrShort)
		return 0
	}
	return int(n)
}

// String reads a length-prefixed string. It copies, so the result does not
// alias the input buffer.
func (r *Reader) String() string {
	n := r.length()
	if r.err != nil || n == 0 {
		return ""
	}
	s := string(r.buf[r.off : r.off+n])
	r.off += n
	return s
}

// Name reads a length-prefixed string, as String does, for a value that
// recurs across records: with an Interner set, a name seen before is
// returned without allocating. The result never aliases the input buffer.
func (r *Reader) Name() string {
	if r.names == nil {
		return r.String()
	}
	n := r.length()
	if r.err != nil || n == 0 {
		return ""
	}
	b := r.buf[r.off : r.off+n]
	r.off += n
	if s, ok := r.names.names[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(r.names.names) < r.names.max {
		r.names.names[s] = s
	}
	return s
}

// Raw reads a length-prefixed byte slice. The result aliases the input.
func (r *Reader) Raw() []byte {
	n := r.length()
	if r.err != nil {
		return nil
	}
	b := r.buf[r.off : r.off+n : r.off+n]
	r.off += n
	return b
}

// Count reads a collection length, bounded by the bytes left (every element
// takes at least one byte), so a damaged count cannot drive a huge allocation.
func (r *Reader) Count() int {
	n := r.Uvarint()
	if r.err != nil {
		return 0
	}
	if n > uint64(len(r.buf)-r.off) {
		r.Fail(fmt.Errorf("%w: count %d exceeds remaining %d bytes", ErrCorrupt, n, len(r.buf)-r.off))
		return 0
	}
	return int(n)
}

// Done reports an error if bytes remain unread: trailing garbage is corrupt.
func (r *Reader) Done() error {
	if r.err == nil && r.off != len(r.buf) {
		r.Fail(fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, len(r.buf)-r.off))
	}
	return r.err
}
