package book

// EventKind says what an Event reports.
type EventKind uint8

// Event kinds. Append only.
const (
	EvAccepted       EventKind = iota + 1 // an order was accepted (FIX ExecType New, or PendingTrigger for stops)
	EvRejected                            // a command was rejected; Reason says why; Order echoes the request
	EvTrade                               // Order (taker) traded with Maker at LastPx for LastQty
	EvCanceled                            // Order was cancelled; Reason says why
	EvExpired                             // Order expired (Day and pending IOC/FOK stops at end of day, GTD when due)
	EvReplaced                            // Order was replaced; Order holds the new state, OrigClOrdID the old id
	EvCancelRejected                      // a cancel or replace was refused; Replace tells which; Reason says why
	EvTriggered                           // a stop order was triggered and is now live
	EvMassCanceled                        // a mass cancel finished; Count orders were cancelled; MassCancel is its number
	EvInstrument                          // an instrument was added or changed (Instrument)
	EvAccount                             // an account was added or changed (Acct)
	EvLevel                               // a price level changed: Side, LastPx is the level price, LastQty its visible total, Count its orders
	EvEndOfDay                            // end of day processed for Order.Symbol (empty = all)
)

func (k EventKind) String() string {
	switch k {
	case EvAccepted:
		return "accepted"
	case EvRejected:
		return "rejected"
	case EvTrade:
		return "trade"
	case EvCanceled:
		return "canceled"
	case EvExpired:
		return "expired"
	case EvReplaced:
		return "replaced"
	case EvCancelRejected:
		return "cancel-rejected"
	case EvTriggered:
		return "triggered"
	case EvMassCanceled:
		return "mass-canceled"
	case EvInstrument:
		return "instrument"
	case EvAccount:
		return "account"
	case EvLevel:
		return "level"
	case EvEndOfDay:
		return "end-of-day"
	}
	return "event?"
}

// OrderState is an order's state as of an event: everything an execution
// report needs.
type OrderState struct {
	ID          OrderID
	Account     string
	Symbol      string
	ClOrdID     string
	OrigClOrdID string
	Side        Side
	Type        OrdType
	TIF         TIF
	Status      OrdStatus
	PostOnly    bool
	Price       Price
	StopPrice   Price
	Qty         Qty // order quantity
	DisplayQty  Qty
	CumQty      Qty
	LeavesQty   Qty
	// CumNotional is the sum of price x qty over the order's fills, in price
	// units x units: the average price is CumNotional / CumQty, exactly.
	CumNotional int64
	ExpireTime  int64
}

// Event is one state change. Events are values appended to a caller-owned
// slice: the engine never retains them, and allocates only for the rare
// administrative events (Instrument and Acct point to copies made for the
// event). The small fields come first and the administrative definitions
// are pointers so that an execution event stays compact: events are
// copied into result slabs, kept in the resume ring and scanned by the
// garbage collector at hundreds of thousands per second.
type Event struct {
	Kind    EventKind
	Side    Side   // EvLevel
	Reason  Reason // EvRejected, EvCanceled, EvCancelRejected
	Replace bool   // EvCancelRejected: true when the refused request was a replace
	// ExecID is set on every event that maps to an execution report for
	// Order (accepted, rejected new orders, trade, canceled, expired,
	// replaced, triggered).
	ExecID ExecID
	Order  OrderState
	// Maker and MakerExecID are set on trades: the resting order's state
	// after the fill and the execution id of its report.
	Maker       OrderState
	MakerExecID ExecID
	TradeID     uint64
	LastQty     Qty
	LastPx      Price
	// Count is, on EvLevel, the orders at the level; on EvMassCanceled,
	// the orders cancelled. (On EvMassCanceled, Order echoes the request:
	// Account, Symbol, ClOrdID; its ID is zero.)
	Count int
	// MassCancel is, on EvMassCanceled, the engine's number for the mass
	// cancel (a numbering of its own, not an order id).
	MassCancel MassCancelID
	// Instrument is set on EvInstrument: the definition after the change.
	Instrument *Instrument
	// Acct is set on EvAccount: the definition after the change (its
	// Restricted slice is the event's own).
	Acct *Account
}
