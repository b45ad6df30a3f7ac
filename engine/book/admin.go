package book

import "slices"

// Limits on definitions and orders. They keep every product of a price, a
// quantity, a multiplier and a scale inside int64 checks, and they bound
// strings that end up in maps and events.
const (
	MaxPrice Price = 1e14
	MaxQty   Qty   = 1e14
	// MaxIcebergSlices bounds qty / display for an iceberg: an aggressor
	// that meets an iceberg alone at its level trades slice by slice, one
	// execution per refresh, so an unbounded ratio would let one order
	// produce an unbounded stream of trades inside one command.
	MaxIcebergSlices Qty = 10000
	MaxMultiplier        = 1e9
	MaxBandBps           = 1e6
	MaxIDLen             = 64
)

func validInstrument(in *Instrument) bool {
	return in.Symbol != "" && len(in.Symbol) <= MaxIDLen &&
		in.PriceDecimals <= 6 &&
		in.TickSize > 0 && in.TickSize <= MaxPrice &&
		in.LotSize > 0 && in.LotSize <= MaxQty &&
		in.Multiplier >= 1 && in.Multiplier <= MaxMultiplier &&
		in.BandBps >= 0 && in.BandBps <= MaxBandBps &&
		in.RefPrice >= 0 && in.RefPrice <= MaxPrice &&
		in.State >= Open && in.State <= Closed
}

func (e *Engine) addInstrument(c *Command) {
	spec := c.Instrument
	if !validInstrument(&spec) {
		e.reject(c, ReasonInvalidInstrument)
		return
	}
	if e.instruments[spec.Symbol] != nil {
		e.reject(c, ReasonDuplicateInstrument)
		return
	}
	in := newInstrument(spec, len(e.instList))
	e.instruments[spec.Symbol] = in
	e.instList = append(e.instList, in)
	e.emitInstrument(spec)
}

// updateInstrument changes the band, the reference price and the trading
// state. Tick, lot, decimals and multiplier are fixed once added, because
// resting orders were validated against them.
func (e *Engine) updateInstrument(c *Command) {
	spec := c.Instrument
	in := e.instruments[spec.Symbol]
	if in == nil {
		e.reject(c, ReasonUnknownInstrument)
		return
	}
	if !validInstrument(&spec) || spec.TickSize != in.spec.TickSize || spec.LotSize != in.spec.LotSize ||
		spec.PriceDecimals != in.spec.PriceDecimals || spec.Multiplier != in.spec.Multiplier {
		e.reject(c, ReasonInvalidInstrument)
		return
	}
	in.spec = spec
	e.emitInstrument(spec)
}

func (e *Engine) setTradingState(c *Command) {
	in := e.instruments[c.Symbol]
	switch {
	case in == nil:
		e.reject(c, ReasonUnknownInstrument)
	case c.State < Open || c.State > Closed:
		e.reject(c, ReasonInvalidInstrument)
	default:
		in.spec.State = c.State
		e.emitInstrument(in.spec)
		// Reopening can fire stops that were triggered while matching was
		// stopped: none can be, since halted instruments do not trade, so
		// nothing else happens here.
	}
}

// normalizeAccount validates a definition and returns it with a private,
// sorted, de-duplicated copy of the restricted list (the command's slice
// belongs to the journal).
func normalizeAccount(a Account) (Account, bool) {
	if a.ID == "" || len(a.ID) > MaxIDLen || a.MaxOrderQty < 0 || a.MaxOrderNotional < 0 ||
		a.CreditLimit < 0 || a.MaxPosition < 0 || a.STP < CancelAggressor || a.STP > CancelBoth {
		return a, false
	}
	for _, s := range a.Restricted {
		if s == "" || len(s) > MaxIDLen {
			return a, false
		}
	}
	a.Restricted = slices.Compact(slices.Sorted(slices.Values(a.Restricted)))
	return a, true
}

func (e *Engine) addAccount(c *Command) {
	spec, ok := normalizeAccount(c.Acct)
	if !ok {
		e.reject(c, ReasonInvalidAccount)
		return
	}
	if e.accounts[spec.ID] != nil {
		e.reject(c, ReasonDuplicateAccount)
		return
	}
	a := &account{spec: spec, idx: len(e.acctList)}
	e.accounts[spec.ID] = a
	e.acctList = append(e.acctList, a)
	e.emitAccount(spec)
}

// updateAccount replaces an account's limits. Orders already live stay; the
// new limits apply to what comes next.
func (e *Engine) updateAccount(c *Command) {
	a := e.accounts[c.Acct.ID]
	if a == nil {
		e.reject(c, ReasonUnknownAccount)
		return
	}
	spec, ok := normalizeAccount(c.Acct)
	if !ok {
		e.reject(c, ReasonInvalidAccount)
		return
	}
	a.spec = spec
	e.emitAccount(spec)
}

// emitInstrument reports an instrument definition after a change, in a
// copy of its own.
func (e *Engine) emitInstrument(spec Instrument) {
	e.emit(Event{Kind: EvInstrument, Instrument: &spec, Order: OrderState{Symbol: spec.Symbol}})
}

// emitAccount reports an account definition after a change, in a copy of
// its own: the engine keeps spec's Restricted slice.
func (e *Engine) emitAccount(spec Account) {
	spec.Restricted = slices.Clone(spec.Restricted)
	e.emit(Event{Kind: EvAccount, Acct: &spec, Order: OrderState{Account: spec.ID}})
}
