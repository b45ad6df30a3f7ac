package gateway

import (
	"context"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/book"
	pb "github.com/ordercore/oms/proto/omsv1"
	"github.com/ordercore/oms/sequencer"
)

type tradingServer struct {
	pb.UnimplementedTradingServiceServer
	g *Gateway
}

// runTrade submits a trading command and turns its events into a result.
// A rejection by the engine becomes an error status carrying the reason;
// the command is journaled all the same.
func (g *Gateway) runTrade(ctx context.Context, c book.Command) (*pb.TradeCommandResult, error) {
	res, err := g.submit(ctx, engine.Command{Kind: engine.KindTrade, Trade: c})
	if err != nil {
		return nil, err
	}
	return tradeResult(principal(ctx), res)
}

// tradeResult reports a command's events as p may see them: a desk sees
// its own orders, never the counterparty's account or order.
func tradeResult(p *Principal, res *sequencer.Result) (*pb.TradeCommandResult, error) {
	out := &pb.TradeCommandResult{Seq: res.Seq, TimeUnixNano: res.Time}
	for i := range res.Trade {
		e := &res.Trade[i]
		switch e.Kind {
		case book.EvRejected, book.EvCancelRejected:
			return nil, tradeReject(e.Reason, res.Seq)
		case book.EvLevel, book.EvInstrument, book.EvAccount, book.EvEndOfDay, book.EvMassCanceled:
		case book.EvExpired:
			// Never the order the command addresses: GTD orders that
			// came due expire before any trading command (maybe another
			// account's), Day orders at end of day.
		default:
			// The first order event is about the order the command
			// addresses; later trades update it (as taker).
			if out.Order == nil || uint64(e.Order.ID) == out.Order.OrderId {
				out.Order = orderToPB(&e.Order)
			}
		}
		if v := tradeView(p, e, false); v != nil {
			out.Events = append(out.Events, v)
		}
	}
	return out, nil
}

func (s *tradingServer) admin(ctx context.Context, c book.Command, err error) (*pb.TradeCommandResult, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	return s.g.runTrade(ctx, c)
}

func (s *tradingServer) AddInstrument(ctx context.Context, r *pb.AddInstrumentRequest) (*pb.TradeCommandResult, error) {
	c, err := adminTradeCommand(book.CmdAddInstrument, r.GetInstrument(), nil)
	return s.admin(ctx, c, err)
}

func (s *tradingServer) UpdateInstrument(ctx context.Context, r *pb.UpdateInstrumentRequest) (*pb.TradeCommandResult, error) {
	c, err := adminTradeCommand(book.CmdUpdateInstrument, r.GetInstrument(), nil)
	return s.admin(ctx, c, err)
}

func (s *tradingServer) SetTradingState(ctx context.Context, r *pb.SetTradingStateRequest) (*pb.TradeCommandResult, error) {
	c, err := tradingStateCommand(r)
	return s.admin(ctx, c, err)
}

func (s *tradingServer) AddAccount(ctx context.Context, r *pb.AddAccountRequest) (*pb.TradeCommandResult, error) {
	c, err := adminTradeCommand(book.CmdAddAccount, nil, r.GetAccount())
	return s.admin(ctx, c, err)
}

func (s *tradingServer) UpdateAccount(ctx context.Context, r *pb.UpdateAccountRequest) (*pb.TradeCommandResult, error) {
	c, err := adminTradeCommand(book.CmdUpdateAccount, nil, r.GetAccount())
	return s.admin(ctx, c, err)
}

func (s *tradingServer) EndOfDay(ctx context.Context, r *pb.EndOfDayRequest) (*pb.TradeCommandResult, error) {
	c, err := endOfDayCommand(r)
	return s.admin(ctx, c, err)
}

// order runs an order-entry command after checking the token may act for
// its account.
func (s *tradingServer) order(ctx context.Context, c book.Command, err error) (*pb.TradeCommandResult, error) {
	if err != nil {
		return nil, err
	}
	if err := requireAccount(ctx, c.Account); err != nil {
		return nil, err
	}
	return s.g.runTrade(ctx, c)
}

func (s *tradingServer) NewOrder(ctx context.Context, r *pb.NewOrderRequest) (*pb.TradeCommandResult, error) {
	c, err := newOrderCommand(r)
	return s.order(ctx, c, err)
}

func (s *tradingServer) CancelOrder(ctx context.Context, r *pb.CancelOrderRequest) (*pb.TradeCommandResult, error) {
	c, err := cancelCommand(r)
	return s.order(ctx, c, err)
}

func (s *tradingServer) ReplaceOrder(ctx context.Context, r *pb.ReplaceOrderRequest) (*pb.TradeCommandResult, error) {
	c, err := replaceCommand(r)
	return s.order(ctx, c, err)
}

func (s *tradingServer) MassCancel(ctx context.Context, r *pb.MassCancelRequest) (*pb.TradeCommandResult, error) {
	c, err := massCancelCommand(r)
	return s.order(ctx, c, err)
}

// tradeView returns e as p may see it, or nil when p may see none of it.
// Level, instrument and end-of-day events are public; account events go to
// the account's holders. A trade shows the side p owns: the taker's view
// (makerSide false) or, when p owns only the resting order or makerSide
// asks for it, the maker's, with the maker's order and execution id. The
// other side's account and order stay hidden unless p owns both.
func tradeView(p *Principal, e *book.Event, makerSide bool) *pb.TradeEvent {
	switch e.Kind {
	case book.EvLevel, book.EvInstrument, book.EvEndOfDay:
		return tradeEventToPB(e)
	case book.EvAccount:
		if p.CanTrade(e.Order.Account) {
			return tradeEventToPB(e)
		}
		return nil
	}
	ownsTaker := e.Order.Account == "" || p.CanTrade(e.Order.Account)
	if e.Kind != book.EvTrade {
		if ownsTaker {
			return tradeEventToPB(e)
		}
		return nil
	}
	ownsMaker := p.CanTrade(e.Maker.Account)
	switch {
	case ownsTaker && ownsMaker && !makerSide:
		return tradeEventToPB(e)
	case ownsTaker && !makerSide:
		v := tradeEventToPB(e)
		v.Maker, v.MakerExecId = nil, 0
		return v
	case ownsMaker:
		return &pb.TradeEvent{Kind: e.Kind.String(), ExecId: uint64(e.MakerExecID), Order: orderToPB(&e.Maker),
			TradeId: e.TradeID, LastQty: int64(e.LastQty), LastPx: int64(e.LastPx), Symbol: e.Maker.Symbol}
	}
	return nil
}
