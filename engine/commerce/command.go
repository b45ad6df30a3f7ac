package commerce

// CmdKind selects what a Command does.
type CmdKind uint8

// Command kinds. Append only: the journal stores them. The comment lists the
// fields each kind reads.
const (
	CmdSetLocation        CmdKind = iota + 1 // Location: define a location or replace its definition
	CmdSetStock                              // SKU, Loc, Qty (absolute on hand), Version (must exceed the last)
	CmdAdjustStock                           // SKU, Loc, Qty (delta, non-zero), Adjust; RequestID, Caller
	CmdSetSafetyStock                        // SKU, Loc, Qty (>= 0)
	CmdAddInbound                            // SKU, Loc, Qty, Date (expected arrival); RequestID, Caller
	CmdReceive                               // SKU, Loc, Qty: goods arrived; consumes inbound from the earliest date; RequestID, Caller
	CmdReserve                               // SKU, Loc, Qty, TTL, Channel; RequestID, Caller
	CmdReleaseReservation                    // Reservation
	CmdPlaceOrder                            // Channel, ChannelOrderID, Customer, ShipTo or PickupStore, Lines (SKU, Qty, UnitPrice, Currency, Reservation), ShipComplete, Priority, Payment
	CmdReleaseHold                           // Order
	CmdRelease                               // Order: release unreleased allocations to fulfilment
	CmdShip                                  // Order, Loc, Tracking, Lines (Line, Qty); not for a pickup order (pickup.go); RequestID, Caller
	CmdDeliver                               // Order, Shipment
	CmdCancel                                // Order, Lines (Line, Qty); no lines cancels every open unit; RequestID, Caller
	CmdAuthoriseReturn                       // Order, Lines (Line, Qty); RequestID, Caller
	CmdReceiveReturn                         // Return, Loc, Lines (Line, Qty, Condition); RequestID, Caller
	CmdSetRules                              // Rules
	CmdSetCustomer                           // Customer, B2BCustomer, CreditLimit
	CmdSetPayment                            // Order, Payment (authorised clears a payment hold)
	CmdSetRetention                          // Retention: when closed orders are archived (retention.go)
	CmdReadyForPickup                        // Order, Lines (Line, Qty); no lines: every released unit not yet ready (pickup.go); RequestID, Caller
	CmdPickedUp                              // Order, Lines (Line, Qty); no lines: every ready unit (pickup.go); RequestID, Caller
	cmdKindCount
)

var cmdKindNames = [...]string{"", "set-location", "set-stock", "adjust-stock", "set-safety-stock",
	"add-inbound", "receive", "reserve", "release-reservation", "place-order", "release-hold",
	"release", "ship", "deliver", "cancel", "authorise-return", "receive-return", "set-rules",
	"set-customer", "set-payment", "set-retention", "ready-for-pickup", "picked-up"}

func (k CmdKind) String() string {
	if k > 0 && k < cmdKindCount {
		return cmdKindNames[k]
	}
	return "cmd?"
}

// Command is one commerce command. It is a flat value (strings and one slice)
// so that it can be passed and journaled without allocating. Only the fields
// listed for its Kind are read.
type Command struct {
	Kind CmdKind

	SKU         SKU
	Loc         LocationID
	Qty         Qty
	Version     uint64       // SetStock: the sync's version, strictly increasing per SKU and location
	Adjust      AdjustReason // AdjustStock
	Date        int64        // AddInbound: expected arrival (unix ns)
	TTL         int64        // Reserve: time to live (ns, > 0, at most MaxReservationTTL)
	Reservation ReservationID

	Order          OrderID
	Channel        Channel
	ChannelOrderID string // with Channel, the idempotency key of PlaceOrder
	Customer       string
	ShipTo         Coord
	PickupStore    LocationID // non-zero: a pickup (BOPIS) order at this store
	ShipComplete   bool       // one shipment or none: never split
	Priority       uint8      // backorder priority: lower is served first
	Payment        Payment
	Lines          []LineInput

	Tracking string // Ship
	Shipment ShipmentID
	Return   ReturnID

	// RequestID is the caller's idempotency key for the kinds that list
	// it (keyed, reqid.go): a command whose (Caller, Kind, RequestID) the
	// engine has seen within the dedup window is answered with the first
	// result, replayed, or refused if it asks for something else. Empty:
	// no key, every command is new. At most MaxRequestID bytes.
	RequestID string
	// Caller scopes RequestID: who sent the command (the gateway's
	// principal name), so two integrations cannot collide. Read only with
	// a RequestID.
	Caller string

	Location    Location  // SetLocation
	Rules       HoldRules // SetRules
	B2BCustomer bool      // SetCustomer
	CreditLimit Money     // SetCustomer
	Retention   Retention // SetRetention
}

// LineInput is one line of a command. PlaceOrder reads SKU, Qty, UnitPrice,
// Currency and Reservation; the other kinds address an existing line by its
// number (Line, from 1) and read Qty and, for ReceiveReturn, Condition.
type LineInput struct {
	Line        uint32
	SKU         SKU
	Qty         Qty
	UnitPrice   Money
	Currency    string
	Reservation ReservationID // PlaceOrder: allocate this line from the reservation
	Condition   Condition
}

// Location is the definition of a fulfilment location.
type Location struct {
	ID   LocationID
	Kind LocKind
	At   Coord
	// LeadHours is the handling lead time: hours from allocation to ship.
	LeadHours int32
	// Capacity is the number of shipments the location accepts per day
	// (capacity day = now / Day, UTC); zero means no limit.
	Capacity int32
	// CostPerShipment and CostPerKm make the sourcing cost of a shipment:
	// CostPerShipment + CostPerKm x distance in km to the ship-to address.
	CostPerShipment Money
	CostPerKm       Money
	// Priority breaks cost ties: lower is preferred.
	Priority int32
	// Ships: the location ships orders (warehouse, 3PL, dropship).
	Ships bool
	// Pickup: the location takes pickup (BOPIS) orders.
	Pickup bool
	// ShipFromStore: a store that ships orders. A store is a shipping
	// candidate only with this flag; other kinds only with Ships.
	ShipFromStore bool
	Active        bool
}

// HoldRules configure which new orders go on hold. Zero thresholds disable
// the value and quantity rules.
type HoldRules struct {
	MaxValue     Money // hold an order whose value exceeds this
	MaxQty       Qty   // hold an order whose total quantity exceeds this
	CheckCredit  bool  // hold a B2B customer's order that takes its open value (ordered, not cancelled, not delivered; orders placed while it is B2B) over its credit limit
	CheckPayment bool  // hold an order whose payment is not authorised
	ReturnWindow int64 // returns are authorised until this long after the line's last shipment (ns); zero means 30 days. An order keeps the window in force at its first delivery
}
