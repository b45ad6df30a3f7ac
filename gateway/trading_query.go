package gateway

import (
	"context"
	"slices"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/book"
	pb "github.com/ordercore/oms/proto/omsv1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// maxDepth bounds the levels one GetDepth returns.
const maxDepth = 1000

func (s *tradingServer) GetOrder(ctx context.Context, r *pb.GetTradeOrderRequest) (*pb.TradeOrder, error) {
	var v violations
	checkID(&v, "account", r.GetAccount(), r.GetOrderId() == 0)
	checkID(&v, "cl_ord_id", r.GetClOrdId(), false)
	if r.GetOrderId() == 0 && r.GetClOrdId() == "" {
		v.add("order_id", "set order_id, or account and cl_ord_id")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	var o book.OrderState
	var ok bool
	err := s.g.query(ctx, func(e *engine.Engine) {
		if r.GetOrderId() != 0 {
			o, ok = e.Book().Order(book.OrderID(r.GetOrderId()))
		} else {
			o, ok = e.Book().OrderByClOrdID(r.GetAccount(), r.GetClOrdId())
		}
	})
	if err != nil {
		return nil, err
	}
	// An order of an account the caller may not see is reported as not
	// found, so ids cannot be probed.
	if !ok || !principal(ctx).CanTrade(o.Account) || (r.GetAccount() != "" && o.Account != r.GetAccount()) {
		return nil, status.Error(codes.NotFound, "order not found")
	}
	return orderToPB(&o), nil
}

func (s *tradingServer) ListOpenOrders(ctx context.Context, r *pb.ListOpenOrdersRequest) (*pb.ListOpenOrdersResponse, error) {
	var v violations
	checkID(&v, "account", r.GetAccount(), true)
	checkID(&v, "symbol", r.GetSymbol(), false)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := requireAccount(ctx, r.GetAccount()); err != nil {
		return nil, err
	}
	var orders []book.OrderState
	if err := s.g.query(ctx, func(e *engine.Engine) {
		orders = e.Book().OpenOrders(r.GetAccount(), r.GetSymbol(), nil)
	}); err != nil {
		return nil, err
	}
	out := &pb.ListOpenOrdersResponse{Orders: make([]*pb.TradeOrder, len(orders))}
	for i := range orders {
		out.Orders[i] = orderToPB(&orders[i])
	}
	return out, nil
}

// GetDepth is open to every authenticated caller: it is market data.
func (s *tradingServer) GetDepth(ctx context.Context, r *pb.GetDepthRequest) (*pb.Depth, error) {
	var v violations
	checkID(&v, "symbol", r.GetSymbol(), true)
	if r.GetLevels() > maxDepth {
		v.add("levels", "at most 1000")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	n := int(r.GetLevels())
	if n == 0 {
		n = 10
	}
	var bids, asks []book.LevelView
	var last book.Price
	var seq uint64
	var ok bool
	if err := s.g.query(ctx, func(e *engine.Engine) {
		seq = e.LastSeq()
		if bids, asks, ok = e.Book().Depth(r.GetSymbol(), n); ok {
			_, last, _, _ = e.Book().Instrument(r.GetSymbol())
		}
	}); err != nil {
		return nil, err
	}
	if !ok {
		return nil, status.Errorf(codes.NotFound, "instrument %q not found", r.GetSymbol())
	}
	return &pb.Depth{Symbol: r.GetSymbol(), Seq: seq, Bids: levelsToPB(bids), Asks: levelsToPB(asks), LastPrice: int64(last)}, nil
}

func levelsToPB(ls []book.LevelView) []*pb.Level {
	out := make([]*pb.Level, len(ls))
	for i, l := range ls {
		out[i] = &pb.Level{Price: int64(l.Price), Qty: int64(l.Qty), Orders: int64(l.Orders)}
	}
	return out
}

func (s *tradingServer) GetPositions(ctx context.Context, r *pb.GetPositionsRequest) (*pb.GetPositionsResponse, error) {
	var v violations
	checkID(&v, "account", r.GetAccount(), true)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := requireAccount(ctx, r.GetAccount()); err != nil {
		return nil, err
	}
	var ps []book.Position
	var ok bool
	if err := s.g.query(ctx, func(e *engine.Engine) { ps, ok = e.Book().Positions(r.GetAccount()) }); err != nil {
		return nil, err
	}
	if !ok {
		return nil, status.Errorf(codes.NotFound, "account %q not found", r.GetAccount())
	}
	out := &pb.GetPositionsResponse{Positions: make([]*pb.Position, len(ps))}
	for i, p := range ps {
		out.Positions[i] = &pb.Position{Account: r.GetAccount(), Symbol: p.Symbol, Qty: int64(p.Net), BoughtQty: int64(p.Bought),
			SoldQty: int64(p.Sold), BoughtNotional: p.BuyNotional, SoldNotional: p.SellNotional,
			OpenBuyQty: int64(p.OpenBuy), OpenSellQty: int64(p.OpenSell)}
	}
	return out, nil
}

// ListInstruments is open to every authenticated caller.
func (s *tradingServer) ListInstruments(ctx context.Context, _ *pb.ListInstrumentsRequest) (*pb.ListInstrumentsResponse, error) {
	var ins []book.Instrument
	if err := s.g.query(ctx, func(e *engine.Engine) { ins = e.Book().Instruments() }); err != nil {
		return nil, err
	}
	out := &pb.ListInstrumentsResponse{Instruments: make([]*pb.Instrument, len(ins))}
	for i := range ins {
		out.Instruments[i] = instrumentToPB(&ins[i])
	}
	return out, nil
}

// ListAccounts shows an administrator every account and a trader its own.
func (s *tradingServer) ListAccounts(ctx context.Context, _ *pb.ListAccountsRequest) (*pb.ListAccountsResponse, error) {
	p := principal(ctx)
	var as []book.AccountView
	if err := s.g.query(ctx, func(e *engine.Engine) {
		for _, a := range e.Book().Accounts() {
			if p.CanTrade(a.ID) {
				a.Restricted = slices.Clone(a.Restricted) // do not alias the engine
				as = append(as, a)
			}
		}
	}); err != nil {
		return nil, err
	}
	out := &pb.ListAccountsResponse{Accounts: make([]*pb.AccountUsage, len(as))}
	for i := range as {
		out.Accounts[i] = &pb.AccountUsage{Account: accountToPB(&as[i].Account),
			OpenBuyNotional: int64(as[i].OpenBuyNotional), DayBuyNotional: int64(as[i].DayBuyNotional)}
	}
	return out, nil
}
