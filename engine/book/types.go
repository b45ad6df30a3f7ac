package book

// OrderID is the engine-assigned identifier of a trading order. IDs are
// assigned sequentially from 1, so they are deterministic under replay.
type OrderID uint64

// ExecID identifies one execution report's worth of state change. The engine
// assigns them sequentially across all instruments.
type ExecID uint64

// Price is an order price in the instrument's price units: one unit is
// 10^-PriceDecimals of the currency. A valid price is a multiple of the
// instrument's tick size; the engine keeps prices in units rather than ticks
// so that an off-tick price can be represented, and rejected, rather than
// silently rounded.
type Price int64

// Qty is a quantity in instrument units (shares, contracts). A valid quantity
// is a positive multiple of the instrument's lot size.
type Qty int64

// Money is an amount in micro units of the account currency (10^-6). Notional
// limits and credit are expressed in Money so that instruments with different
// price decimals compare.
type Money int64

// Side is the side of an order.
type Side uint8

// Sides.
const (
	Buy Side = iota + 1
	Sell
)

func (s Side) String() string {
	switch s {
	case Buy:
		return "buy"
	case Sell:
		return "sell"
	}
	return "side?"
}

// Opposite returns the other side.
func (s Side) Opposite() Side {
	if s == Buy {
		return Sell
	}
	return Buy
}

// OrdType is the order type.
type OrdType uint8

// Order types.
const (
	Limit OrdType = iota + 1
	Market
	Stop      // becomes a market order when triggered
	StopLimit // becomes a limit order when triggered
)

func (t OrdType) String() string {
	switch t {
	case Limit:
		return "limit"
	case Market:
		return "market"
	case Stop:
		return "stop"
	case StopLimit:
		return "stop-limit"
	}
	return "type?"
}

// TIF is the time in force.
type TIF uint8

// Times in force.
const (
	Day TIF = iota + 1
	GTC
	GTD
	IOC
	FOK
)

func (t TIF) String() string {
	switch t {
	case Day:
		return "day"
	case GTC:
		return "gtc"
	case GTD:
		return "gtd"
	case IOC:
		return "ioc"
	case FOK:
		return "fok"
	}
	return "tif?"
}

// TradingState is an instrument's trading state.
type TradingState uint8

// Trading states. Only Open accepts new orders and matches. Halted keeps the
// book and accepts cancels; Closed does the same and is the state between
// sessions.
const (
	Open TradingState = iota + 1
	Halted
	Closed
)

func (s TradingState) String() string {
	switch s {
	case Open:
		return "open"
	case Halted:
		return "halted"
	case Closed:
		return "closed"
	}
	return "state?"
}

// STPMode is an account's self-trade prevention mode: what happens when an
// incoming order would trade against a resting order of the same account.
type STPMode uint8

// Self-trade prevention modes.
const (
	CancelAggressor STPMode = iota + 1 // the incoming order's remainder is cancelled
	CancelResting                      // the resting order is cancelled and matching goes on
	CancelBoth                         // both are cancelled
)

func (m STPMode) String() string {
	switch m {
	case CancelAggressor:
		return "cancel-aggressor"
	case CancelResting:
		return "cancel-resting"
	case CancelBoth:
		return "cancel-both"
	}
	return "stp?"
}

// OrdStatus is an order's status, named after FIX OrdStatus.
type OrdStatus uint8

// Order statuses.
const (
	StatusNew OrdStatus = iota + 1
	StatusPartiallyFilled
	StatusFilled
	StatusCanceled
	StatusRejected
	StatusExpired
	StatusPendingTrigger // an untriggered stop order
)

func (s OrdStatus) String() string {
	switch s {
	case StatusNew:
		return "new"
	case StatusPartiallyFilled:
		return "partial"
	case StatusFilled:
		return "filled"
	case StatusCanceled:
		return "canceled"
	case StatusRejected:
		return "rejected"
	case StatusExpired:
		return "expired"
	case StatusPendingTrigger:
		return "pending-trigger"
	}
	return "status?"
}

// Terminal reports whether an order in this status can change no more.
func (s OrdStatus) Terminal() bool {
	return s == StatusFilled || s == StatusCanceled || s == StatusRejected || s == StatusExpired
}
