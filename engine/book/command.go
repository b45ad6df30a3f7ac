package book

// CmdKind selects what a Command does.
type CmdKind uint8

// Command kinds. Append only: the journal stores them.
const (
	CmdAddInstrument    CmdKind = iota + 1 // Instrument
	CmdUpdateInstrument                    // Instrument (tick, lot, decimals and multiplier are fixed once added)
	CmdSetTradingState                     // Symbol, State
	CmdAddAccount                          // Acct
	CmdUpdateAccount                       // Acct
	CmdNewOrder                            // Account, Symbol, ClOrdID, Side, Type, TIF, Price, StopPrice, Qty, DisplayQty, PostOnly, ExpireTime
	CmdCancel                              // Account, OrderID or OrigClOrdID, ClOrdID
	CmdReplace                             // Account, OrderID or OrigClOrdID, ClOrdID, Price, StopPrice, Qty; Symbol, Side, Type, TIF when checked (zero: not checked)
	CmdMassCancel                          // Account and/or Symbol (empty = all), ClOrdID
	CmdEndOfDay                            // Symbol (empty = all): Day orders expire, day counters reset
	cmdKindCount
)

func (k CmdKind) String() string {
	switch k {
	case CmdAddInstrument:
		return "add-instrument"
	case CmdUpdateInstrument:
		return "update-instrument"
	case CmdSetTradingState:
		return "set-trading-state"
	case CmdAddAccount:
		return "add-account"
	case CmdUpdateAccount:
		return "update-account"
	case CmdNewOrder:
		return "new-order"
	case CmdCancel:
		return "cancel"
	case CmdReplace:
		return "replace"
	case CmdMassCancel:
		return "mass-cancel"
	case CmdEndOfDay:
		return "end-of-day"
	}
	return "cmd?"
}

// Command is one trading command. It is a flat value (no pointers but strings
// and one slice) so that it can be passed and journaled without allocating.
// Only the fields listed for its Kind are read.
type Command struct {
	Kind CmdKind

	Account     string
	Symbol      string
	ClOrdID     string
	OrigClOrdID string
	OrderID     OrderID // addresses an existing order; when zero, OrigClOrdID does
	// Side, Type and TIF are the order's. On a Replace, they and Symbol
	// are what the requester believes the order is: each that is set
	// must equal the order's (a replace cannot change them), and a zero
	// one is not checked.
	Side       Side
	Type       OrdType
	TIF        TIF
	Price      Price // limit price (Limit, StopLimit)
	StopPrice  Price // trigger price (Stop, StopLimit)
	Qty        Qty   // total order quantity; for Replace the new total including what has filled
	DisplayQty Qty   // iceberg peak; zero means fully displayed
	PostOnly   bool
	ExpireTime int64 // GTD expiry, in the engine's time unit (unix nanoseconds)

	State      TradingState
	Instrument Instrument
	Acct       Account
}

// Instrument is the static definition of a tradable instrument.
type Instrument struct {
	Symbol string
	// PriceDecimals is the number of decimals in a price unit (0..6): price
	// unit = 10^-PriceDecimals currency.
	PriceDecimals uint8
	// TickSize is the minimum price increment, in price units (> 0).
	TickSize Price
	// LotSize is the quantity increment, in units (> 0).
	LotSize Qty
	// Multiplier is the contract multiplier (>= 1): notional = price x qty x multiplier.
	Multiplier int64
	// BandBps is the price band, in basis points either side of the reference
	// price; zero disables the band.
	BandBps int64
	// RefPrice is the reference price used for the band and for estimating
	// the notional of market orders until the instrument trades; after the
	// first trade the last trade price is the reference.
	RefPrice Price
	// State is the trading state.
	State TradingState
}

// Account is a trading account with its pre-trade risk limits. A zero limit
// means unlimited.
type Account struct {
	ID               string
	MaxOrderQty      Qty
	MaxOrderNotional Money
	// CreditLimit bounds open buy notional plus the day's executed buy notional.
	CreditLimit Money
	// MaxPosition bounds the absolute position per instrument, counting open
	// orders on the same side as if they filled.
	MaxPosition Qty
	// Restricted lists symbols the account may not trade, sorted and unique.
	Restricted []string
	STP        STPMode
}
