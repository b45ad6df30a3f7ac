package commerce

// Reason is a stable code that says why a command was rejected. Gateways map
// reasons to gRPC status codes, so values never change meaning once released.
type Reason uint8

// Reasons. Append only.
const (
	ReasonNone Reason = iota
	ReasonUnknownSKU
	ReasonUnknownLocation
	ReasonUnknownOrder
	ReasonInvalidQty // a quantity that is zero or negative (or out of range)
	ReasonShipExceedsAllocated
	ReasonReturnExceedsShipped
	ReasonCancelShipped // cancelling quantity that has already shipped (or was cancelled)
	ReasonStaleVersion
	ReasonReservationExpired
	ReasonUnknownReservation
	ReasonReservationUsed // released or consumed already
	ReasonReservationMismatch
	ReasonInvalidCommand
	ReasonInvalidLocation
	ReasonInvalidCoord
	ReasonInvalidChannel
	ReasonMissingChannelOrderID
	ReasonMissingCustomer
	ReasonNoLines
	ReasonTooManyLines
	ReasonInvalidPrice
	ReasonCurrencyMismatch
	ReasonInvalidPayment
	ReasonNotPickupStore
	ReasonInvalidTTL
	ReasonInvalidDate
	ReasonInvalidAdjustReason
	ReasonBelowCommitted // not produced: counts below committed stock re-source instead (see ReasonStockShortage)
	ReasonOnHold
	ReasonNothingToRelease
	ReasonUnknownLine
	ReasonDuplicateLine
	ReasonNotReleased // shipping units that are allocated but not released
	ReasonUnknownShipment
	ReasonAlreadyDelivered
	ReasonNotOnHold
	ReasonUnknownReturn
	ReasonReturnWindowClosed
	ReasonReturnExceedsAuthorised
	ReasonInvalidCondition
	ReasonOrderClosed // nothing open to cancel
	ReasonMissingTracking
	ReasonInvalidRules
	ReasonShipCompleteConflict // ship-complete lines reserved at different locations
	ReasonOverflow             // a quantity or amount too large to compute exactly
	ReasonInsufficientStock    // a reservation larger than the location's ATP
	ReasonStockShortage        // not a rejection: a count below committed stock ended a reservation or backordered an allocation
	ReasonOrderArchived        // the order (or its return) was closed and archived: see retention.go
	ReasonInvalidRetention
	ReasonChannelOrderIDTooLong   // longer than MaxChannelOrderID bytes
	ReasonShipCompleteBackordered // releasing a ship-complete order with units still backordered
	ReasonReservationIneligible   // the reservation's location cannot serve the order now (see reservationServes)
	ReasonPaymentNotAuthorised    // releasing an order whose only hold is its payment's: it ends when the payment is authorised
	ReasonChannelOrderIDConflict  // a PlaceOrder reusing a channel order id for a different order (placeHash); Order names the holder
	ReasonAdjustSign              // an AdjustStock whose delta contradicts its reason (damage or shrink adding stock, found removing it)
	ReasonNegativeStock           // an AdjustStock that would take on hand below zero
	ReasonTTLTooLong              // a reservation's TTL above MaxReservationTTL
	ReasonPickupOrder             // shipping (Ship) a pickup order: it is made ready at its store and collected (pickup.go)
	ReasonNotPickupOrder          // ReadyForPickup or PickedUp for an order that is shipped, not picked up
	ReasonNotReadyForPickup       // collecting units that are not ready for pickup
	ReasonRequestIDConflict       // a command reusing a request id (in its caller's and kind's scope) for a different command (reqid.go)
	ReasonRequestIDTooLong        // a request id longer than MaxRequestID bytes
	reasonCount
)

var reasonNames = [...]string{
	ReasonNone:                    "none",
	ReasonUnknownSKU:              "unknown_sku",
	ReasonUnknownLocation:         "unknown_location",
	ReasonUnknownOrder:            "unknown_order",
	ReasonInvalidQty:              "invalid_qty",
	ReasonShipExceedsAllocated:    "ship_exceeds_allocated",
	ReasonReturnExceedsShipped:    "return_exceeds_shipped",
	ReasonCancelShipped:           "cancel_shipped",
	ReasonStaleVersion:            "stale_version",
	ReasonReservationExpired:      "reservation_expired",
	ReasonUnknownReservation:      "unknown_reservation",
	ReasonReservationUsed:         "reservation_used",
	ReasonReservationMismatch:     "reservation_mismatch",
	ReasonInvalidCommand:          "invalid_command",
	ReasonInvalidLocation:         "invalid_location",
	ReasonInvalidCoord:            "invalid_coordinates",
	ReasonInvalidChannel:          "invalid_channel",
	ReasonMissingChannelOrderID:   "missing_channel_order_id",
	ReasonMissingCustomer:         "missing_customer",
	ReasonNoLines:                 "no_lines",
	ReasonTooManyLines:            "too_many_lines",
	ReasonInvalidPrice:            "invalid_price",
	ReasonCurrencyMismatch:        "currency_mismatch",
	ReasonInvalidPayment:          "invalid_payment",
	ReasonNotPickupStore:          "not_pickup_store",
	ReasonInvalidTTL:              "invalid_ttl",
	ReasonInvalidDate:             "invalid_date",
	ReasonInvalidAdjustReason:     "invalid_adjust_reason",
	ReasonBelowCommitted:          "below_committed",
	ReasonOnHold:                  "on_hold",
	ReasonNothingToRelease:        "nothing_to_release",
	ReasonUnknownLine:             "unknown_line",
	ReasonDuplicateLine:           "duplicate_line",
	ReasonNotReleased:             "not_released",
	ReasonUnknownShipment:         "unknown_shipment",
	ReasonAlreadyDelivered:        "already_delivered",
	ReasonNotOnHold:               "not_on_hold",
	ReasonUnknownReturn:           "unknown_return",
	ReasonReturnWindowClosed:      "return_window_closed",
	ReasonReturnExceedsAuthorised: "return_exceeds_authorised",
	ReasonInvalidCondition:        "invalid_condition",
	ReasonOrderClosed:             "order_closed",
	ReasonMissingTracking:         "missing_tracking",
	ReasonInvalidRules:            "invalid_rules",
	ReasonShipCompleteConflict:    "ship_complete_conflict",
	ReasonOverflow:                "overflow",
	ReasonInsufficientStock:       "insufficient_stock",
	ReasonStockShortage:           "stock_shortage",
	ReasonOrderArchived:           "order_archived",
	ReasonInvalidRetention:        "invalid_retention",
	ReasonChannelOrderIDTooLong:   "channel_order_id_too_long",
	ReasonShipCompleteBackordered: "ship_complete_backordered",
	ReasonReservationIneligible:   "reservation_ineligible",
	ReasonPaymentNotAuthorised:    "payment_not_authorised",
	ReasonChannelOrderIDConflict:  "channel_order_id_conflict",
	ReasonAdjustSign:              "adjust_sign",
	ReasonNegativeStock:           "negative_stock",
	ReasonTTLTooLong:              "ttl_too_long",
	ReasonPickupOrder:             "pickup_order",
	ReasonNotPickupOrder:          "not_pickup_order",
	ReasonNotReadyForPickup:       "not_ready_for_pickup",
	ReasonRequestIDConflict:       "request_id_conflict",
	ReasonRequestIDTooLong:        "request_id_too_long",
}

func (r Reason) String() string {
	if int(r) < len(reasonNames) && reasonNames[r] != "" {
		return reasonNames[r]
	}
	return "reason?"
}
