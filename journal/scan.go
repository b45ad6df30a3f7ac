package journal

import (
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/cockroachdb/pebble/v2"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/wire"
)

// Reading is pipelined: a reader goroutine iterates Pebble (reading and
// decompressing blocks), checks each record (key, seq continuity,
// checksum) and decodes it into chunks of commands, while the caller's
// goroutine runs fn (for recovery: the engine's Apply, which stays on one
// goroutine) on the chunks already decoded. With a core to spare, and
// above all when the journal is not in the page cache (a restart), a
// replay then costs about its Apply time alone; with no core to spare it
// costs what it did unpipelined, give or take the hand-offs.
const (
	// scanChunk is the commands handed over at once. Each hand-off may wake
	// a parked goroutine (microseconds on a VM): with 256 a decode-only
	// scan lost a fifth of its speed to them, with 1024 under a tenth.
	scanChunk = 1024
	// scanChunks bounds the chunks in flight, so the reader runs at most
	// this far ahead of the caller (and a scan holds at most this many
	// chunks, about 600 KiB each).
	scanChunks = 3
)

// scanNames bounds the names a scan interns (see wire.Interner): enough for
// the accounts, symbols, currencies and a large catalogue's SKUs (about 8 MB
// when full; names past it are copied as before). Interning saves the reader an allocation for most of them in each
// command (an account and a symbol in each trade command): fewer
// allocations for the collector while the engine applies on the other core.
const scanNames = 1 << 17

// ErrReader is a scan stopped by a panic while reading or decoding a
// record: a bug, or damage that Pebble could not report as an error. The
// error names the seq; the log has the stack.
var ErrReader = errors.New("journal: reader failed")

// chunk is a run of decoded commands, in seq order, passed from the reader
// to the caller. err is set on the last chunk the reader sends when it
// stopped on an error; the commands before it are valid.
type chunk struct {
	cmds  []engine.Command
	rules []uint32 // rules[i]: the rules version cmds[i] was journaled under
	n     int
	err   error
}

// scan calls fn for each command from seq from through until (0: the end),
// in order, with the rules version it was journaled under, checking each
// record and that the seqs are contiguous. A damaged or missing record is
// an error naming its seq, returned after fn has seen every command before
// it. The command passed to fn is reused once fn returns.
func (j *Journal) scan(from, until uint64, fn func(c *engine.Command, rules uint32) error) error {
	upper := []byte{prefixCommand + 1}
	if until != 0 {
		upper = makeKey(prefixCommand, until+1)
	}
	it, err := j.db.NewIter(&pebble.IterOptions{LowerBound: makeKey(prefixCommand, from), UpperBound: upper})
	if err != nil {
		return fmt.Errorf("journal: read from seq %d: %w", from, err)
	}
	r := &reader{j: j, it: it, want: from, until: until, names: wire.NewInterner(scanNames),
		full: make(chan *chunk, scanChunks), free: make(chan *chunk, scanChunks), quit: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			// Closing an iterator over damaged data may panic too; the
			// scan has its result by then, so that is only logged.
			defer func() {
				if p := recover(); p != nil {
					j.log.Error("journal: closing the reader's iterator panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				}
			}()
			_ = j.closeIter(it)
		}()
		defer close(r.full)
		// A panic in the reader (a decoder bug, or Pebble on damaged
		// data) would end the process; it becomes the scan's error
		// instead, naming the record being read, and the stack goes to
		// the log. The commands before it in the unsent chunk are not
		// applied. (Fatal runtime errors, such as running out of memory,
		// cannot be recovered.)
		defer func() {
			if p := recover(); p != nil {
				r.panicked = fmt.Errorf("%w: reading seq %d: panic: %v", ErrReader, r.want, p)
				j.log.Error("journal: the reader panicked", "seq", r.want, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			}
		}()
		r.run()
	}()
	// The reader has stopped and closed the iterator before scan returns,
	// whether fn failed or not.
	defer func() { close(r.quit); <-done }()
	for c := range r.full {
		for i := range c.cmds[:c.n] {
			if err := fn(&c.cmds[i], c.rules[i]); err != nil {
				if named, ok := errors.AsType[*seqError](err); ok && named.seq == c.cmds[i].Seq {
					return err // it names the seq already
				}
				return fmt.Errorf("journal: seq %d: %w", c.cmds[i].Seq, err)
			}
		}
		if c.err != nil {
			return c.err
		}
		r.free <- c // never blocks: at most scanChunks chunks exist
	}
	// full is closed: the reader has stopped, and panicked is set if it
	// stopped on a panic.
	return r.panicked
}

// reader is scan's reader goroutine.
type reader struct {
	j          *Journal
	it         *pebble.Iterator
	want       uint64 // the next seq expected
	until      uint64
	full, free chan *chunk
	quit       chan struct{}  // closed when the caller stops reading
	made       int            // chunks allocated
	names      *wire.Interner // accounts, symbols, SKUs...: decoded once per scan
	panicked   error          // why the reader panicked; read after full is closed
}

// run reads and decodes the commands into chunks and sends them to full,
// the last one carrying the error that stopped it, if any.
func (r *reader) run() {
	c := r.chunk()
	if c == nil {
		return
	}
	for ok := r.it.First(); ok; ok = r.it.Next() {
		rules, err := r.decode(&c.cmds[c.n])
		if err != nil {
			c.err = err
			r.send(c)
			return
		}
		c.rules[c.n] = rules
		c.n++
		r.want++
		if c.n == len(c.cmds) {
			if !r.send(c) {
				return
			}
			if c = r.chunk(); c == nil {
				return
			}
		}
	}
	c.err = r.end()
	r.send(c)
}

// decode checks the iterator's current record, which must hold seq want,
// decodes it into cmd, and returns its rules version.
func (r *reader) decode(cmd *engine.Command) (uint32, error) {
	seq, ok := parseKey(prefixCommand, r.it.Key())
	if !ok {
		return 0, fmt.Errorf("%w: malformed command key %x after seq %d", ErrCorrupt, r.it.Key(), r.want-1)
	}
	if seq != r.want {
		return 0, fmt.Errorf("%w: expected seq %d, found seq %d", ErrGap, r.want, seq)
	}
	v, err := r.it.ValueAndErr()
	if err != nil {
		return 0, fmt.Errorf("journal: read seq %d: %w", seq, err)
	}
	return r.j.decode(seq, v, cmd, r.j.tab, r.names)
}

// end checks how the iteration ended: an iterator error, or commands
// missing before until.
func (r *reader) end() error {
	if err := r.it.Error(); err != nil {
		return fmt.Errorf("journal: read after seq %d: %w", r.want-1, err)
	}
	if r.until != 0 && r.want <= r.until && r.j.last.Load() >= r.until {
		return fmt.Errorf("%w: commands end at seq %d, before seq %d", ErrGap, r.want-1, r.until)
	}
	return nil
}

// chunk returns an empty chunk: a recycled one, a new one while fewer than
// scanChunks exist, or nil when the caller has stopped.
func (r *reader) chunk() *chunk {
	var c *chunk
	select {
	case c = <-r.free:
	default:
		if r.made < scanChunks {
			r.made++
			return &chunk{cmds: make([]engine.Command, scanChunk), rules: make([]uint32, scanChunk)}
		}
		select {
		case c = <-r.free:
		case <-r.quit:
			return nil
		}
	}
	c.n, c.err = 0, nil
	return c
}

// send hands c to the caller; it reports false when the caller has stopped.
func (r *reader) send(c *chunk) bool {
	select {
	case r.full <- c:
		return true
	case <-r.quit:
		return false
	}
}
