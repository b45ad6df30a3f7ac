package engine

import (
	"crypto/sha256"
	"fmt"

	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/engine/commerce"
	"github.com/ordercore/oms/engine/wire"
)

// Output receives the events of one Apply. The caller owns it and reuses it
// across commands; Reset keeps the capacity, so steady state allocates
// nothing.
type Output struct {
	Seq      uint64
	Time     int64
	Trade    []book.Event
	Commerce []commerce.Event
}

// Reset empties the output, keeping its capacity.
func (o *Output) Reset() {
	o.Seq, o.Time = 0, 0
	o.Trade = o.Trade[:0]
	o.Commerce = o.Commerce[:0]
}

// Engine is the whole deterministic core.
type Engine struct {
	book     *book.Engine
	commerce *commerce.Engine
	lastSeq  uint64
	now      int64
}

// New returns an empty engine.
func New() *Engine {
	return &Engine{book: book.New(), commerce: commerce.New()}
}

// Book returns the trading side, for queries. REQUIRES: the caller owns the
// engine (the sequencer goroutine).
func (e *Engine) Book() *book.Engine { return e.book }

// Commerce returns the commerce side, for queries. REQUIRES: the caller owns
// the engine.
func (e *Engine) Commerce() *commerce.Engine { return e.commerce }

// Reserve is a hint that about n more commands follow, as in a replay:
// the engine sizes what it can for them at once. It changes no state that
// Digest, Snapshot or any query can see.
func (e *Engine) Reserve(n int) { e.book.Reserve(n) }

// LastSeq returns the sequence number of the last applied command.
func (e *Engine) LastSeq() uint64 { return e.lastSeq }

// Now returns the engine's time: the largest command time applied so far.
func (e *Engine) Now() int64 { return e.now }

// Apply applies one command and appends its events to out. It never fails:
// a command the engine cannot carry out yields a Rejected event.
//
// Time never goes backwards inside the engine: a command stamped earlier than
// one already applied runs at the later time, so replays agree even if the
// wall clock stepped back between commands.
func (e *Engine) Apply(c *Command, out *Output) {
	if c.Seq > e.lastSeq {
		e.lastSeq = c.Seq
	}
	if c.Time > e.now {
		e.now = c.Time
	}
	out.Seq, out.Time = c.Seq, e.now
	switch c.Kind {
	case KindTrade:
		out.Trade = e.book.Apply(&c.Trade, e.now, out.Trade)
	case KindCommerce:
		out.Commerce = e.commerce.Apply(&c.Commerce, e.now, out.Commerce)
	case KindTick:
		out.Trade = e.book.Tick(e.now, out.Trade)
		out.Commerce = e.commerce.Tick(e.now, out.Commerce)
	}
	// An unknown Kind cannot reach Apply through the journal (DecodeCommand
	// refuses it); from a gateway it is a programming error that changes
	// nothing, which keeps Apply total.
}

// RulesVersion numbers the engine's rules: what Apply makes of a command.
// Two builds with the same RulesVersion give the same events and the same
// state for the same commands from the same state. A change after which
// some command stream would not (a fix, a new check, a changed order of
// events) bumps it; a new command kind, a new field with a neutral zero, or
// a faster data structure does not.
//
// The journal stores it with every command, and recovery refuses to replay
// a command journaled under other rules (journal.ErrRules): applying
// today's rules to yesterday's commands could reach a state the system
// never had, and the digest of an older snapshot cannot tell. The way
// across an upgrade is a snapshot taken by the old build (a graceful stop
// takes one), from which the new build replays only its own commands.
//
// Version 0 is reserved for commands journaled before the version was
// recorded. History:
//   - 1: the rules when versions were first recorded.
//   - 2: a PlaceOrder reusing a channel order id for a different order is
//     rejected (commerce.ReasonChannelOrderIDConflict) instead of answered
//     with the first order's result.
//   - 3: an AdjustStock whose delta contradicts its reason is rejected
//     (adjust_sign), and one that would take stock below zero says so
//     (negative_stock, was invalid_qty). A backorder created while
//     another eligible location has stock (a count below committed stock,
//     a ship-complete order its reservation's location cannot fill, a
//     cancel that unblocks one) is filled from it at once. (The promise
//     query now sources as a placement would; it is a query and changes
//     no state.)
//   - 4: trading: the maximum order notional caps a limit sell as it takes
//     from the book (max_order_notional); a same-price quantity decrease
//     is never refused by a limit; an iceberg may be reduced to its
//     display quantity; a market order trades only within the price band
//     around the price when it arrives or triggers (outside_band).
//     Commerce: a declined payment frees the order's allocation (its
//     units await the payment); the return window is fixed at an order's
//     first delivery; a reservation TTL above 30 days is rejected
//     (ttl_too_long); pickup orders are made ready and collected rather
//     than shipped (pickup_order).
//   - 5: trading: an account's mass cancels are remembered by ClOrdID for
//     the day, and one reusing a ClOrdID is refused (duplicate_clordid)
//     and cancels nothing. Commerce: the daily capacity a decline, a cancel
//     or a shortfall frees is given back at every location; a re-sent
//     MarkReadyForPickup is answered as the first was (duplicate); an order
//     placed with a declined payment counts in the placement analytics when
//     it is first sourced, and keeps the plan of the sourcing its
//     authorisation made; ten commerce commands (stock adjust, receive
//     and inbound, reserve, ship, create and receive return, cancel,
//     ready-for-pickup, pickup) take a request_id, and a retry under it
//     replays the first result (duplicate) while other content under it
//     is refused (request_id_conflict); a shipment re-sent with the same
//     tracking number, location and lines is answered as the first
//     (duplicate).
//
// TestRulesPinned holds the digest a fixed command stream
// reaches under this version, so that a change of behaviour fails it until
// the version is bumped (or, for a change of the snapshot encoding alone,
// the digest is regenerated).
const RulesVersion uint32 = 5

// snapshotVersion numbers the snapshot's envelope and the book's layout
// in it: version 1 holds book.SnapshotV1, version 2 book.SnapshotV2 (the
// mass cancels remembered by ClOrdID). The commerce part carries its own
// version. Restore reads versions 1 and 2.
const snapshotVersion = 2

// bookLayout is the book's snapshot layout in an envelope of version v.
func bookLayout(v byte) byte {
	if v == 1 {
		return book.SnapshotV1
	}
	return book.SnapshotV2
}

// Snapshot appends the canonical encoding of the whole state to buf. Two
// engines with equal state produce identical bytes.
func (e *Engine) Snapshot(buf []byte) []byte {
	w := wire.NewWriter(buf)
	w.Byte(snapshotVersion)
	w.Uvarint(e.lastSeq)
	w.Varint(e.now)
	e.book.Snapshot(w)
	e.commerce.Snapshot(w)
	return w.Bytes()
}

// Restore replaces the engine's state with a snapshot. On error the engine is
// left empty, never half restored.
func (e *Engine) Restore(b []byte) error {
	fresh := New()
	r := wire.NewReader(b)
	v := r.Byte()
	if r.Err() == nil && (v < 1 || v > snapshotVersion) {
		return fmt.Errorf("engine: snapshot version %d, want 1 to %d", v, snapshotVersion)
	}
	fresh.lastSeq = r.Uvarint()
	fresh.now = r.Varint()
	if err := fresh.book.RestoreVersion(r, bookLayout(v)); err != nil {
		*e = *New()
		return fmt.Errorf("engine: restore book: %w", err)
	}
	if err := fresh.commerce.Restore(r); err != nil {
		*e = *New()
		return fmt.Errorf("engine: restore commerce: %w", err)
	}
	if err := r.Done(); err != nil {
		*e = *New()
		return fmt.Errorf("engine: restore: %w", err)
	}
	*e = *fresh
	return nil
}

// Digest is a SHA-256 hash of the canonical state (the snapshot bytes).
type Digest [sha256.Size]byte

func (d Digest) String() string { return fmt.Sprintf("%x", d[:]) }

// Digest returns the hash of the canonical state.
func (e *Engine) Digest() Digest {
	return sha256.Sum256(e.Snapshot(nil))
}
