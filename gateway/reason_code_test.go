package gateway

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
)

// TestCommerceReasonCodes pins the status code of every commerce reason:
// a reason added to the engine without a decision here fails the test
// rather than falling through to FailedPrecondition unnoticed.
func TestCommerceReasonCodes(t *testing.T) {
	want := map[string]codes.Code{
		"unknown_sku":               codes.NotFound,
		"unknown_location":          codes.NotFound,
		"unknown_order":             codes.NotFound,
		"invalid_qty":               codes.InvalidArgument,
		"ship_exceeds_allocated":    codes.FailedPrecondition,
		"return_exceeds_shipped":    codes.FailedPrecondition,
		"cancel_shipped":            codes.FailedPrecondition,
		"stale_version":             codes.FailedPrecondition,
		"reservation_expired":       codes.FailedPrecondition,
		"unknown_reservation":       codes.NotFound,
		"reservation_used":          codes.FailedPrecondition,
		"reservation_mismatch":      codes.FailedPrecondition,
		"invalid_command":           codes.InvalidArgument,
		"invalid_location":          codes.InvalidArgument,
		"invalid_coordinates":       codes.InvalidArgument,
		"invalid_channel":           codes.InvalidArgument,
		"missing_channel_order_id":  codes.InvalidArgument,
		"missing_customer":          codes.InvalidArgument,
		"no_lines":                  codes.InvalidArgument,
		"too_many_lines":            codes.InvalidArgument,
		"invalid_price":             codes.InvalidArgument,
		"currency_mismatch":         codes.InvalidArgument,
		"invalid_payment":           codes.InvalidArgument,
		"not_pickup_store":          codes.FailedPrecondition,
		"invalid_ttl":               codes.InvalidArgument,
		"invalid_date":              codes.InvalidArgument,
		"invalid_adjust_reason":     codes.InvalidArgument,
		"below_committed":           codes.FailedPrecondition,
		"on_hold":                   codes.FailedPrecondition,
		"nothing_to_release":        codes.FailedPrecondition,
		"unknown_line":              codes.NotFound,
		"duplicate_line":            codes.InvalidArgument,
		"not_released":              codes.FailedPrecondition,
		"unknown_shipment":          codes.NotFound,
		"already_delivered":         codes.FailedPrecondition,
		"not_on_hold":               codes.FailedPrecondition,
		"unknown_return":            codes.NotFound,
		"return_window_closed":      codes.FailedPrecondition,
		"return_exceeds_authorised": codes.FailedPrecondition,
		"invalid_condition":         codes.InvalidArgument,
		"order_closed":              codes.FailedPrecondition,
		"missing_tracking":          codes.InvalidArgument,
		"invalid_rules":             codes.InvalidArgument,
		"ship_complete_conflict":    codes.FailedPrecondition,
		"overflow":                  codes.InvalidArgument,
		"insufficient_stock":        codes.FailedPrecondition,
		"stock_shortage":            codes.FailedPrecondition,
		"order_archived":            codes.NotFound,
		"invalid_retention":         codes.InvalidArgument,
		"channel_order_id_too_long": codes.InvalidArgument,
		"ship_complete_backordered": codes.FailedPrecondition,
		"reservation_ineligible":    codes.FailedPrecondition,
		"payment_not_authorised":    codes.FailedPrecondition,
		"channel_order_id_conflict": codes.AlreadyExists,
		"adjust_sign":               codes.InvalidArgument,
		"negative_stock":            codes.FailedPrecondition,
		"ttl_too_long":              codes.InvalidArgument,
		"pickup_order":              codes.FailedPrecondition,
		"not_pickup_order":          codes.FailedPrecondition,
		"not_ready_for_pickup":      codes.FailedPrecondition,
		"request_id_conflict":       codes.AlreadyExists,
		"request_id_too_long":       codes.InvalidArgument,
	}
	requireReasonCodes(t, want, commerceReasonCode)
}

// TestTradeReasonCodes pins the status code of every trading reason, as
// TestCommerceReasonCodes does for commerce.
func TestTradeReasonCodes(t *testing.T) {
	want := map[string]codes.Code{
		"unknown_instrument":    codes.NotFound,
		"unknown_account":       codes.NotFound,
		"unknown_order":         codes.NotFound,
		"invalid_qty":           codes.InvalidArgument,
		"invalid_price":         codes.InvalidArgument,
		"off_tick":              codes.InvalidArgument,
		"off_lot":               codes.InvalidArgument,
		"outside_band":          codes.FailedPrecondition,
		"instrument_halted":     codes.FailedPrecondition,
		"instrument_closed":     codes.FailedPrecondition,
		"duplicate_clordid":     codes.AlreadyExists,
		"max_order_qty":         codes.FailedPrecondition,
		"max_order_notional":    codes.FailedPrecondition,
		"credit_limit":          codes.FailedPrecondition,
		"position_limit":        codes.FailedPrecondition,
		"restricted_instrument": codes.FailedPrecondition,
		"invalid_side":          codes.InvalidArgument,
		"invalid_type":          codes.InvalidArgument,
		"invalid_tif":           codes.InvalidArgument,
		"invalid_expiry":        codes.InvalidArgument,
		"invalid_display_qty":   codes.InvalidArgument,
		"invalid_stop_price":    codes.InvalidArgument,
		"post_only_would_take":  codes.FailedPrecondition,
		"too_late":              codes.FailedPrecondition,
		"no_liquidity":          codes.FailedPrecondition,
		"fok_unfillable":        codes.FailedPrecondition,
		"self_trade":            codes.FailedPrecondition,
		"user_cancel":           codes.FailedPrecondition,
		"mass_cancel":           codes.FailedPrecondition,
		"expired_day":           codes.FailedPrecondition,
		"expired_gtd":           codes.FailedPrecondition,
		"ioc_remainder":         codes.FailedPrecondition,
		"no_reference_price":    codes.FailedPrecondition,
		"invalid_instrument":    codes.InvalidArgument,
		"invalid_account":       codes.InvalidArgument,
		"duplicate_instrument":  codes.AlreadyExists,
		"duplicate_account":     codes.AlreadyExists,
		"notional_overflow":     codes.InvalidArgument,
		"invalid_command":       codes.InvalidArgument,
		"unsupported_replace":   codes.FailedPrecondition,
		"account_mismatch":      codes.FailedPrecondition,
		"missing_clordid":       codes.InvalidArgument,
		// The request names a symbol, side, type or time in force that is
		// not the order's: the order exists, the request conflicts with it.
		"replace_mismatch": codes.FailedPrecondition,
	}
	requireReasonCodes(t, want, tradeReasonCode)
}

// requireReasonCodes checks code against want for every reason of type R
// (from 1 until String says "reason?"), and that want names no other: a new
// reason fails until its code is decided.
func requireReasonCodes[R interface {
	~uint8
	String() string
}](t *testing.T, want map[string]codes.Code, code func(R) codes.Code) {
	t.Helper()
	seen := 0
	for r := R(1); r.String() != "reason?"; r++ {
		c, ok := want[r.String()]
		require.True(t, ok, "reason %s (%d) has no expected status code here: decide one", r, uint8(r))
		require.Equal(t, c, code(r), "reason %s", r)
		seen++
	}
	require.Equal(t, len(want), seen, "every expectation names an existing reason")
}
