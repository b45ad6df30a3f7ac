// Package book is the trading half of the deterministic core: instruments,
// accounts with pre-trade risk limits, price-time order books, matching,
// order maintenance and positions.
//
//	e := book.New()
//	out := e.Apply(&book.Command{Kind: book.CmdAddInstrument, Instrument: spec}, now, nil)
//	out = e.Apply(&book.Command{Kind: book.CmdNewOrder, Account: "A", Symbol: "ACME",
//		ClOrdID: "c1", Side: book.Buy, Type: book.Limit, TIF: book.Day, Price: 10100, Qty: 100}, now, out[:0])
//
// # Guarantees
//
// Apply is deterministic and total: the same commands from the same state give
// the same events and the same snapshot, and every refusal is an event with a
// stable Reason (EvRejected for new orders and definitions, EvCancelRejected
// for cancels and replaces). Nothing in the package reads a clock; time is the
// now argument. Prices are integer price units and quantities integer units:
// a price off the tick or a quantity off the lot is rejected, never rounded.
//
// # Matching rules
//
//   - Price-time priority. Levels are matched best price first; within a
//     level, in arrival order. A trade executes at the resting (maker) order's
//     price.
//   - Market orders never rest: what they cannot fill at once is cancelled
//     (no_liquidity). They take Day (treated as IOC), IOC or FOK.
//   - Market order protection: on an instrument with a price band, a market
//     order (or a triggered stop-market order) trades only within the band
//     around the reference price as it stands when the order arrives or
//     triggers; the band does not follow the order's own fills. The rest is
//     cancelled (outside_band) at the first level past the band's edge, and
//     a fill-or-kill market order the band cannot cover is cancelled
//     untouched (fok_unfillable).
//   - IOC fills what it can and cancels the rest (ioc_remainder). FOK is
//     checked before any trade: if it cannot fill completely now, it is
//     cancelled and the book is untouched (fok_unfillable).
//   - Post-only orders are rejected if they would take liquidity.
//   - Icebergs display at most DisplayQty; when the displayed slice is
//     consumed, a new slice is shown at the back of the level's queue. An
//     iceberg has at most MaxIcebergSlices slices (qty / display, rounded
//     up), so that one aggressor cannot set off an unbounded run of trades.
//   - Stop and stop-limit orders trigger on any trade price printed since
//     the stops last ran (buy: the highest >= stop; sell: the lowest <=
//     stop), so a sweep that trades through a stop's price and back still
//     triggers it; a stop triggers at once if the condition holds on the
//     last trade price on arrival.
//     After an order's matching, triggered stops fire one at a time, each to
//     completion, choosing buy stops before sell stops, then the lowest buy
//     stop price or the highest sell stop price, then the earliest entry.
//   - Self-trade prevention, per account: cancel the aggressor's remainder,
//     cancel the resting order and go on, or cancel both.
//   - Cancel/replace: a quantity decrease at the same prices keeps time
//     priority; a price change or a quantity increase loses it (and a new
//     price that crosses trades at once). The quantity of a replace is the
//     new total including what has filled; replacing or cancelling a
//     finished order is refused as too_late. A replace changes only the
//     price, stop price and quantity: symbol, side, type, time in force,
//     expiry, display quantity and post-only are kept. A replace that names
//     a symbol, side, type or time in force (each optional) other than the
//     order's is refused (replace_mismatch). An iceberg reduced to its
//     display quantity or less shows all that is left, as its last slice
//     does.
//   - Day orders expire at end of day, and so do stops pending with IOC
//     or FOK (live IOC and FOK orders can only be pending stops). A GTD order expires on the first
//     command at or after its time that could trade or change it (a tick,
//     a new order, a cancel, a replace, a mass cancel or an end of day),
//     before that command runs: it never trades after its expiry. Client order ids are unique per account from one
//     end of day to the next (orders, cancels and replaces alike).
//   - Mass cancels: an account's mass cancel with a ClOrdID is remembered
//     until the end of day, so that a re-send of it (a FIX PossDup q, a
//     retried RPC) is refused (duplicate_clordid) and cancels nothing,
//     not the orders entered since; MassCancel returns the original's
//     outcome (its MassCancelID, count, symbol and time) for the answer.
//     An account remembers its last MaxMassCancelIDs (4096) mass cancels
//     of the day, the oldest forgotten first: a mass cancel is never
//     refused for the memory's sake. Mass-cancel ClOrdIDs are a namespace
//     of their own, apart from the orders'. A mass cancel without a
//     ClOrdID (or one longer than MaxIDLen), or of every account, is not
//     remembered. The memory is in the snapshot, so in the digest.
//
// # Pre-trade checks
//
// In order: account, instrument, client order id present, the order's shape
// (side, type, TIF, quantity and lot, price and tick, stop price, display
// quantity, expiry), trading state, duplicate client order id, restricted
// instrument, price band (around the last trade, or the configured reference
// before the first trade), post-only, then the account's limits: maximum order
// quantity, maximum order notional, credit (open buy notional plus the day's
// executed buys) and maximum position (counting open same-side orders).
// A quantity decrease at the same prices (or a cancel) only reduces risk
// and is never refused by these checks, even after the account's limits
// were tightened or the instrument restricted. Any other replace is
// checked as the order it makes: refused on an instrument the account is
// now restricted from (restricted_instrument); the maximum order quantity
// and notional against the new total quantity (what has filled included),
// credit and position against what is left to fill.
//
// A market order's price is not known at entry, so its notional is checked
// at the reference price (a pending stop-market order counts at its stop
// price), and again as it fills: a market order, or a triggered stop-market
// order, fills only as far as its account's credit and maximum order
// notional allow at the actual fill prices. The fill that would break a
// limit is cut to the whole lots that fit, and the rest of the order is
// cancelled with that limit's reason (credit_limit, max_order_notional); a
// fill-or-kill market order the limits cannot cover in full is cancelled
// untouched (fok_unfillable). A limit sell is capped the same way by the
// maximum order notional as it takes from the book: it fills at its limit or
// higher, so a sell limited far below the bids would otherwise trade many
// times the notional checked at its limit. A limit buy needs no such check:
// it fills at its price or lower, within the notional checked at entry.
//
// # Limits
//
// Prices and quantities are at most 10^14 and a single order's notional must
// fit in int64 Money (micro currency units). An order is refused
// (notional_overflow) when its quantity at its limit (what may rest and
// trade there as a maker), or at the reference price for a market order,
// does not fit, and so is a replace whose new terms do not. What an order
// takes from the book as it arrives (a sell meets bids above its limit, a
// market order any price) is checked fill by fill: it stops, the rest
// cancelled (notional_overflow), before a fill that would take its notional
// past 64 bits, and a fill-or-kill that could not fill within them is
// cancelled whole. The book's worst price never refuses an order, so one
// far-off lot cannot block others. An account's open buy notional, an
// exact running sum, must fit too. So an order's cumulative notional (and
// the FIX average price) cannot overflow. Totals across orders (a
// position's bought and sold notional, an account's executed buys) saturate
// at the int64 maximum rather than wrap. The engine is not safe for
// concurrent use.
package book
