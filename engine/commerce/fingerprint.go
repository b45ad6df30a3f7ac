package commerce

// placeHash fingerprints what a PlaceOrder asks for, beyond its key
// (channel and channel order id): the customer, the destination, the
// ship-complete flag, the priority and every line. The payment status is
// not part of it: it is a state the order is in (SetPayment changes it),
// and a retry may carry a newer one. A re-submit with the same key is the same order only if
// it asks for the same thing; one that asks for something else is a
// channel reusing an id, which is refused (ReasonChannelOrderIDConflict)
// rather than answered with the first order's result as if it were its own.
//
// The fingerprint is stored in orders and tombstones and in snapshots, so
// its definition is fixed: changing it would make every re-submit of an
// existing order a conflict. It is never 0, which stands for "not
// recorded" (orders restored from snapshots older than version 4), and such
// an order matches any re-submit, as before. A collision (2^-64 per pair)
// would answer a conflicting re-submit as a duplicate, the old behaviour.
func placeHash(c *Command) uint64 {
	const k = 0x9fb21c651e98df25
	h := seededHash(0x5e3d_1a0c_b7f4_2961, c.Customer)
	word := func(v uint64) { h = mix(h^v, k) }
	word(uint64(uint32(c.ShipTo.Lat))<<32 | uint64(uint32(c.ShipTo.Lon)))
	var flags uint64
	if c.ShipComplete {
		flags = 1
	}
	word(uint64(c.PickupStore)<<32 | flags<<8 | uint64(c.Priority))
	word(uint64(len(c.Lines)))
	for i := range c.Lines {
		l := &c.Lines[i]
		h = seededHash(h, string(l.SKU))
		h = seededHash(h, l.Currency)
		word(uint64(l.Qty))
		word(uint64(l.UnitPrice))
		word(uint64(l.Reservation))
	}
	if h == 0 {
		return 1
	}
	return h
}
