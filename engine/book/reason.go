package book

// Reason is a stable code that says why a command was rejected or why an
// order was cancelled. Gateways map reasons to gRPC status codes and FIX
// reject reasons, so values never change meaning once released.
type Reason uint8

// Reasons. Append only.
const (
	ReasonNone Reason = iota
	ReasonUnknownInstrument
	ReasonUnknownAccount
	ReasonUnknownOrder
	ReasonInvalidQty
	ReasonInvalidPrice
	ReasonOffTick
	ReasonOffLot
	ReasonOutsideBand
	ReasonInstrumentHalted
	ReasonInstrumentClosed
	ReasonDuplicateClOrdID
	ReasonMaxOrderQty
	ReasonMaxOrderNotional
	ReasonCreditLimit
	ReasonPositionLimit
	ReasonRestricted
	ReasonInvalidSide
	ReasonInvalidType
	ReasonInvalidTIF
	ReasonInvalidExpiry
	ReasonInvalidDisplay
	ReasonInvalidStopPrice
	ReasonPostOnlyWouldTake
	ReasonTooLate
	ReasonNoLiquidity
	ReasonFOKUnfillable
	ReasonSelfTrade
	ReasonUserCancel
	ReasonMassCancel
	ReasonExpiredDay
	ReasonExpiredGTD
	ReasonIOCRemainder
	ReasonNoReferencePrice
	ReasonInvalidInstrument
	ReasonInvalidAccount
	ReasonDuplicateInstrument
	ReasonDuplicateAccount
	ReasonNotionalOverflow
	ReasonInvalidCommand
	ReasonUnsupportedReplace
	ReasonAccountMismatch
	ReasonMissingClOrdID
	ReasonReplaceMismatch // a replace names a symbol, side, type or time in force other than the order's
	reasonCount
)

var reasonNames = [...]string{
	ReasonNone:                "none",
	ReasonUnknownInstrument:   "unknown_instrument",
	ReasonUnknownAccount:      "unknown_account",
	ReasonUnknownOrder:        "unknown_order",
	ReasonInvalidQty:          "invalid_qty",
	ReasonInvalidPrice:        "invalid_price",
	ReasonOffTick:             "off_tick",
	ReasonOffLot:              "off_lot",
	ReasonOutsideBand:         "outside_band",
	ReasonInstrumentHalted:    "instrument_halted",
	ReasonInstrumentClosed:    "instrument_closed",
	ReasonDuplicateClOrdID:    "duplicate_clordid",
	ReasonMaxOrderQty:         "max_order_qty",
	ReasonMaxOrderNotional:    "max_order_notional",
	ReasonCreditLimit:         "credit_limit",
	ReasonPositionLimit:       "position_limit",
	ReasonRestricted:          "restricted_instrument",
	ReasonInvalidSide:         "invalid_side",
	ReasonInvalidType:         "invalid_type",
	ReasonInvalidTIF:          "invalid_tif",
	ReasonInvalidExpiry:       "invalid_expiry",
	ReasonInvalidDisplay:      "invalid_display_qty",
	ReasonInvalidStopPrice:    "invalid_stop_price",
	ReasonPostOnlyWouldTake:   "post_only_would_take",
	ReasonTooLate:             "too_late",
	ReasonNoLiquidity:         "no_liquidity",
	ReasonFOKUnfillable:       "fok_unfillable",
	ReasonSelfTrade:           "self_trade",
	ReasonUserCancel:          "user_cancel",
	ReasonMassCancel:          "mass_cancel",
	ReasonExpiredDay:          "expired_day",
	ReasonExpiredGTD:          "expired_gtd",
	ReasonIOCRemainder:        "ioc_remainder",
	ReasonNoReferencePrice:    "no_reference_price",
	ReasonInvalidInstrument:   "invalid_instrument",
	ReasonInvalidAccount:      "invalid_account",
	ReasonDuplicateInstrument: "duplicate_instrument",
	ReasonDuplicateAccount:    "duplicate_account",
	ReasonNotionalOverflow:    "notional_overflow",
	ReasonInvalidCommand:      "invalid_command",
	ReasonUnsupportedReplace:  "unsupported_replace",
	ReasonAccountMismatch:     "account_mismatch",
	ReasonMissingClOrdID:      "missing_clordid",
	ReasonReplaceMismatch:     "replace_mismatch",
}

func (r Reason) String() string {
	if int(r) < len(reasonNames) && reasonNames[r] != "" {
		return reasonNames[r]
	}
	return "reason?"
}
