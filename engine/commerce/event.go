package commerce

// EventKind says what an Event reports.
type EventKind uint8

// Event kinds. Append only.
const (
	EvRejected            EventKind = iota + 1 // a command was refused: Cmd, Reason, Field (and Line) say why; no state changed
	EvLocation                                 // a location was defined or changed (Location)
	EvStock                                    // a SKU at a location changed: Stock holds the new levels, Qty the delta of on hand, Adjust the adjustment reason
	EvInbound                                  // inbound supply was registered: SKU, Loc, Qty, Date
	EvReserved                                 // Reservation of Qty of SKU at Loc until Expires
	EvReservationReleased                      // Reservation released by command (or consumed by an order: Order set)
	EvReservationExpired                       // Reservation expired on a tick
	EvOrderCreated                             // Order accepted: Channel, ChannelOrderID, Customer, Qty (total units), Amount (value)
	EvAllocated                                // Qty of Line allocated at Loc; Plan explains the choice; ShipBy and DeliverBy are the promise
	EvBackordered                              // Qty of Line backordered
	EvHeld                                     // Order put on hold: Hold says why
	EvHoldReleased                             // the order's holds were released (Reason ReasonNone) or ended by a cancel
	EvOrderStatus                              // Order's status changed to Status
	EvFulfilmentRequest                        // Fulfilment: one location's share of a release (Loc, Count lines follow as EvFulfilmentLine)
	EvFulfilmentLine                           // Fulfilment line: Line, SKU, Qty
	EvFulfilmentCancelled                      // Qty of Line released to Fulfilment at Loc was cancelled: the WMS must not ship it
	EvShipped                                  // Shipment of Qty of Line from Loc, Tracking
	EvDelivered                                // Shipment delivered (PickedUp for pickup orders: a collection, pickup.go)
	EvCancelled                                // Qty of Line cancelled
	EvReturnAuthorised                         // Return authorised for Qty of Line
	EvReturnReceived                           // Return received Qty of Line at Loc in Condition; Amount is the refund
	EvRules                                    // hold rules set (Rules)
	EvCustomer                                 // a customer was defined: Customer, CreditLimit in Amount
	EvPayment                                  // Order's payment status changed to Payment
	EvRetention                                // retention set: Date is ArchiveAfter, Expires is DedupWindow (durations in ns, as given)
	EvArchived                                 // closed Order archived on a tick: Channel, ChannelOrderID, Status (its final status)
	EvAwaitingPayment                          // Qty of Line waits for the order's declined payment and holds no stock: Loc is the allocation given up (0: backordered or never sourced)
	EvReadyForPickup                           // Qty of Line is ready for collection at the pickup store Loc (pickup.go)
	eventKindCount
)

var eventKindNames = [...]string{"", "rejected", "location", "stock", "inbound", "reserved",
	"reservation-released", "reservation-expired", "order-created", "allocated", "backordered",
	"held", "hold-released", "order-status", "fulfilment-request", "fulfilment-line",
	"fulfilment-cancelled", "shipped", "delivered", "cancelled", "return-authorised",
	"return-received", "rules", "customer", "payment", "retention", "archived", "awaiting-payment",
	"ready-for-pickup"}

func (k EventKind) String() string {
	if k > 0 && k < eventKindCount {
		return eventKindNames[k]
	}
	return "event?"
}

// StockLevel is the state of one SKU at one location.
type StockLevel struct {
	OnHand    Qty
	Allocated Qty
	Reserved  Qty
	Safety    Qty
	Inbound   Qty // total expected inbound, any date
	ATP       Qty // max(0, OnHand - Allocated - Reserved - Safety)
	// NetworkATP is the ATP of the SKU summed over active locations.
	NetworkATP Qty
}

// Why names the criterion that made a sourcing plan beat its runner-up.
type Why uint8

// Whys.
const (
	WhyOnly          Why = iota + 1 // no other plan could fill the same units
	WhyShipments                    // the runner-up needed more shipments
	WhyCost                         // same shipments; the runner-up cost more
	WhyPriority                     // same shipments and cost; the runner-up's locations rank lower
	WhyLowestID                     // everything equal; the lower location ids win
	WhyPickup                       // a pickup order sources only from its store
	WhyReservation                  // the line was reserved at this location
	WhyBackorderFill                // a backordered line was filled by arriving stock
	whyCount
)

var whyNames = [...]string{"", "only", "shipments", "cost", "priority", "lowest-id", "pickup",
	"reservation", "backorder-fill"}

func (w Why) String() string {
	if w > 0 && w < whyCount {
		return whyNames[w]
	}
	return "why?"
}

// PlanScore is a sourcing plan's score, carried by every allocation so an
// operator can audit the decision. The plan compares by Shipments, then Cost,
// then Priority (the sum of its locations' priorities), then its location ids.
type PlanScore struct {
	Shipments  int32 // locations in the order's plan
	Cost       Money // sum over the plan of CostPerShipment + CostPerKm x km
	Priority   int64
	Candidates int32 // candidate locations considered
	Why        Why   // what beat the runner-up for this allocation's part of the plan
	Exact      bool  // the plan was proven best by exhaustive search (false: greedy fallback)
	DistanceKm int32 // this allocation's location to the ship-to address
}

// Event is one state change. Events are values appended to a caller-owned
// slice: the engine never retains them, and strings alias the engine's own.
// The one-byte fields come first and the administrative definitions
// (Location, Rules) are pointers to copies made for the event, so that the
// events of an order placement (five for one line) stay compact: they are
// written into result slabs, kept in the resume ring and scanned by the
// garbage collector at every placement.
type Event struct {
	Kind      EventKind
	Cmd       CmdKind // EvRejected: the refused command
	Reason    Reason  // EvRejected
	Duplicate bool    // a PlaceOrder re-submitted, a ReadyForPickup or Ship re-sent, a request_id retried: the first result, replayed
	Channel   Channel // on every event about an order (Order set): the order's sales channel
	Adjust    AdjustReason
	Status    Status
	Hold      Hold
	Payment   Payment
	PickedUp  bool
	Condition Condition
	Line      uint32 // line number, from 1
	Loc       LocationID
	Count     int32

	Order          OrderID
	Field          string // EvRejected: the offending field
	ChannelOrderID string
	Customer       string
	SKU            SKU
	Qty            Qty
	Amount         Money
	Currency       string
	Date           int64
	Stock          StockLevel
	Reservation    ReservationID
	Expires        int64
	Plan           PlanScore
	ShipBy         int64 // promised ship date
	DeliverBy      int64 // promised delivery (or ready for pickup) date
	Fulfilment     FulfilmentID
	Shipment       ShipmentID
	Tracking       string
	Return         ReturnID
	Location       *Location  // EvLocation: the definition after the change
	Rules          *HoldRules // EvRules: the rules after the change
}
