package gateway

import (
	"context"
	"fmt"
	"strconv"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/commerce"
	pb "github.com/ordercore/oms/proto/omsv1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Page sizes of ListOrders.
const (
	defaultPage = 50
	maxPage     = 1000
)

var errOrderNotFound = status.Error(codes.NotFound, "order not found")

// errOrderArchived is NotFound with the reason order_archived: the order
// existed, closed, and left memory under the retention rules.
var errOrderArchived = func() error {
	st, err := status.New(codes.NotFound, "order archived (closed, and past the retention period)").
		WithDetails(&errdetails.ErrorInfo{Reason: commerce.ReasonOrderArchived.String(), Domain: domainCommerce})
	if err != nil {
		return status.Error(codes.NotFound, "order archived")
	}
	return st.Err()
}()

// checkOrderChannel lets a channel act on its own orders only; another
// channel's order is reported as not found, so that ids cannot be probed.
func (g *Gateway) checkOrderChannel(ctx context.Context, id commerce.OrderID, ch commerce.Channel) error {
	var owner commerce.Channel
	var ok bool
	err := g.query(ctx, func(e *engine.Engine) {
		var v commerce.OrderView
		if v, ok = e.Commerce().Order(id); ok {
			owner = v.Channel
		}
	})
	if err != nil {
		return err
	}
	if !ok || owner != ch {
		return errOrderNotFound
	}
	return nil
}

func (s *commerceServer) GetOrder(ctx context.Context, r *pb.GetOrderRequest) (*pb.CommerceOrder, error) {
	var v violations
	checkEnum(&v, "channel", r.GetChannel(), pb.Channel_CHANNEL_B2B, false)
	checkID(&v, "channel_order_id", r.GetChannelOrderId(), false)
	if r.GetOrderId() == 0 && (r.GetChannel() == 0 || r.GetChannelOrderId() == "") {
		v.add("order_id", "set order_id, or channel and channel_order_id")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := channelOrAdmin(ctx); err != nil {
		return nil, err
	}
	var view commerce.OrderView
	var ok, archived bool
	if err := s.g.query(ctx, func(e *engine.Engine) {
		id := commerce.OrderID(r.GetOrderId())
		if id == 0 {
			if id, ok = e.Commerce().OrderByChannelID(commerce.Channel(r.GetChannel()), r.GetChannelOrderId()); !ok {
				return
			}
		}
		view, ok = e.Commerce().Order(id)
		archived = !ok && e.Commerce().Archived(id)
	}); err != nil {
		return nil, err
	}
	p := principal(ctx)
	// An archived order's channel is no longer known, so only an
	// administrator, or a channel asking by its own channel order id, learns
	// that an id was archived rather than never issued.
	if archived && (p.Admin || (r.GetOrderId() == 0 && p.CanChannel(commerce.Channel(r.GetChannel())))) {
		return nil, errOrderArchived
	}
	if !ok || !p.CanChannel(view.Channel) {
		return nil, errOrderNotFound
	}
	return orderViewToPB(&view), nil
}

func orderViewToPB(v *commerce.OrderView) *pb.CommerceOrder {
	out := &pb.CommerceOrder{OrderId: uint64(v.ID), Channel: pb.Channel(v.Channel), ChannelOrderId: v.ChannelOrderID,
		Customer: v.Customer, Status: pb.OrderStatus(v.Status), Payment: pb.PaymentStatus(v.Payment),
		ShipTo: &pb.Coord{Lat: int32(v.ShipTo.Lat), Lon: int32(v.ShipTo.Lon)}, PickupStore: uint32(v.PickupStore),
		ShipComplete: v.ShipComplete, Priority: uint32(v.Priority), CreatedUnixNano: v.PlacedAt, Amount: int64(v.Value),
		PlacedAmount: int64(v.PlacedValue), ReturnWindowNanos: v.ReturnWindow}
	if v.Holds != 0 {
		out.Hold = v.Holds.String()
	}
	for _, l := range v.Lines {
		out.Lines = append(out.Lines, &pb.CommerceOrderLine{Line: l.Line, Sku: string(l.SKU), Qty: int64(l.Qty),
			UnitPrice: int64(l.UnitPrice), Currency: v.Currency, Allocated: int64(l.Allocated), Backordered: int64(l.Backordered),
			Released: int64(l.Released), Shipped: int64(l.Shipped), Delivered: int64(l.Delivered), Cancelled: int64(l.Cancelled),
			Returned: int64(l.ReturnReceived), Status: pb.OrderStatus(l.Status), AwaitingPayment: int64(l.AwaitingPayment),
			ReadyForPickup: int64(l.ReadyForPickup)})
	}
	return out
}

// ListOrders pages through orders by id. A channel token lists only its
// own channel's orders. The page token is the next order id to look at.
func (s *commerceServer) ListOrders(ctx context.Context, r *pb.ListOrdersRequest) (*pb.ListOrdersResponse, error) {
	var v violations
	checkID(&v, "customer", r.GetCustomer(), false)
	checkEnum(&v, "channel", r.GetChannel(), pb.Channel_CHANNEL_B2B, false)
	checkEnum(&v, "status", r.GetStatus(), pb.OrderStatus_ORDER_STATUS_READY_FOR_PICKUP, false)
	if r.GetPageSize() > maxPage {
		v.add("page_size", fmt.Sprintf("at most %d", maxPage))
	}
	var from uint64
	if tok := r.GetPageToken(); tok != "" {
		var err error
		if from, err = strconv.ParseUint(tok, 10, 64); err != nil {
			v.add("page_token", "not a token from a previous response")
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	p := principal(ctx)
	ch := commerce.Channel(r.GetChannel())
	if !p.Admin {
		switch {
		case p.Channel == 0:
			return nil, status.Error(codes.PermissionDenied, "this call needs a channel or administrator token")
		case ch != 0 && ch != p.Channel:
			return nil, status.Errorf(codes.PermissionDenied, "token may not list channel %s", ch)
		}
		ch = p.Channel
	}
	size := int(r.GetPageSize())
	if size == 0 {
		size = defaultPage
	}
	out := &pb.ListOrdersResponse{}
	err := s.g.query(ctx, func(e *engine.Engine) {
		match := func(o *commerce.OrderView) bool {
			return (ch == 0 || o.Channel == ch) && (r.GetCustomer() == "" || o.Customer == r.GetCustomer()) &&
				(r.GetStatus() == 0 || o.Status == commerce.Status(r.GetStatus()))
		}
		next := listOrderIDs(e.Commerce(), ch, r.GetCustomer(), commerce.OrderID(from))
		for id, ok := next(); ok; id, ok = next() {
			if len(out.Orders) == size {
				out.NextPageToken = strconv.FormatUint(uint64(id), 10)
				return
			}
			if o, found := e.Commerce().Order(id); found && match(&o) {
				out.Orders = append(out.Orders, orderViewToPB(&o))
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// listOrderIDs iterates order ids from from on, using the customer or
// channel index when there is one and every id otherwise.
func listOrderIDs(c *commerce.Engine, ch commerce.Channel, customer string, from commerce.OrderID) func() (commerce.OrderID, bool) {
	var ids []commerce.OrderID
	switch {
	case customer != "":
		ids = c.OrdersByCustomer(customer)
	case ch != 0:
		ids = c.OrdersByChannel(ch)
	default:
		id := max(from, 1)
		return func() (commerce.OrderID, bool) {
			if _, ok := c.Order(id); !ok {
				return 0, false
			}
			id++
			return id - 1, true
		}
	}
	i := 0
	return func() (commerce.OrderID, bool) {
		for i < len(ids) && ids[i] < from {
			i++
		}
		if i == len(ids) {
			return 0, false
		}
		i++
		return ids[i-1], true
	}
}

// GetAvailability answers for up to 1000 SKUs in one engine query.
func (s *commerceServer) GetAvailability(ctx context.Context, r *pb.GetAvailabilityRequest) (*pb.GetAvailabilityResponse, error) {
	if err := channelOrAdmin(ctx); err != nil {
		return nil, err
	}
	var v violations
	switch n := len(r.GetSkus()); {
	case n == 0:
		v.add("skus", "at least one SKU is required")
	case n > maxLines:
		v.add("skus", fmt.Sprintf("at most %d", maxLines))
	}
	for i, sku := range r.GetSkus() {
		checkSKU(&v, fmt.Sprintf("skus[%d]", i), sku)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	out := &pb.GetAvailabilityResponse{Skus: make([]*pb.SkuAvailability, len(r.GetSkus()))}
	err := s.g.query(ctx, func(e *engine.Engine) {
		out.Seq = e.LastSeq()
		for i, sku := range r.GetSkus() {
			a, ok := e.Commerce().Availability(commerce.SKU(sku))
			out.Skus[i] = availabilityToPB(sku, &a, ok, r.GetPerLocation())
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func availabilityToPB(sku string, a *commerce.Availability, known, perLoc bool) *pb.SkuAvailability {
	out := &pb.SkuAvailability{Sku: sku, Known: known, NetworkAtp: int64(a.NetworkATP)}
	for _, l := range a.Locations {
		out.OnHand += int64(l.Stock.OnHand)
		out.Allocated += int64(l.Stock.Allocated)
		out.Reserved += int64(l.Stock.Reserved)
		if perLoc {
			out.Locations = append(out.Locations, &pb.LocationStock{LocationId: uint32(l.Loc), Level: stockToPB(&l.Stock)})
		}
	}
	return out
}

// PromiseDate answers what sourcing would do with the order placed now
// (commerce.Engine.PromiseOrder): its stock split across locations as the
// placement would, the rest from dated supply, the date the last unit's.
// Only each line's SKU and quantity matter: nothing is priced or reserved.
func (s *commerceServer) PromiseDate(ctx context.Context, r *pb.PromiseDateRequest) (*pb.PromiseDateResponse, error) {
	if err := channelOrAdmin(ctx); err != nil {
		return nil, err
	}
	var v violations
	if r.GetShipTo() == nil {
		v.add("ship_to", "required")
	}
	to := checkCoord(&v, "ship_to", r.GetShipTo())
	if r.GetPickupStore() != 0 {
		v.add("pickup_store", "promise dates are for shipped orders; a pickup store's stock is its availability")
	}
	lines := promiseLines(&v, r.GetLines())
	if err := v.err(); err != nil {
		return nil, err
	}
	var p commerce.OrderPromise
	why, at := commerce.ReasonNone, 0
	err := s.g.query(ctx, func(e *engine.Engine) {
		p, why, at = e.Commerce().PromiseOrder(lines, to, r.GetShipComplete(), 0, e.Now())
	})
	if err != nil {
		return nil, err
	}
	if why != commerce.ReasonNone {
		// promiseLines checked what the engine checks; this is a backstop.
		field := "lines"
		if at >= 0 {
			field = fmt.Sprintf("lines[%d]", at)
		}
		return nil, invalidField(field, snake(why.String()))
	}
	out := &pb.PromiseDateResponse{Promisable: p.Now(), ShortQty: int64(p.Short), LaterQty: int64(p.Later),
		ShipByUnixNano: p.ShipBy, DeliverByUnixNano: p.DeliverBy}
	for _, q := range p.Parts {
		out.Lines = append(out.Lines, &pb.PromiseLine{Line: uint32(q.Line + 1), LocationId: uint32(q.Loc), Qty: int64(q.Qty),
			ShipByUnixNano: q.ShipBy, DeliverByUnixNano: q.DeliverBy, Later: q.Later, FromInbound: q.FromInbound})
	}
	return out, nil
}

// promiseLines translates a promise's lines: a SKU and a positive quantity
// each, every SKU once (as PlaceOrder requires). Prices, currencies and
// reservations are not read.
func promiseLines(v *violations, lines []*pb.OrderLineInput) []commerce.LineInput {
	if !checkLineCount(v, len(lines)) {
		return nil
	}
	out := make([]commerce.LineInput, len(lines))
	first := make(map[string]int, len(lines))
	for i, l := range lines {
		f := fmt.Sprintf("lines[%d].", i)
		out[i] = commerce.LineInput{Line: uint32(i + 1), SKU: checkSKU(v, f+"sku", l.GetSku()), Qty: commerce.Qty(l.GetQty())}
		checkPositive(v, f+"qty", l.GetQty())
		if j, dup := first[l.GetSku()]; dup {
			v.add(f+"sku", fmt.Sprintf("duplicate of lines[%d]", j))
		} else {
			first[l.GetSku()] = i
		}
	}
	return out
}

// GetCounters returns the analytics counters: a channel's own, or every
// channel's for an administrator, named <channel>.<counter>.
func (s *commerceServer) GetCounters(ctx context.Context, _ *pb.GetCountersRequest) (*pb.GetCountersResponse, error) {
	p := principal(ctx)
	if err := channelOrAdmin(ctx); err != nil {
		return nil, err
	}
	out := &pb.GetCountersResponse{}
	err := s.g.query(ctx, func(e *engine.Engine) {
		out.Seq = e.LastSeq()
		for ch := commerce.Web; ch <= commerce.B2B; ch++ {
			if !p.CanChannel(ch) {
				continue
			}
			st := e.Commerce().Analytics(ch)
			for _, c := range []struct {
				name string
				v    int64
			}{{"orders", st.Orders}, {"lines", st.Lines}, {"split_orders", st.SplitOrders},
				{"backordered_orders", st.BackorderedOrders}, {"units", st.Units}, {"units_allocated", st.UnitsAllocated},
				{"units_shipped", st.UnitsShipped}, {"units_returned", st.UnitsReturned}, {"fill_rate_bps", st.FillRateBps},
				{"split_rate_bps", st.SplitRateBps}, {"backorder_rate_bps", st.BackorderRateBps}, {"return_rate_bps", st.ReturnRateBps}} {
				out.Counters = append(out.Counters, &pb.Counter{Name: ch.String() + "." + c.name, Value: c.v})
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetRetention returns the retention rules in force (admin); zero fields
// mean the defaults, as in SetRetention.
func (s *commerceServer) GetRetention(ctx context.Context, _ *pb.GetRetentionRequest) (*pb.Retention, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	var r commerce.Retention
	if err := s.g.query(ctx, func(e *engine.Engine) { r = e.Commerce().Retention() }); err != nil {
		return nil, err
	}
	return &pb.Retention{ArchiveAfterNanos: r.ArchiveAfter, DedupWindowNanos: r.DedupWindow}, nil
}

// ListLocations lists every location, by id.
func (s *commerceServer) ListLocations(ctx context.Context, _ *pb.ListLocationsRequest) (*pb.ListLocationsResponse, error) {
	if err := channelOrAdmin(ctx); err != nil {
		return nil, err
	}
	var locs []commerce.Location
	if err := s.g.query(ctx, func(e *engine.Engine) { locs = e.Commerce().Locations() }); err != nil {
		return nil, err
	}
	out := &pb.ListLocationsResponse{Locations: make([]*pb.Location, len(locs))}
	for i := range locs {
		out.Locations[i] = locationToPB(&locs[i])
	}
	return out, nil
}
