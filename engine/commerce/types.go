package commerce

// SKU names a stock-keeping unit. A SKU becomes known to the engine when the
// first stock record for it is created (set stock, inbound, receipt).
type SKU string

// LocationID is the caller-chosen identifier of a location (> 0).
type LocationID uint32

// OrderID is the engine-assigned identifier of an order, sequential from 1.
type OrderID uint64

// ReservationID is the engine-assigned identifier of a reservation, from 1.
type ReservationID uint64

// FulfilmentID identifies one fulfilment request (one location's share of a
// release), sequential from 1.
type FulfilmentID uint64

// ShipmentID identifies one shipment, sequential from 1.
type ShipmentID uint64

// ReturnID identifies one return authorisation (RMA), sequential from 1.
type ReturnID uint64

// Qty is a quantity in units.
type Qty int64

// Money is an amount in minor units of a currency (cents).
type Money int64

// MicroDeg is an angle in micro-degrees (10^-6 degree): latitude in
// [-90e6, 90e6], longitude in [-180e6, 180e6].
type MicroDeg int32

// Coord is a point on the earth.
type Coord struct {
	Lat MicroDeg
	Lon MicroDeg
}

// Valid reports whether the coordinates are in range.
func (c Coord) Valid() bool {
	return c.Lat >= -90e6 && c.Lat <= 90e6 && c.Lon >= -180e6 && c.Lon <= 180e6
}

// Time constants in the engine's unit (nanoseconds). The engine never reads a
// clock: every time is derived from the command's now.
const (
	Hour int64 = 3600e9
	Day  int64 = 24 * Hour
)

// LocKind is the kind of a location.
type LocKind uint8

// Location kinds.
const (
	Warehouse LocKind = iota + 1
	Store
	ThirdParty // a third-party logistics provider (3PL)
	Dropship   // a supplier that ships directly
	locKindCount
)

var locKindNames = [...]string{"", "warehouse", "store", "3pl", "dropship"}

func (k LocKind) String() string {
	if k > 0 && k < locKindCount {
		return locKindNames[k]
	}
	return "kind?"
}

// Channel is a sales channel.
type Channel uint8

// Channels.
const (
	Web Channel = iota + 1
	Marketplace
	StoreChannel // a store's point of sale
	CallCentre
	B2B
	channelCount
)

var channelNames = [...]string{"", "web", "marketplace", "store", "callcentre", "b2b"}

func (c Channel) String() string {
	if c > 0 && c < channelCount {
		return channelNames[c]
	}
	return "channel?"
}

// Payment is an order's payment status.
type Payment uint8

// Payment statuses.
const (
	PaymentAuthorised Payment = iota + 1
	PaymentPending
	PaymentDeclined
	paymentCount
)

var paymentNames = [...]string{"", "authorised", "pending", "declined"}

func (p Payment) String() string {
	if p > 0 && p < paymentCount {
		return paymentNames[p]
	}
	return "payment?"
}

// AdjustReason says why stock was adjusted by a delta.
type AdjustReason uint8

// Adjustment reasons.
const (
	AdjustDamage AdjustReason = iota + 1
	AdjustFound
	AdjustShrink
	AdjustCorrection
	adjustReasonCount
)

var adjustReasonNames = [...]string{"", "damage", "found", "shrink", "correction"}

func (a AdjustReason) String() string {
	if a > 0 && a < adjustReasonCount {
		return adjustReasonNames[a]
	}
	return "adjust?"
}

// Condition is the condition of a returned item.
type Condition uint8

// Return conditions.
const (
	Resellable Condition = iota + 1 // restocked at the receiving location
	Damaged                         // written off
	conditionCount
)

var conditionNames = [...]string{"", "resellable", "damaged"}

func (c Condition) String() string {
	if c > 0 && c < conditionCount {
		return conditionNames[c]
	}
	return "condition?"
}

// Hold is a set of hold reasons (a bit mask).
type Hold uint8

// Hold reasons.
const (
	HoldValue   Hold = 1 << iota // the order value is above the threshold
	HoldQty                      // the order quantity is above the threshold
	HoldCredit                   // a B2B customer is over its credit limit
	HoldPayment                  // the payment is not authorised
)

var holdNames = [...]string{"value", "qty", "credit", "payment"}

func (h Hold) String() string {
	if h == 0 {
		return "none"
	}
	var b [32]byte
	s := b[:0]
	for i, n := range holdNames {
		if h&(1<<i) != 0 {
			if len(s) > 0 {
				s = append(s, '+')
			}
			s = append(s, n...)
		}
	}
	return string(s)
}

// Status is the lifecycle status of an order or a line. It is derived from
// the quantities: see statusOf.
type Status uint8

// Statuses.
const (
	StatusCreated Status = iota + 1
	StatusAllocated
	StatusPartiallyAllocated // some units allocated, the rest backordered
	StatusBackordered
	StatusReleased // every open unit is released to fulfilment
	StatusPartiallyShipped
	StatusShipped
	StatusDelivered
	StatusCancelled
	// StatusAwaitingPayment: some open units wait for the payment (it was
	// declined) and hold no stock; they are sourced again when it is
	// authorised (lifecycle.go, awaitPayment).
	StatusAwaitingPayment
	// StatusReadyForPickup: every open unit of a pickup order is ready
	// at the store for the customer to collect (pickup.go).
	StatusReadyForPickup
	statusCount
)

// LastStatus is the highest status: StatusCreated..LastStatus are them all.
const LastStatus = statusCount - 1

var statusNames = [...]string{"", "created", "allocated", "partially-allocated", "backordered",
	"released", "partially-shipped", "shipped", "delivered", "cancelled", "awaiting-payment", "ready-for-pickup"}

func (s Status) String() string {
	if s > 0 && s < statusCount {
		return statusNames[s]
	}
	return "status?"
}
