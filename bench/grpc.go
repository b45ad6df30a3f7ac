package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/engine/commerce"
	"github.com/ordercore/oms/gateway"
	"github.com/ordercore/oms/journal"
	pb "github.com/ordercore/oms/proto/omsv1"
	"github.com/ordercore/oms/sequencer"
)

// checkLoopback refuses any gRPC address that is not 127.0.0.1 (or ::1):
// the benchmark generates load and must never point it at someone else's
// machine by mistake.
func checkLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("bench: addr %q: want host:port: %w", addr, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("bench: addr %q: port %q is not a number", addr, port)
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%w: addr %q is not a loopback IP address", errLoopback, addr)
	}
	return nil
}

// grpcServer is an in-process `oms serve`: journal, sequencer, gateway and
// a gRPC server on 127.0.0.1:0.
type grpcServer struct {
	dir   string
	j     *journal.Journal
	seq   *sequencer.Sequencer
	gw    *gateway.Gateway
	srv   *grpc.Server
	lis   net.Listener
	token string
	done  chan error
}

func startGRPCServer(parent string) (_ *grpcServer, err error) {
	s := &grpcServer{done: make(chan error, 1)}
	s.j, s.seq, s.dir, err = startDurable(parent)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.closeStorage()
		}
	}()
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, err
	}
	s.token = hex.EncodeToString(raw[:])
	auth, err := gateway.NewAuthenticator([]gateway.Token{{Token: s.token, Name: "bench", Admin: true}})
	if err != nil {
		return nil, err
	}
	s.gw, err = gateway.New(gateway.Options{Sequencer: s.seq, Auth: auth, Log: slog.New(slog.DiscardHandler), Version: "bench"})
	if err != nil {
		return nil, err
	}
	s.lis, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: listen: %w", err)
	}
	s.srv = grpc.NewServer(s.gw.ServerOptions()...)
	s.gw.Register(s.srv)
	go func() { s.done <- s.srv.Serve(s.lis) }()
	return s, nil
}

func (s *grpcServer) closeStorage() {
	_ = s.seq.Close()
	_ = s.j.Close()
	_ = os.RemoveAll(s.dir)
}

func (s *grpcServer) close() error {
	s.gw.Drain()
	s.srv.GracefulStop()
	err := <-s.done
	s.closeStorage()
	if err == grpc.ErrServerStopped {
		err = nil
	}
	return err
}

// grpcTarget sends each command as its oms.v1 call and waits for the reply.
// Client order ids, the symbol and channel order ids carry a tag unique to
// the run, so that runs against one long-lived server do not collide.
type grpcTarget struct {
	s      *stream
	server *grpcServer // nil when Addr was given
	conn   *grpc.ClientConn
	trade  pb.TradingServiceClient
	com    pb.CommerceServiceClient
	ctx    context.Context // carries the token
	tag    string
	stock  uint64 // SetStock version for this run
}

func newGRPCTarget(ctx context.Context, s *stream, o *Options) (_ *grpcTarget, err error) {
	t := &grpcTarget{s: s, tag: strconv.FormatInt(time.Now().UnixNano(), 36), stock: uint64(time.Now().UnixNano())}
	addr, token := o.Addr, o.Token
	if addr == "" {
		if t.server, err = startGRPCServer(o.TempDir); err != nil {
			return nil, err
		}
		addr, token = t.server.lis.Addr().String(), t.server.token
	} else if err := checkLoopback(addr); err != nil {
		return nil, err
	}
	t.conn, err = grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()), gateway.ClientCodec())
	if err != nil {
		if t.server != nil {
			_ = t.server.close()
		}
		return nil, fmt.Errorf("bench: dial %s: %w", addr, err)
	}
	t.trade, t.com = pb.NewTradingServiceClient(t.conn), pb.NewCommerceServiceClient(t.conn)
	t.ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	return t, nil
}

func (t *grpcTarget) close() error {
	err := t.conn.Close()
	if t.server != nil {
		if serr := t.server.close(); err == nil {
			err = serr
		}
	}
	return err
}

func (t *grpcTarget) setup(ctx context.Context) error {
	return runPhases(ctx, t.s.setupPhases(), 64, func(ctx context.Context, c *engine.Command) error {
		rejected, _, err := t.call(c)
		if err != nil {
			return err
		}
		if rejected != "" && !(c.Kind == engine.KindTrade && c.Trade.Kind == book.CmdAddAccount) {
			// An account may exist from an earlier run on the same server.
			return fmt.Errorf("setup %v rejected: %s", c.Kind, rejected)
		}
		return nil
	})
}

func (t *grpcTarget) op(i int) error {
	var c engine.Command
	t.s.command(i, &c)
	rejected, id, err := t.call(&c)
	if err != nil {
		return err
	}
	if c.Kind == engine.KindCommerce && c.Commerce.Kind == commerce.CmdPlaceOrder {
		t.s.placed(i, id)
	}
	t.s.reject(i, rejected != "")
	return nil
}

// call sends c and classifies the outcome: a refusal by the engine (the
// status carries an ErrorInfo with the engine's reason) is a measured
// response, returned as its reason; anything else failing is an error.
func (t *grpcTarget) call(c *engine.Command) (rejected string, orderID uint64, err error) {
	if c.Kind == engine.KindTrade {
		_, err = t.callTrade(&c.Trade)
	} else {
		var res *pb.CommerceCommandResult
		res, err = t.callCommerce(&c.Commerce)
		orderID = res.GetOrderId()
	}
	if err == nil {
		return "", orderID, nil
	}
	st := status.Convert(err)
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetReason(), 0, nil
		}
	}
	return "", 0, err
}

func (t *grpcTarget) cl(id string) string {
	if id == "" {
		return ""
	}
	return t.tag + "-" + id
}

func (t *grpcTarget) symbol(s string) string { return s + t.tag }

func (t *grpcTarget) callTrade(c *book.Command) (*pb.TradeCommandResult, error) {
	switch c.Kind {
	case book.CmdAddInstrument:
		in := c.Instrument
		return t.trade.AddInstrument(t.ctx, &pb.AddInstrumentRequest{Instrument: &pb.Instrument{Symbol: t.symbol(in.Symbol),
			PriceDecimals: uint32(in.PriceDecimals), TickSize: int64(in.TickSize), LotSize: int64(in.LotSize),
			Multiplier: in.Multiplier, BandBps: in.BandBps, RefPrice: int64(in.RefPrice), State: pb.TradingState(in.State)}})
	case book.CmdAddAccount:
		a := c.Acct
		return t.trade.AddAccount(t.ctx, &pb.AddAccountRequest{Account: &pb.Account{Id: a.ID, MaxOrderQty: int64(a.MaxOrderQty),
			MaxOrderNotional: int64(a.MaxOrderNotional), CreditLimit: int64(a.CreditLimit), MaxPosition: int64(a.MaxPosition),
			Restricted: a.Restricted, Stp: pb.StpMode(a.STP)}})
	case book.CmdNewOrder:
		return t.trade.NewOrder(t.ctx, &pb.NewOrderRequest{Account: c.Account, Symbol: t.symbol(c.Symbol), ClOrdId: t.cl(c.ClOrdID),
			Side: pb.Side(c.Side), Type: pb.OrdType(c.Type), Tif: pb.TimeInForce(c.TIF), Price: int64(c.Price),
			StopPrice: int64(c.StopPrice), Qty: int64(c.Qty), DisplayQty: int64(c.DisplayQty), PostOnly: c.PostOnly,
			ExpireTimeUnixNano: c.ExpireTime})
	case book.CmdCancel:
		return t.trade.CancelOrder(t.ctx, &pb.CancelOrderRequest{Account: c.Account, OrderId: uint64(c.OrderID),
			OrigClOrdId: t.cl(c.OrigClOrdID), ClOrdId: t.cl(c.ClOrdID)})
	case book.CmdReplace:
		return t.trade.ReplaceOrder(t.ctx, &pb.ReplaceOrderRequest{Account: c.Account, OrderId: uint64(c.OrderID),
			OrigClOrdId: t.cl(c.OrigClOrdID), ClOrdId: t.cl(c.ClOrdID), Price: int64(c.Price), StopPrice: int64(c.StopPrice),
			Qty: int64(c.Qty)})
	}
	return nil, fmt.Errorf("bench: grpc: trade command %s not in the workload", c.Kind)
}

func coordPB(c commerce.Coord) *pb.Coord { return &pb.Coord{Lat: int32(c.Lat), Lon: int32(c.Lon)} }

func (t *grpcTarget) callCommerce(c *commerce.Command) (*pb.CommerceCommandResult, error) {
	switch c.Kind {
	case commerce.CmdSetLocation:
		l := c.Location
		return t.com.SetLocation(t.ctx, &pb.SetLocationRequest{Location: &pb.Location{Id: uint32(l.ID), Kind: pb.LocationKind(l.Kind),
			At: coordPB(l.At), LeadHours: l.LeadHours, Capacity: l.Capacity, CostPerShipment: int64(l.CostPerShipment),
			CostPerKm: int64(l.CostPerKm), Priority: l.Priority, Ships: l.Ships, Pickup: l.Pickup, ShipFromStore: l.ShipFromStore,
			Active: l.Active}})
	case commerce.CmdSetStock:
		return t.com.SetStock(t.ctx, &pb.SetStockRequest{Sku: string(c.SKU), LocationId: uint32(c.Loc), OnHand: int64(c.Qty),
			Version: t.stock})
	case commerce.CmdReceive:
		return t.com.ReceiveStock(t.ctx, &pb.ReceiveStockRequest{Sku: string(c.SKU), LocationId: uint32(c.Loc), Qty: int64(c.Qty)})
	case commerce.CmdCancel:
		return t.com.CancelOrder(t.ctx, &pb.CancelCommerceOrderRequest{OrderId: uint64(c.Order)})
	case commerce.CmdPlaceOrder:
		r := &pb.PlaceOrderRequest{Channel: pb.Channel(c.Channel), ChannelOrderId: t.cl(c.ChannelOrderID), Customer: c.Customer,
			PickupStore: uint32(c.PickupStore), ShipComplete: c.ShipComplete, Priority: uint32(c.Priority),
			Payment: pb.PaymentStatus(c.Payment), Lines: make([]*pb.OrderLineInput, len(c.Lines))}
		if c.PickupStore == 0 {
			r.ShipTo = coordPB(c.ShipTo)
		}
		for k, l := range c.Lines {
			r.Lines[k] = &pb.OrderLineInput{Sku: string(l.SKU), Qty: int64(l.Qty), UnitPrice: int64(l.UnitPrice), Currency: l.Currency}
		}
		return t.com.PlaceOrder(t.ctx, r)
	}
	return nil, fmt.Errorf("bench: grpc: commerce command %s not in the workload", c.Kind)
}
