package fix

import (
	"testing"

	"github.com/ordercore/oms/engine/book"
	"github.com/stretchr/testify/require"
)

func TestExecTypes(t *testing.T) {
	type row struct {
		v         version
		k         execKind
		st        book.OrdStatus
		execType  byte
		transType byte
	}
	for _, r := range []row{
		{fix44, execNew, book.StatusNew, '0', 0},
		{fix42, execNew, book.StatusNew, '0', '0'},
		{fix44, execTrade, book.StatusPartiallyFilled, 'F', 0},
		{fix44, execTrade, book.StatusFilled, 'F', 0},
		{fix42, execTrade, book.StatusPartiallyFilled, '1', '0'},
		{fix42, execTrade, book.StatusFilled, '2', '0'},
		{fix44, execCanceled, book.StatusCanceled, '4', 0},
		{fix42, execCanceled, book.StatusCanceled, '4', '0'},
		{fix44, execReplaced, book.StatusNew, '5', 0},
		{fix42, execReplaced, book.StatusPartiallyFilled, '5', '0'},
		{fix44, execRejected, book.StatusRejected, '8', 0},
		{fix42, execRejected, book.StatusRejected, '8', '0'},
		{fix44, execExpired, book.StatusExpired, 'C', 0},
		{fix42, execExpired, book.StatusExpired, 'C', '0'},
		{fix44, execTriggered, book.StatusNew, 'D', 0},
		{fix42, execTriggered, book.StatusNew, 'D', '0'},
		{fix42, execTriggered, book.StatusPartiallyFilled, 'D', '0'},
		{fix44, execStatus, book.StatusPartiallyFilled, 'I', 0},
		{fix42, execStatus, book.StatusPartiallyFilled, '1', '3'},
		{fix42, execStatus, book.StatusCanceled, '4', '3'},
	} {
		et, tt := execTypes(r.v, r.k, r.st)
		require.Equal(t, string(r.execType), string(et), "%v %d %v", r.v, r.k, r.st)
		require.Equal(t, r.transType, tt, "%v %d %v", r.v, r.k, r.st)
	}
}

func TestOrdStatus(t *testing.T) {
	require.Equal(t, byte('0'), ordStatus(book.StatusNew))
	require.Equal(t, byte('0'), ordStatus(book.StatusPendingTrigger))
	require.Equal(t, byte('1'), ordStatus(book.StatusPartiallyFilled))
	require.Equal(t, byte('2'), ordStatus(book.StatusFilled))
	require.Equal(t, byte('4'), ordStatus(book.StatusCanceled))
	require.Equal(t, byte('8'), ordStatus(book.StatusRejected))
	require.Equal(t, byte('C'), ordStatus(book.StatusExpired))
}

func TestRejectReasons(t *testing.T) {
	require.Equal(t, 1, ordRejReason(fix42, book.ReasonUnknownInstrument))
	require.Equal(t, 1, ordRejReason(fix44, book.ReasonUnknownInstrument))
	// FIX 4.4 has no Invalid price increment (18) nor price band (16) value.
	require.Equal(t, 99, ordRejReason(fix44, book.ReasonOffTick))
	require.Equal(t, 0, ordRejReason(fix42, book.ReasonOffTick))
	require.Equal(t, 99, ordRejReason(fix44, book.ReasonOutsideBand))
	require.Equal(t, 0, ordRejReason(fix42, book.ReasonOutsideBand))
	require.Equal(t, 13, ordRejReason(fix44, book.ReasonOffLot))
	require.Equal(t, 15, ordRejReason(fix44, book.ReasonUnknownAccount))
	require.Equal(t, 11, ordRejReason(fix44, book.ReasonInvalidSide))
	require.Equal(t, 6, ordRejReason(fix42, book.ReasonDuplicateClOrdID))
	require.Equal(t, 99, ordRejReason(fix44, book.ReasonSelfTrade))
	require.Equal(t, 0, ordRejReason(fix42, book.ReasonSelfTrade))
	for r := book.ReasonNone; ; r++ {
		require.LessOrEqual(t, ordRejReason(fix42, r), 8, r.String())
		require.LessOrEqual(t, cxlRejReason(fix42, r), 3, r.String())
		if c := ordRejReason(fix44, r); c != 99 {
			require.LessOrEqual(t, c, 15, r.String())
		}
		if c := cxlRejReason(fix44, r); c != 99 {
			require.LessOrEqual(t, c, 6, r.String())
		}
		if r == 255 {
			break
		}
	}
	require.Equal(t, 0, cxlRejReason(fix42, book.ReasonTooLate))
	require.Equal(t, 1, cxlRejReason(fix44, book.ReasonUnknownOrder))
	require.Equal(t, 99, cxlRejReason(fix44, book.ReasonInvalidQty))
	require.Equal(t, 2, cxlRejReason(fix42, book.ReasonInvalidQty))
}

func TestExecRestatementReason(t *testing.T) {
	require.Equal(t, 4, execRestatementReason(fix42))
	require.Equal(t, 99, execRestatementReason(fix44))
}
