package fix

import (
	"fmt"

	"github.com/ordercore/oms/engine/book"
)

// version is the FIX version of a session. The gateway speaks FIX 4.2 and
// FIX 4.4; they differ in ExecType values and in ExecTransType.
type version uint8

const (
	fix42 version = iota + 1
	fix44
)

func (v version) String() string {
	switch v {
	case fix42:
		return "FIX.4.2"
	case fix44:
		return "FIX.4.4"
	}
	return "FIX.?"
}

// versionOf parses a BeginString.
func versionOf(beginString string) (version, error) {
	switch beginString {
	case "FIX.4.2":
		return fix42, nil
	case "FIX.4.4":
		return fix44, nil
	}
	return 0, fmt.Errorf("fix: BeginString %q not supported (want FIX.4.2 or FIX.4.4)", beginString)
}

// FIX OrdStatus (39) values, the same in 4.2 and 4.4 for the states used.
const (
	ordStatusNew             = '0'
	ordStatusPartiallyFilled = '1'
	ordStatusFilled          = '2'
	ordStatusCanceled        = '4'
	ordStatusRejected        = '8'
	ordStatusExpired         = 'C'
)

// ordStatus maps an engine status to OrdStatus. An untriggered stop is New
// in both versions (neither has a pending-trigger status).
func ordStatus(s book.OrdStatus) byte {
	switch s {
	case book.StatusPartiallyFilled:
		return ordStatusPartiallyFilled
	case book.StatusFilled:
		return ordStatusFilled
	case book.StatusCanceled:
		return ordStatusCanceled
	case book.StatusRejected:
		return ordStatusRejected
	case book.StatusExpired:
		return ordStatusExpired
	}
	return ordStatusNew
}

// execKind is what an execution report reports, before version mapping.
type execKind uint8

const (
	execNew execKind = iota + 1
	execTrade
	execCanceled
	execReplaced
	execRejected
	execExpired
	execTriggered
	execStatus // answer to an OrderStatusRequest
)

// execTypes gives ExecType (150) and ExecTransType (20; FIX 4.2 only, zero
// for 4.4) for a report of kind k on an order now in status st.
//
// FIX 4.2 has no Trade ExecType: fills are Partial fill (1) or Fill (2) by
// the order's status, and every report carries ExecTransType New (0), or
// Status (3) for a status answer whose ExecType is the current OrdStatus.
// FIX 4.4 reports fills as Trade (F) and status answers as Order Status (I).
// Neither version has a Triggered ExecType in its stock dictionary (L came
// with extension pack EP22, after 4.4, and strict 4.4 counterparties reject
// it), so a triggered stop is a Restated (D) report in both, with
// ExecRestatementReason (378) from execRestatementReason and Text
// "triggered".
func execTypes(v version, k execKind, st book.OrdStatus) (execType, transType byte) {
	if v == fix42 {
		transType = '0'
	}
	switch k {
	case execNew:
		return '0', transType
	case execCanceled:
		return '4', transType
	case execReplaced:
		return '5', transType
	case execRejected:
		return '8', transType
	case execExpired:
		return 'C', transType
	case execTrade:
		if v == fix44 {
			return 'F', 0
		}
		if st == book.StatusFilled {
			return '2', transType
		}
		return '1', transType
	case execTriggered:
		return 'D', transType
	case execStatus:
		if v == fix44 {
			return 'I', 0
		}
		return ordStatus(st), '3'
	}
	panic(fmt.Sprintf("fix: invariant: unknown execKind %d", k))
}

// ExecRestatementReason (378) of a triggered stop's Restated (D) report,
// which FIX requires on ExecType D. FIX 4.4 has Other (99); 4.2 defines only
// 0..5 and has no Other, so it is Broker option (4), the closest: the order
// was restated by the venue, not by the desk. The Text says "triggered".
const (
	restatedBrokerOption = 4
	restatedOther        = 99 // 4.4
)

// triggeredText is the Text (58) of a triggered stop's report.
const triggeredText = "triggered"

func execRestatementReason(v version) int {
	if v == fix42 {
		return restatedBrokerOption
	}
	return restatedOther
}

// OrdRejReason (103) values used. FIX 4.2 defines 0..8; 4.4 defines 0..15
// and 99. Invalid price increment (18) and Price exceeds current price band
// (16) came after 4.4 and are not in its stock dictionary: an off-tick or
// out-of-band price is Other (99) on 4.4 and Broker option (0) on 4.2,
// with the engine's reason in Text.
const (
	rejBrokerOption       = 0
	rejUnknownSymbol      = 1
	rejExchangeClosed     = 2
	rejExceedsLimit       = 3
	rejTooLate            = 4
	rejUnknownOrder       = 5
	rejDuplicateOrder     = 6
	rejUnsupportedOrdChar = 11 // 4.4
	rejIncorrectQty       = 13 // 4.4
	rejUnknownAccount     = 15 // 4.4
	rejOther              = 99 // 4.4
)

// ordRejReason maps an engine reason to OrdRejReason for version v. Values
// that 4.2 lacks become Broker option (0), and reasons 4.4 has no value for
// (off tick, outside the price band, ...) Other (99); the Text field always
// carries the engine's reason name, so nothing is lost.
func ordRejReason(v version, r book.Reason) int {
	var code int
	switch r {
	case book.ReasonUnknownInstrument:
		code = rejUnknownSymbol
	case book.ReasonInstrumentHalted, book.ReasonInstrumentClosed:
		code = rejExchangeClosed
	case book.ReasonMaxOrderQty, book.ReasonMaxOrderNotional, book.ReasonCreditLimit,
		book.ReasonPositionLimit, book.ReasonNotionalOverflow:
		code = rejExceedsLimit
	case book.ReasonTooLate:
		code = rejTooLate
	case book.ReasonUnknownOrder:
		code = rejUnknownOrder
	case book.ReasonDuplicateClOrdID:
		code = rejDuplicateOrder
	case book.ReasonInvalidQty, book.ReasonOffLot, book.ReasonInvalidDisplay:
		code = rejIncorrectQty
	case book.ReasonUnknownAccount, book.ReasonAccountMismatch:
		code = rejUnknownAccount
	case book.ReasonInvalidSide, book.ReasonInvalidType, book.ReasonInvalidTIF,
		book.ReasonInvalidExpiry, book.ReasonInvalidStopPrice, book.ReasonPostOnlyWouldTake:
		code = rejUnsupportedOrdChar
	default:
		code = rejOther
	}
	if v == fix42 && code > rejDuplicateOrder {
		return rejBrokerOption
	}
	if v == fix44 && code == rejBrokerOption {
		return rejOther
	}
	return code
}

// CxlRejReason (102) values.
const (
	cxlTooLate        = 0
	cxlUnknownOrder   = 1
	cxlBrokerOption   = 2
	cxlDuplicateClOrd = 6  // 4.4
	cxlOther          = 99 // 4.4
)

// cxlRejReason maps an engine reason to CxlRejReason for version v.
func cxlRejReason(v version, r book.Reason) int {
	var code int
	switch r {
	case book.ReasonTooLate:
		code = cxlTooLate
	case book.ReasonUnknownOrder:
		code = cxlUnknownOrder
	case book.ReasonDuplicateClOrdID:
		code = cxlDuplicateClOrd
	default:
		code = cxlOther
	}
	if v == fix42 && code > cxlBrokerOption {
		return cxlBrokerOption
	}
	return code
}

// MassCancelRequestType (530) and MassCancelResponse (531) values used.
const (
	massCancelBySymbol = '1'
	massCancelAll      = '7'
	massCancelRejected = '0'
)

// MassCancelRejectReason (532) values.
const (
	massRejNotSupported  = 0
	massRejInvalidSymbol = 1
	massRejOther         = 99
)

// BusinessRejectReason (380) values, the same in 4.2 and 4.4. Other is the
// reason for rate-limited messages and unavailable status answers (the Text
// says which); Unknown security is a 4.2 mass cancel of an unknown symbol.
const (
	bizRejOther           = 0
	bizRejUnknownSecurity = 2
)
