// Package wire is the engine's canonical binary encoding: the building blocks
// that commands, events and snapshots are written with.
//
// The encoding is deliberately small: unsigned and signed varints, booleans,
// length-prefixed strings and byte slices. A Writer only appends; a Reader
// never panics on short or hostile input: the first problem is remembered,
// every later read returns a zero value, and Err reports what went wrong and at
// which offset.
//
//	var w wire.Writer
//	w.Uvarint(42)
//	w.String("ACME")
//	r := wire.NewReader(w.Bytes())
//	n, s := r.Uvarint(), r.String()
//	if err := r.Err(); err != nil { ... }
//
// Guarantees: the same values always encode to the same bytes, so encodings
// can be hashed (the engine's Digest is a hash of its snapshot).
package wire
