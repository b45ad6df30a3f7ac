package gateway

import (
	"context"
	"testing"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/engine/commerce"
	pb "github.com/ordercore/oms/proto/omsv1"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// translator is one request -> command translation under fuzz.
type translator struct {
	msg func() proto.Message
	run func(proto.Message) (engine.Command, error)
}

func tradeT[R proto.Message](newR func() R, f func(R) (book.Command, error)) translator {
	return translator{msg: func() proto.Message { return newR() }, run: func(m proto.Message) (engine.Command, error) {
		c, err := f(m.(R))
		return engine.Command{Kind: engine.KindTrade, Trade: c}, err
	}}
}

func commerceT[R proto.Message](newR func() R, f func(R) (commerce.Command, error)) translator {
	return translator{msg: func() proto.Message { return newR() }, run: func(m proto.Message) (engine.Command, error) {
		c, err := f(m.(R))
		if c.RequestID != "" {
			c.Caller = "fuzz" // as runCommerce scopes it: the principal's name
		}
		return engine.Command{Kind: engine.KindCommerce, Commerce: c}, err
	}}
}

func translators() []translator {
	return []translator{
		tradeT(func() *pb.NewOrderRequest { return new(pb.NewOrderRequest) }, newOrderCommand),
		tradeT(func() *pb.CancelOrderRequest { return new(pb.CancelOrderRequest) }, cancelCommand),
		tradeT(func() *pb.ReplaceOrderRequest { return new(pb.ReplaceOrderRequest) }, replaceCommand),
		tradeT(func() *pb.MassCancelRequest { return new(pb.MassCancelRequest) }, massCancelCommand),
		tradeT(func() *pb.AddInstrumentRequest { return new(pb.AddInstrumentRequest) }, func(r *pb.AddInstrumentRequest) (book.Command, error) {
			return adminTradeCommand(book.CmdAddInstrument, r.GetInstrument(), nil)
		}),
		tradeT(func() *pb.AddAccountRequest { return new(pb.AddAccountRequest) }, func(r *pb.AddAccountRequest) (book.Command, error) {
			return adminTradeCommand(book.CmdAddAccount, nil, r.GetAccount())
		}),
		tradeT(func() *pb.SetTradingStateRequest { return new(pb.SetTradingStateRequest) }, tradingStateCommand),
		commerceT(func() *pb.PlaceOrderRequest { return new(pb.PlaceOrderRequest) }, placeOrderCommand),
		commerceT(func() *pb.CancelCommerceOrderRequest { return new(pb.CancelCommerceOrderRequest) }, cancelOrderCommand),
		commerceT(func() *pb.ConfirmShipmentRequest { return new(pb.ConfirmShipmentRequest) }, shipCommand),
		commerceT(func() *pb.ReceiveReturnRequest { return new(pb.ReceiveReturnRequest) }, receiveReturnCommand),
		commerceT(func() *pb.ReserveRequest { return new(pb.ReserveRequest) }, func(r *pb.ReserveRequest) (commerce.Command, error) {
			return reserveCommand(r, commerce.Web)
		}),
		commerceT(func() *pb.SetStockRequest { return new(pb.SetStockRequest) }, setStockCommand),
		commerceT(func() *pb.AdjustStockRequest { return new(pb.AdjustStockRequest) }, adjustStockCommand),
		commerceT(func() *pb.SetLocationRequest { return new(pb.SetLocationRequest) }, setLocationCommand),
		commerceT(func() *pb.SetHoldRulesRequest { return new(pb.SetHoldRulesRequest) }, setRulesCommand),
		commerceT(func() *pb.SetRetentionRequest { return new(pb.SetRetentionRequest) }, setRetentionCommand),
		commerceT(func() *pb.AddInboundRequest { return new(pb.AddInboundRequest) }, addInboundCommand),
		commerceT(func() *pb.ReceiveStockRequest { return new(pb.ReceiveStockRequest) }, receiveStockCommand),
		commerceT(func() *pb.CreateReturnRequest { return new(pb.CreateReturnRequest) }, createReturnCommand),
		commerceT(func() *pb.MarkReadyForPickupRequest { return new(pb.MarkReadyForPickupRequest) }, func(r *pb.MarkReadyForPickupRequest) (commerce.Command, error) {
			return pickupCommand(commerce.CmdReadyForPickup, r.GetOrderId(), r.GetLines(), r.GetRequestId())
		}),
		commerceT(func() *pb.ConfirmPickupRequest { return new(pb.ConfirmPickupRequest) }, func(r *pb.ConfirmPickupRequest) (commerce.Command, error) {
			return pickupCommand(commerce.CmdPickedUp, r.GetOrderId(), r.GetLines(), r.GetRequestId())
		}),
	}
}

// FuzzTranslate decodes arbitrary bytes as a request and translates it. It
// must never panic; an error must be INVALID_ARGUMENT naming at least one
// field; a command must survive the journal's encoding unchanged, and the
// engine must apply it without panicking.
func FuzzTranslate(f *testing.F) {
	seeds := []proto.Message{
		limit("A", "c1", pb.Side_SIDE_BUY, 100, 5),
		&pb.PlaceOrderRequest{Channel: pb.Channel_CHANNEL_WEB, ChannelOrderId: "w1", Customer: "c", ShipTo: paris,
			Lines: []*pb.OrderLineInput{line("A", 2), {Sku: "B", Qty: 1, Currency: "EUR", ReservationId: 3}}},
		&pb.ReceiveReturnRequest{ReturnId: 1, LocationId: 1, Lines: []*pb.LineQty{{Line: 1, Qty: 1, Condition: pb.Condition_CONDITION_DAMAGED}}},
		&pb.SetLocationRequest{Location: &pb.Location{Id: 1, Kind: pb.LocationKind_LOCATION_KIND_STORE, At: paris}},
		&pb.ConfirmShipmentRequest{OrderId: 1, LocationId: 1, Tracking: "T1", Lines: []*pb.LineQty{{Line: 1, Qty: 1}}, RequestId: "s-1"},
		&pb.AdjustStockRequest{Sku: "A", LocationId: 1, Delta: -1, Reason: pb.AdjustReason_ADJUST_REASON_DAMAGE, RequestId: "a-1"},
		&pb.CancelCommerceOrderRequest{OrderId: 1, Lines: []*pb.LineQty{{Line: 1, Qty: 1}}, RequestId: "c-1"},
		&pb.MarkReadyForPickupRequest{OrderId: 1, Lines: []*pb.LineQty{{Line: 1, Qty: 1}}, RequestId: "r-1"},
		&pb.ConfirmPickupRequest{OrderId: 1, RequestId: "p-1"},
	}
	for i, m := range seeds {
		b, err := proto.Marshal(m)
		require.NoError(f, err)
		f.Add(uint8([]int{0, 7, 10, 14, 9, 13, 8, 20, 21}[i]), b)
	}
	ts := translators()
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		tr := ts[int(which)%len(ts)]
		m := tr.msg()
		if proto.Unmarshal(data, m) != nil {
			return
		}
		c, err := tr.run(m)
		if err != nil {
			st := status.Convert(err)
			require.Equal(t, codes.InvalidArgument, st.Code())
			require.NotEmpty(t, fieldsOf(st), "no field named: %v", st.Message())
			return
		}
		var back engine.Command
		require.NoError(t, engine.DecodeCommand(engine.AppendCommand(nil, &c), &back))
		require.Equal(t, engine.AppendCommand(nil, &c), engine.AppendCommand(nil, &back))
		e := engine.New()
		c.Seq, c.Time = 1, 1
		var out engine.Output
		e.Apply(&c, &out)
	})
}

func TestPanicIsInternalWithoutStack(t *testing.T) {
	auth, err := NewAuthenticator(testTokens())
	require.NoError(t, err)
	g := &Gateway{auth: auth, metrics: must(newMetrics(nil)), log: discard()}
	ctx := ctxIncoming(adminTok)
	_, err = g.unaryInterceptor(ctx, nil, &grpc.UnaryServerInfo{FullMethod: "/oms.v1.AdminService/GetStatus"},
		func(context.Context, any) (any, error) { panic("secret detail") })
	st := status.Convert(err)
	require.Equal(t, codes.Internal, st.Code())
	require.NotContains(t, st.Message(), "secret")
}
