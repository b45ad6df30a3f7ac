package wire

import (
	"errors"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

func TestRoundTrip(t *testing.T) {
	var w Writer
	w.Uvarint(0)
	w.Uvarint(1<<64 - 1)
	w.Varint(-1 << 63)
	w.Varint(12345)
	w.Bool(true)
	w.Byte(7)
	w.String("ACME")
	w.String("")
	w.Raw([]byte{1, 2, 3})
	r := NewReader(w.Bytes())
	require.Equal(t, uint64(0), r.Uvarint())
	require.Equal(t, uint64(1<<64-1), r.Uvarint())
	require.Equal(t, int64(-1<<63), r.Varint())
	require.Equal(t, int64(12345), r.Varint())
	require.True(t, r.Bool())
	require.Equal(t, byte(7), r.Byte())
	require.Equal(t, "ACME", r.String())
	require.Equal(t, "", r.String())
	require.Equal(t, []byte{1, 2, 3}, r.Raw())
	require.NoError(t, r.Done())
}

func TestShortAndCorrupt(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		read func(r *Reader)
		want error
	}{
		{"empty varint", nil, func(r *Reader) { r.Uvarint() }, ErrShort},
		{"overflow varint", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, func(r *Reader) { r.Uvarint() }, ErrCorrupt},
		{"non-minimal varint", []byte{0xfa, 0x00}, func(r *Reader) { r.Uvarint() }, ErrCorrupt},
		{"bad bool", []byte{2}, func(r *Reader) { r.Bool() }, ErrCorrupt},
		{"string past end", []byte{5, 'a'}, func(r *Reader) { _ = r.String() }, ErrShort},
		{"huge length", []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, func(r *Reader) { r.Raw() }, ErrCorrupt},
		{"huge count", []byte{100}, func(r *Reader) { r.Count() }, ErrCorrupt},
		{"trailing", []byte{1, 2}, func(r *Reader) { r.Byte(); _ = r.Done() }, ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(tc.in)
			tc.read(r)
			require.Error(t, r.Err())
			require.True(t, errors.Is(r.Err(), tc.want), "got %v", r.Err())
			// Every read after an error yields zero values and keeps the first error.
			first := r.Err()
			require.Equal(t, uint64(0), r.Uvarint())
			require.Equal(t, first, r.Err())
		})
	}
}

func FuzzReader(f *testing.F) {
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(b)
		for r.Err() == nil && r.Remaining() > 0 {
			switch r.Byte() % 5 {
			case 0:
				r.Uvarint()
			case 1:
				r.Varint()
			case 2:
				_ = r.String()
			case 3:
				r.Raw()
			case 4:
				r.Count()
			}
		}
	})
}

func TestNameInterns(t *testing.T) {
	var w Writer
	for _, s := range []string{"ACME", "ACME", "BETA", "GAMMA", "GAMMA", ""} {
		w.String(s)
	}
	buf := w.Bytes()
	in := NewInterner(2)
	r := NewReader(buf)
	r.SetInterner(in)
	a1, a2 := r.Name(), r.Name()
	b := r.Name()
	g1, g2 := r.Name(), r.Name()
	require.Equal(t, "", r.Name())
	require.NoError(t, r.Done())
	require.Equal(t, []string{"ACME", "ACME", "BETA", "GAMMA", "GAMMA"}, []string{a1, a2, b, g1, g2})
	require.Same(t, unsafe.StringData(a1), unsafe.StringData(a2), "a name seen before is the same string")
	require.NotSame(t, unsafe.StringData(g1), unsafe.StringData(g2), "past max names, a name is copied each time")
	require.Len(t, in.names, 2)
	// A later reader shares the interner's names.
	r2 := NewReader(buf)
	r2.SetInterner(in)
	require.Same(t, unsafe.StringData(a1), unsafe.StringData(r2.Name()))
	// Names never alias the input.
	for i := range buf {
		buf[i] = 'x'
	}
	require.Equal(t, "ACME", a1)
	require.Equal(t, "GAMMA", g2)

	// Without an interner Name is String; a short input fails as String does.
	r3 := NewReader([]byte{4, 'A', 'B'})
	require.Equal(t, "", r3.Name())
	require.ErrorIs(t, r3.Err(), ErrShort)
	r4 := NewReader([]byte{4, 'A', 'B'})
	r4.SetInterner(NewInterner(8))
	require.Equal(t, "", r4.Name())
	require.ErrorIs(t, r4.Err(), ErrShort)
}
