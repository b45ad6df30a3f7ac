package journal

import "github.com/ordercore/oms/engine/commerce"

// auditCommerce is the JSON form of a commerce command, as auditTrade is of
// a trade one: snake_case names, enum names, zero fields left out, except
// where a kind reads a zero as a value (set-stock and set-safety-stock
// quantities, a set-customer's flag and limit), which are pointers.
type auditCommerce struct {
	Kind           string                 `json:"kind"`
	SKU            commerce.SKU           `json:"sku,omitempty"`
	Loc            commerce.LocationID    `json:"location_id,omitempty"`
	Qty            *commerce.Qty          `json:"qty,omitempty"`
	Version        uint64                 `json:"version,omitempty"`
	Adjust         string                 `json:"adjust,omitempty"`
	Date           int64                  `json:"date,omitempty"`
	TTL            int64                  `json:"ttl,omitempty"`
	Reservation    commerce.ReservationID `json:"reservation_id,omitempty"`
	Order          commerce.OrderID       `json:"order_id,omitempty"`
	Channel        string                 `json:"channel,omitempty"`
	ChannelOrderID string                 `json:"channel_order_id,omitempty"`
	Customer       string                 `json:"customer,omitempty"`
	ShipTo         *auditCoord            `json:"ship_to,omitempty"`
	PickupStore    commerce.LocationID    `json:"pickup_store,omitempty"`
	ShipComplete   bool                   `json:"ship_complete,omitempty"`
	Priority       uint8                  `json:"priority,omitempty"`
	Payment        string                 `json:"payment,omitempty"`
	Lines          []auditLine            `json:"lines,omitempty"`
	Tracking       string                 `json:"tracking,omitempty"`
	Shipment       commerce.ShipmentID    `json:"shipment_id,omitempty"`
	Return         commerce.ReturnID      `json:"return_id,omitempty"`
	Location       *auditLocation         `json:"location,omitempty"`
	Rules          *auditHoldRules        `json:"rules,omitempty"`
	B2BCustomer    *bool                  `json:"b2b_customer,omitempty"`
	CreditLimit    *commerce.Money        `json:"credit_limit,omitempty"`
	Retention      *auditRetention        `json:"retention,omitempty"`
}

type auditCoord struct {
	Lat commerce.MicroDeg `json:"lat"`
	Lon commerce.MicroDeg `json:"lon"`
}

type auditLine struct {
	Line        uint32                 `json:"line,omitempty"`
	SKU         commerce.SKU           `json:"sku,omitempty"`
	Qty         commerce.Qty           `json:"qty"`
	UnitPrice   commerce.Money         `json:"unit_price,omitempty"`
	Currency    string                 `json:"currency,omitempty"`
	Reservation commerce.ReservationID `json:"reservation_id,omitempty"`
	Condition   string                 `json:"condition,omitempty"`
}

type auditLocation struct {
	ID              commerce.LocationID `json:"id"`
	Kind            string              `json:"kind"`
	At              auditCoord          `json:"at"`
	LeadHours       int32               `json:"lead_hours"`
	Capacity        int32               `json:"capacity"`
	CostPerShipment commerce.Money      `json:"cost_per_shipment"`
	CostPerKm       commerce.Money      `json:"cost_per_km"`
	Priority        int32               `json:"priority"`
	Ships           bool                `json:"ships"`
	Pickup          bool                `json:"pickup"`
	ShipFromStore   bool                `json:"ship_from_store"`
	Active          bool                `json:"active"`
}

type auditHoldRules struct {
	MaxValue     commerce.Money `json:"max_value"`
	MaxQty       commerce.Qty   `json:"max_qty"`
	CheckCredit  bool           `json:"check_credit"`
	CheckPayment bool           `json:"check_payment"`
	ReturnWindow int64          `json:"return_window"`
}

type auditRetention struct {
	ArchiveAfter int64 `json:"archive_after"`
	DedupWindow  int64 `json:"dedup_window"`
}

// enumName is the name of a non-zero enum value, "" for zero (left out).
func enumName[E interface {
	~uint8
	String() string
}](e E) string {
	if e == 0 {
		return ""
	}
	return e.String()
}

func newAuditCommerce(c *commerce.Command) *auditCommerce {
	a := &auditCommerce{
		Kind: c.Kind.String(), SKU: c.SKU, Loc: c.Loc, Version: c.Version, Adjust: enumName(c.Adjust),
		Date: c.Date, TTL: c.TTL, Reservation: c.Reservation, Order: c.Order, Channel: enumName(c.Channel),
		ChannelOrderID: c.ChannelOrderID, Customer: c.Customer, PickupStore: c.PickupStore,
		ShipComplete: c.ShipComplete, Priority: c.Priority, Payment: enumName(c.Payment),
		Tracking: c.Tracking, Shipment: c.Shipment, Return: c.Return,
	}
	if q := c.Qty; q != 0 || c.Kind == commerce.CmdSetStock || c.Kind == commerce.CmdSetSafetyStock {
		a.Qty = &q
	}
	// (0, 0) is a place, but only a shipped order reads it.
	if c.ShipTo != (commerce.Coord{}) || (c.Kind == commerce.CmdPlaceOrder && c.PickupStore == 0) {
		a.ShipTo = &auditCoord{Lat: c.ShipTo.Lat, Lon: c.ShipTo.Lon}
	}
	for _, l := range c.Lines {
		a.Lines = append(a.Lines, auditLine{Line: l.Line, SKU: l.SKU, Qty: l.Qty, UnitPrice: l.UnitPrice,
			Currency: l.Currency, Reservation: l.Reservation, Condition: enumName(l.Condition)})
	}
	switch c.Kind {
	case commerce.CmdSetLocation:
		l := &c.Location
		a.Location = &auditLocation{ID: l.ID, Kind: enumName(l.Kind), At: auditCoord{Lat: l.At.Lat, Lon: l.At.Lon},
			LeadHours: l.LeadHours, Capacity: l.Capacity, CostPerShipment: l.CostPerShipment, CostPerKm: l.CostPerKm,
			Priority: l.Priority, Ships: l.Ships, Pickup: l.Pickup, ShipFromStore: l.ShipFromStore, Active: l.Active}
	case commerce.CmdSetRules:
		r := &c.Rules
		a.Rules = &auditHoldRules{MaxValue: r.MaxValue, MaxQty: r.MaxQty, CheckCredit: r.CheckCredit,
			CheckPayment: r.CheckPayment, ReturnWindow: r.ReturnWindow}
	case commerce.CmdSetCustomer:
		b2b, limit := c.B2BCustomer, c.CreditLimit
		a.B2BCustomer, a.CreditLimit = &b2b, &limit
	case commerce.CmdSetRetention:
		a.Retention = &auditRetention{ArchiveAfter: c.Retention.ArchiveAfter, DedupWindow: c.Retention.DedupWindow}
	}
	return a
}
