package gateway

import (
	"context"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/commerce"
	pb "github.com/ordercore/oms/proto/omsv1"
	"github.com/ordercore/oms/sequencer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

type commerceServer struct {
	pb.UnimplementedCommerceServiceServer
	g *Gateway
}

// runCommerce submits a commerce command; a rejection becomes an error
// status with the engine's reason and field.
//
// A request id is scoped by the caller: the principal's name goes into the
// journaled command, so two integrations' ids never collide (a token's
// name is unique; renaming a token starts a new scope).
func (g *Gateway) runCommerce(ctx context.Context, c commerce.Command) (*pb.CommerceCommandResult, error) {
	if c.RequestID != "" {
		c.Caller = principal(ctx).Name
	}
	res, err := g.submit(ctx, engine.Command{Kind: engine.KindCommerce, Commerce: c})
	if err != nil {
		return nil, err
	}
	return commerceResult(res, &c, resultView{p: principal(ctx), order: c.Order})
}

// resultView is what a caller may see of a command's result. A command's
// events are every change it caused: a receipt or a cancel that frees
// stock also fills other orders' backorders, of any channel, and a
// placement on a new capacity day may first serve the backorders waiting
// for it. A channel sees the events about its own orders and those about
// no order (stock, reservations, locations); an administrator sees all.
type resultView struct {
	p *Principal
	// order is the order the command names (zero for a placement, whose
	// order is the one its order-created event names, and for commands
	// about no order).
	order commerce.OrderID
}

func (v resultView) sees(e *commerce.Event) bool {
	return v.p.Admin || e.Order == 0 || v.p.Channel != 0 && e.Channel == v.p.Channel
}

// commerceResult builds the reply to a commerce command in three
// allocations whatever its events: the result, a slab of event boxes and
// the slice of pointers into it.
func commerceResult(res *sequencer.Result, c *commerce.Command, v resultView) (*pb.CommerceCommandResult, error) {
	if err := commerceRejected(res, c); err != nil {
		return nil, err
	}
	out := &pb.CommerceCommandResult{}
	n := len(res.Commerce)
	fillCommerceResult(out, res, make([]eventBox, n), make([]*pb.CommerceEvent, n), v)
	return out, nil
}

// commerceRejected returns the error of a rejected command's result; c is
// the command, for the request entry a line's rejection names.
func commerceRejected(res *sequencer.Result, c *commerce.Command) error {
	for i := range res.Commerce {
		if e := &res.Commerce[i]; e.Kind == commerce.EvRejected {
			return commerceReject(e, res.Seq, c)
		}
	}
	return nil
}

// fillCommerceResult sets out (zero) from an accepted command's result as
// v may see it, using boxes and ptrs (zero, one per event) for the events.
// OrderId is the command's own order: the one it names, or the one a
// placement created (or, re-submitted, had created), never another order
// the command happened to change.
func fillCommerceResult(out *pb.CommerceCommandResult, res *sequencer.Result, boxes []eventBox, ptrs []*pb.CommerceEvent, v resultView) {
	out.Seq, out.TimeUnixNano = res.Seq, res.Time
	out.OrderId = uint64(v.order)
	if len(res.Commerce) == 0 {
		return
	}
	k := 0
	for i := range res.Commerce {
		e := &res.Commerce[i]
		if !v.sees(e) {
			continue
		}
		switch e.Kind {
		case commerce.EvReserved:
			out.ReservationId = uint64(e.Reservation)
		case commerce.EvShipped:
			out.ShipmentId = uint64(e.Shipment)
		case commerce.EvReturnAuthorised:
			out.ReturnId = uint64(e.Return)
		case commerce.EvOrderCreated:
			if out.OrderId == 0 {
				out.OrderId = uint64(e.Order)
			}
		}
		out.Duplicate = out.Duplicate || e.Duplicate
		boxes[k].fill(e)
		ptrs[k] = &boxes[k].ev
		k++
	}
	if k > 0 {
		out.Events = ptrs[:k]
	}
}

// admin runs a command that needs an administrator token.
func (s *commerceServer) admin(ctx context.Context, c commerce.Command, err error) (*pb.CommerceCommandResult, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	return s.g.runCommerce(ctx, c)
}

// own runs a command on an existing order after checking that the caller
// may act for the order's channel. An order of another channel is reported
// as not found, so a channel cannot probe for other channels' order ids.
func (s *commerceServer) own(ctx context.Context, c commerce.Command, err error) (*pb.CommerceCommandResult, error) {
	if err != nil {
		return nil, err
	}
	p := principal(ctx)
	if !p.Admin {
		if p.Channel == 0 {
			return nil, status.Error(codes.PermissionDenied, "this call needs a channel or administrator token")
		}
		if err := s.g.checkOrderChannel(ctx, c.Order, p.Channel); err != nil {
			return nil, err
		}
	}
	return s.g.runCommerce(ctx, c)
}

// ownerChannel is the channel a reservation call acts for: the caller's,
// or zero for an administrator.
func ownerChannel(ctx context.Context) commerce.Channel {
	if p := principal(ctx); !p.Admin {
		return p.Channel
	}
	return 0
}

// channelOrAdmin checks the caller is a channel or an administrator.
func channelOrAdmin(ctx context.Context) error {
	if p := principal(ctx); !p.Admin && p.Channel == 0 {
		return status.Error(codes.PermissionDenied, "this call needs a channel or administrator token")
	}
	return nil
}

func (s *commerceServer) PlaceOrder(ctx context.Context, r *pb.PlaceOrderRequest) (*pb.CommerceCommandResult, error) {
	c, err := checkedPlaceOrder(ctx, r)
	if err != nil {
		return nil, err
	}
	return s.g.runCommerce(ctx, c)
}

// checkedPlaceOrder translates r and checks that the caller may place
// orders for its channel.
func checkedPlaceOrder(ctx context.Context, r *pb.PlaceOrderRequest) (commerce.Command, error) {
	c, err := placeOrderCommand(r)
	if err != nil {
		return c, err
	}
	if !principal(ctx).CanChannel(c.Channel) {
		return c, status.Errorf(codes.PermissionDenied, "token may not place orders for channel %s", c.Channel)
	}
	return c, nil
}

func (s *commerceServer) CancelOrder(ctx context.Context, r *pb.CancelCommerceOrderRequest) (*pb.CommerceCommandResult, error) {
	c, err := cancelOrderCommand(r)
	return s.own(ctx, c, err)
}

func (s *commerceServer) SetPayment(ctx context.Context, r *pb.SetPaymentRequest) (*pb.CommerceCommandResult, error) {
	c, err := setPaymentCommand(r)
	return s.own(ctx, c, err)
}

func (s *commerceServer) CreateReturn(ctx context.Context, r *pb.CreateReturnRequest) (*pb.CommerceCommandResult, error) {
	c, err := createReturnCommand(r)
	return s.own(ctx, c, err)
}

// Holds are a fraud and credit control: only an operator releases them.
func (s *commerceServer) ReleaseHold(ctx context.Context, r *pb.ReleaseHoldRequest) (*pb.CommerceCommandResult, error) {
	c, err := orderOnlyCommand(commerce.CmdReleaseHold, r.GetOrderId())
	return s.admin(ctx, c, err)
}

// Release, shipment, delivery and return receipt come from fulfilment
// integrations (WMS, store systems), which hold administrator tokens.
func (s *commerceServer) ReleaseOrder(ctx context.Context, r *pb.ReleaseOrderRequest) (*pb.CommerceCommandResult, error) {
	c, err := orderOnlyCommand(commerce.CmdRelease, r.GetOrderId())
	return s.admin(ctx, c, err)
}

func (s *commerceServer) ConfirmShipment(ctx context.Context, r *pb.ConfirmShipmentRequest) (*pb.CommerceCommandResult, error) {
	c, err := shipCommand(r)
	return s.admin(ctx, c, err)
}

func (s *commerceServer) ConfirmDelivery(ctx context.Context, r *pb.ConfirmDeliveryRequest) (*pb.CommerceCommandResult, error) {
	c, err := deliverCommand(r)
	return s.admin(ctx, c, err)
}

// The pickup steps come from the store's systems, as shipments do from a
// WMS.
func (s *commerceServer) MarkReadyForPickup(ctx context.Context, r *pb.MarkReadyForPickupRequest) (*pb.CommerceCommandResult, error) {
	c, err := pickupCommand(commerce.CmdReadyForPickup, r.GetOrderId(), r.GetLines(), r.GetRequestId())
	return s.admin(ctx, c, err)
}

func (s *commerceServer) ConfirmPickup(ctx context.Context, r *pb.ConfirmPickupRequest) (*pb.CommerceCommandResult, error) {
	c, err := pickupCommand(commerce.CmdPickedUp, r.GetOrderId(), r.GetLines(), r.GetRequestId())
	return s.admin(ctx, c, err)
}

func (s *commerceServer) ReceiveReturn(ctx context.Context, r *pb.ReceiveReturnRequest) (*pb.CommerceCommandResult, error) {
	c, err := receiveReturnCommand(r)
	return s.admin(ctx, c, err)
}

// Reservations hold stock for a cart at checkout: any channel may take one,
// and it is that channel's: another channel can neither release it nor
// consume it (the engine answers unknown_reservation, NotFound). An
// administrator's has no owner and may release any.
func (s *commerceServer) Reserve(ctx context.Context, r *pb.ReserveRequest) (*pb.CommerceCommandResult, error) {
	if err := channelOrAdmin(ctx); err != nil {
		return nil, err
	}
	c, err := reserveCommand(r, ownerChannel(ctx))
	if err != nil {
		return nil, err
	}
	return s.g.runCommerce(ctx, c)
}

func (s *commerceServer) ReleaseReservation(ctx context.Context, r *pb.ReleaseReservationRequest) (*pb.CommerceCommandResult, error) {
	if err := channelOrAdmin(ctx); err != nil {
		return nil, err
	}
	c, err := releaseReservationCommand(r, ownerChannel(ctx))
	if err != nil {
		return nil, err
	}
	return s.g.runCommerce(ctx, c)
}

func (s *commerceServer) SetStock(ctx context.Context, r *pb.SetStockRequest) (*pb.CommerceCommandResult, error) {
	c, err := setStockCommand(r)
	return s.admin(ctx, c, err)
}

func (s *commerceServer) AdjustStock(ctx context.Context, r *pb.AdjustStockRequest) (*pb.CommerceCommandResult, error) {
	c, err := adjustStockCommand(r)
	return s.admin(ctx, c, err)
}

func (s *commerceServer) SetSafetyStock(ctx context.Context, r *pb.SetSafetyStockRequest) (*pb.CommerceCommandResult, error) {
	c, err := setSafetyStockCommand(r)
	return s.admin(ctx, c, err)
}

func (s *commerceServer) AddInbound(ctx context.Context, r *pb.AddInboundRequest) (*pb.CommerceCommandResult, error) {
	c, err := addInboundCommand(r)
	return s.admin(ctx, c, err)
}

func (s *commerceServer) ReceiveStock(ctx context.Context, r *pb.ReceiveStockRequest) (*pb.CommerceCommandResult, error) {
	c, err := receiveStockCommand(r)
	return s.admin(ctx, c, err)
}

func (s *commerceServer) SetLocation(ctx context.Context, r *pb.SetLocationRequest) (*pb.CommerceCommandResult, error) {
	c, err := setLocationCommand(r)
	return s.admin(ctx, c, err)
}

func (s *commerceServer) SetHoldRules(ctx context.Context, r *pb.SetHoldRulesRequest) (*pb.CommerceCommandResult, error) {
	c, err := setRulesCommand(r)
	return s.admin(ctx, c, err)
}

// SetRetention changes how long closed orders stay in memory (admin).
func (s *commerceServer) SetRetention(ctx context.Context, r *pb.SetRetentionRequest) (*pb.CommerceCommandResult, error) {
	c, err := setRetentionCommand(r)
	return s.admin(ctx, c, err)
}

func (s *commerceServer) SetCustomer(ctx context.Context, r *pb.SetCustomerRequest) (*pb.CommerceCommandResult, error) {
	c, err := setCustomerCommand(r)
	return s.admin(ctx, c, err)
}
