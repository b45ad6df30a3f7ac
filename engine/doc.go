// Package engine is the deterministic core of the order engine: a pure state
// machine that holds the trading order books and the commerce inventory and
// orders in memory.
//
// The engine is driven from outside, one command at a time:
//
//	e := engine.New()
//	var out engine.Output
//	cmd := engine.Command{Seq: 1, Time: t, Kind: engine.KindTrade, Trade: book.Command{...}}
//	e.Apply(&cmd, &out) // out.Trade and out.Commerce now hold the events
//
// Apply must be deterministic: the same snapshot and the same commands give
// byte-identical events and a byte-identical snapshot. The engine therefore
// never reads a clock (a command's Time, stamped by the sequencer, is its only
// time), never iterates a map into an output, and uses integers for money,
// prices and quantities.
//
// Apply is total: business failures are Rejected events carrying a stable
// reason code, never errors or panics. A panic means a broken invariant (see
// the INVARIANT comments); build with -tags invariants to check the expensive
// ones after every command.
//
// The engine is not safe for concurrent use. The sequencer owns it and calls
// it from one goroutine; queries go through the sequencer too.
//
// Subpackages: book is the trading side (instruments, accounts, pre-trade
// risk, price-time matching, positions); commerce is the commerce side
// (locations, inventory, sourcing, the order lifecycle, returns); wire is the
// canonical binary encoding both use for commands and snapshots. The two
// domains share the command stream and nothing else.
package engine
