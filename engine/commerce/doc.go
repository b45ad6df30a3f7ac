// Package commerce is the commerce half of the deterministic core: locations,
// inventory per SKU and location, reservations, order placement with
// sourcing (distributed order management), backorders, holds, the order and
// line lifecycle through fulfilment, shipping and delivery, returns, order
// promising, and the queries and analytics over them.
//
// Like the rest of package engine it is a pure state machine driven one
// command at a time, with the command's time as its only clock:
//
//	e := commerce.New()
//	var out []commerce.Event
//	out = e.Apply(&commerce.Command{Kind: commerce.CmdSetLocation, Location: commerce.Location{
//		ID: 1, Kind: commerce.Warehouse, Ships: true, Active: true}}, now, out[:0])
//	out = e.Apply(&commerce.Command{Kind: commerce.CmdSetStock, SKU: "A", Loc: 1, Qty: 10, Version: 1}, now, out[:0])
//	out = e.Apply(&commerce.Command{Kind: commerce.CmdPlaceOrder, Channel: commerce.Web,
//		ChannelOrderID: "w-1", Customer: "c1", Payment: commerce.PaymentAuthorised,
//		Lines: []commerce.LineInput{{SKU: "A", Qty: 2, UnitPrice: 999, Currency: "EUR"}}}, now, out[:0])
//	// out: order-created, allocated (with the plan's score and promise), stock, statuses.
//
// Guarantees:
//
//   - Apply is total and deterministic: the same state and command give
//     byte-identical events and snapshots. A command that cannot be carried
//     out yields exactly one EvRejected event, naming the reason and the
//     field, and changes no state. The passing of time is not the
//     command's doing: a new capacity day's retry (capwait.go), which a
//     placement runs before it checks the order, happens even if the
//     placement is then rejected, and its events come before the
//     EvRejected one, as if a Tick at the same time had come first.
//   - The ledger is exact: per SKU and location nothing is negative and
//     allocated + reserved never exceeds on hand; allocated always equals the
//     open allocations of the orders, reserved the active reservations.
//     Every change of a level is an EvStock event with the new levels and the
//     network ATP, so a channel can mirror availability. A count below
//     committed stock wins: reservations, then allocations give way and are
//     backordered (shortfall.go). Build with -tags invariants to check all
//     of it after every command.
//   - A reservation holds stock at a location without asking what kind of
//     order will use it; the order that uses it must be servable there
//     (the location ships, or is the order's pickup store, is active and
//     has capacity left today once the backorders waiting for the day's
//     capacity have been served), else the placement is rejected with
//     ReasonReservationIneligible on that line and the reservation stays
//     active: the order is not sourced elsewhere behind the channel's back.
//     A reservation is the channel's that took it (Command.Channel; zero,
//     an administrator's, has no owner): only that channel, or a command
//     with no channel, may release it, and only that channel's orders may
//     consume it. To another channel it is ReasonUnknownReservation, as an
//     id never issued is.
//   - A ship-complete order ships whole from one location. It is allocated
//     only at a location that can fill every line (the reservations'
//     location if it has reservations), or else backordered whole, and its
//     backorder is filled only by one location that can fill all of it.
//     Backordered whole, it still consumes its reservations, whose units
//     return to ATP: a backorder holds no stock. Release sends it only when
//     nothing is backordered (else ReasonShipCompleteBackordered, nothing
//     sent). A shortfall before release backorders the whole order and
//     frees all its stock, and the day's capacity its shipment took if it
//     was counted today; after release it takes back only the missing
//     units, and the remainder is filled only at the location the order
//     was released from.
//   - A held order keeps its allocation, except for a declined payment:
//     an order on payment hold whose payment is declined gives its
//     unreleased allocations back to ATP (backorders may take them) and
//     leaves the backorder queue; its units wait for the payment
//     (StatusAwaitingPayment) holding no stock, and are sourced again, as
//     a placement then would, when it is authorised. A placement with a
//     declined payment is not sourced. See lifecycle.go.
//   - A location's daily capacity counts shipments: an order's unreleased
//     units at a location are one shipment, counted when its first
//     allocation there is made. When a declined payment, a cancel or a
//     shortfall leaves an order nothing unreleased at a location, that
//     shipment will not happen, and if it was counted on the location's
//     current capacity day it is given back (giveBackCapacity, shortfall.go):
//     sourcing there again the same day is counted once, not twice. A
//     released shipment stays counted.
//   - A pickup (BOPIS) order is never shipped (Ship: ReasonPickupOrder):
//     its store marks released units ready for pickup (ReadyForPickup;
//     they stay on hand and allocated there, so a no-show is a cancel that
//     puts them back on sale) and the customer collects them (PickedUp: a
//     shipment without tracking, delivered at once). See pickup.go.
//   - Placing an order is idempotent by (channel, channel order id): a
//     re-submit of the same order replays the first result's order events
//     with Duplicate set and never creates a second order; one asking for a
//     different order under the same key (placeHash: customer, destination,
//     flags, lines) is rejected with ReasonChannelOrderIDConflict, the
//     event's Order naming the holder. A rejected placement records nothing,
//     so it may be re-submitted. A channel order id is at most
//     MaxChannelOrderID (64) bytes.
//   - The commands that are not idempotent by themselves (AdjustStock,
//     Receive, AddInbound, Reserve, Ship, Cancel, ReadyForPickup,
//     PickedUp, AuthoriseReturn, ReceiveReturn) take an optional
//     Command.RequestID, scoped by Command.Caller and the kind (reqid.go):
//     a retry within the dedup window replays the first result's events
//     with Duplicate set and changes nothing; the same key for a different
//     command (the fields its kind reads, as journaled) is rejected with
//     ReasonRequestIDConflict on the field request_id. Only a command
//     carried out is recorded. Keys expire on a tick DedupWindow after
//     their command, at most maxSweepPerTick a tick, and are in the
//     snapshot. A Ship without a request id repeating a shipment of the
//     order (its tracking, location and lines) is that shipment re-sent:
//     its shipped events are replayed with Duplicate set (shipResent).
//   - Order records, tombstones and the idempotency index hold no pointers
//     (keys inline, customers and currencies by index, idem.go), so the
//     garbage collector never scans a retention period's worth of orders.
//     (The request id records do: three pointers each, in a Go map; they
//     are kept only for commands that carry an id.)
//   - Backorders are filled in queue order as stock becomes usable
//     (backorder.go). A backorder is never created to wait while a
//     location it may be filled from has stock: units a shortfall takes
//     away, a ship-complete order its reservations' location cannot fill,
//     and a ship-complete order a cancel made fillable are offered the
//     SKU's ATP at every location at once, in queue order, before any later
//     order can take it (offerNewBackorders). Stock that a location's daily capacity keeps from
//     them is offered to them again, still in queue order, at the
//     location's next capacity day or when its capacity is raised or
//     removed, before any new order or reservation can take it
//     (capwait.go).
//   - Sourcing is exact for small orders and explained on every allocation
//     (see source.go for the ordering of plans, the bound and the fallback;
//     geo.go for the integer distance approximation).
//   - A promise (PromiseOrder, promise.go) is what placing the order now
//     would do, and changes no state: the units current stock covers are
//     planned by the same sourcing as a placement (split across locations,
//     or from one location if ship-complete) and are available now; the
//     rest come from dated supply (inbound, and stock a used-up capacity
//     holds to the next day) in arrival order, after the backorders queued
//     ahead and a safety-stock deficit have taken theirs, as the backorder
//     fill would serve them; a ship-complete order waits for the first
//     location that can cover all of it. The order's date is its last
//     unit's; units nothing covers are short and leave the order undated.
//     It is promisable now only when every unit comes from current stock.
//   - Snapshot is canonical (no map order, no internal indexes) and
//     complete; Restore rebuilds derived indexes from it.
//   - Retention is deterministic: closed (delivered or cancelled) orders are
//     archived on a tick once their return window and ArchiveAfter have
//     passed, freeing their records; their idempotency key answers re-submits
//     for DedupWindow more (retention.go). Archived orders read as not found
//     (Archived tells them from unknown ids); commands on them are rejected
//     with ReasonOrderArchived.
//
// Limits: an order has at most MaxLines lines; quantities and amounts are
// bounded by MaxQty and MaxMoney so every sum is exact. Customers and
// reservations are kept for ever.
//
// Not safe for concurrent use: the sequencer owns the engine.
package commerce
