// Package chunk provides Seq, an append-only sequence stored in fixed-size
// chunks for the engine's day-long logs.
//
// A slice that grows by append copies its whole backing array on every
// regrowth: on a busy day that is hundreds of megabytes copied inside one
// command, a stall of tens of milliseconds on the single-threaded core, and
// garbage for the collector. A Seq never moves what it stores, so pointers
// to its elements stay valid until Reset, and growing it costs one chunk
// allocation per Size elements.
//
//	var s chunk.Seq[rec]
//	i := s.Push(rec{...})
//	s.At(i).field = 1
//
// Seq is not safe for concurrent use.
package chunk
