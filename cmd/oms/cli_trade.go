package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"strings"

	pb "github.com/ordercore/oms/proto/omsv1"
)

func runTrade(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runVerbs(ctx, "trade", []verb{
		{"new", "--account A --symbol S --clordid ID --side buy|sell --qty N [--price P] [--type limit] [--tif day]", "enter a trading order", tradeNew},
		{"cancel", "--account A (--order-id N | --orig-clordid ID) --clordid ID", "cancel a trading order", tradeCancel},
		{"get", "(--order-id N | --account A --clordid ID)", "show a trading order", tradeGet},
		{"open", "--account A [--symbol S]", "list an account's open orders", tradeOpen},
	}, args, stdout, stderr)
}

func tradeNew(fs *flag.FlagSet) func(context.Context, *client) error {
	var r pb.NewOrderRequest
	var side, typ, tif string
	fs.StringVar(&r.Account, "account", "", "trading account")
	fs.StringVar(&r.Symbol, "symbol", "", "instrument")
	fs.StringVar(&r.ClOrdId, "clordid", "", "client order id")
	fs.StringVar(&side, "side", "", "buy or sell")
	fs.StringVar(&typ, "type", "limit", "limit, market, stop or stop-limit")
	fs.StringVar(&tif, "tif", "day", "day, gtc, gtd, ioc or fok")
	fs.Int64Var(&r.Price, "price", 0, "limit price in price units")
	fs.Int64Var(&r.StopPrice, "stop-price", 0, "stop trigger price in price units")
	fs.Int64Var(&r.Qty, "qty", 0, "quantity")
	fs.Int64Var(&r.DisplayQty, "display-qty", 0, "iceberg peak (0: all shown)")
	fs.BoolVar(&r.PostOnly, "post-only", false, "reject rather than take liquidity")
	return func(ctx context.Context, c *client) error {
		s, err := enumArg("side", side, "SIDE", pb.Side_value)
		if err != nil {
			return err
		}
		t, err := enumArg("type", typ, "ORD_TYPE", pb.OrdType_value)
		if err != nil {
			return err
		}
		f, err := enumArg("tif", tif, "TIME_IN_FORCE", pb.TimeInForce_value)
		if err != nil {
			return err
		}
		r.Side, r.Type, r.Tif = pb.Side(s), pb.OrdType(t), pb.TimeInForce(f)
		cctx, cancel := c.call(ctx)
		defer cancel()
		res, err := pb.NewTradingServiceClient(c.conn).NewOrder(cctx, &r)
		if err != nil {
			return callErr(err)
		}
		return c.showTradeResult(res)
	}
}

func enumName(s fmtStringer, prefix string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(s.String(), prefix+"_"), "_", "-"))
}

type fmtStringer interface{ String() string }

func (c *client) showTradeResult(res *pb.TradeCommandResult) error {
	return c.show(res, []string{"SEQ", "EVENT", "ORDER", "CLORDID", "STATUS", "LAST_QTY", "LAST_PX", "CUM", "LEAVES", "REASON"}, func() [][]string {
		var rows [][]string
		for _, e := range res.GetEvents() {
			o := e.GetOrder()
			if o.GetOrderId() == 0 {
				// A depth change (level) names no order: LAST_QTY and
				// LAST_PX are the level's quantity and price.
				rows = append(rows, []string{utoa(res.GetSeq()), e.GetKind(), "", "", "", itoa(e.GetLastQty()),
					itoa(e.GetLastPx()), "", "", e.GetReason()})
				continue
			}
			rows = append(rows, []string{utoa(res.GetSeq()), e.GetKind(), utoa(o.GetOrderId()), o.GetClOrdId(),
				enumName(o.GetStatus(), "ORD_STATUS"), itoa(e.GetLastQty()), itoa(e.GetLastPx()), itoa(o.GetCumQty()),
				itoa(o.GetLeavesQty()), e.GetReason()})
		}
		return rows
	})
}

func tradeCancel(fs *flag.FlagSet) func(context.Context, *client) error {
	var r pb.CancelOrderRequest
	fs.StringVar(&r.Account, "account", "", "trading account")
	fs.Uint64Var(&r.OrderId, "order-id", 0, "the order's id")
	fs.StringVar(&r.OrigClOrdId, "orig-clordid", "", "or its client order id")
	fs.StringVar(&r.ClOrdId, "clordid", "", "the cancel's client order id (required, as for trade new)")
	return func(ctx context.Context, c *client) error {
		if r.ClOrdId == "" {
			return errors.New("--clordid: required (the cancel's own client order id)")
		}
		cctx, cancel := c.call(ctx)
		defer cancel()
		res, err := pb.NewTradingServiceClient(c.conn).CancelOrder(cctx, &r)
		if err != nil {
			return callErr(err)
		}
		return c.showTradeResult(res)
	}
}

func (c *client) showTradeOrders(orders []*pb.TradeOrder) error {
	if c.json {
		for _, o := range orders {
			if err := c.printJSON(o); err != nil {
				return err
			}
		}
		return nil
	}
	var rows [][]string
	for _, o := range orders {
		rows = append(rows, []string{utoa(o.GetOrderId()), o.GetAccount(), o.GetSymbol(), o.GetClOrdId(), enumName(o.GetSide(), "SIDE"),
			enumName(o.GetType(), "ORD_TYPE"), itoa(o.GetPrice()), itoa(o.GetQty()), itoa(o.GetCumQty()), itoa(o.GetLeavesQty()),
			enumName(o.GetStatus(), "ORD_STATUS")})
	}
	return c.table([]string{"ORDER", "ACCOUNT", "SYMBOL", "CLORDID", "SIDE", "TYPE", "PRICE", "QTY", "CUM", "LEAVES", "STATUS"}, rows)
}

func tradeGet(fs *flag.FlagSet) func(context.Context, *client) error {
	var r pb.GetTradeOrderRequest
	fs.StringVar(&r.Account, "account", "", "trading account (with --clordid)")
	fs.Uint64Var(&r.OrderId, "order-id", 0, "the order's id")
	fs.StringVar(&r.ClOrdId, "clordid", "", "or its client order id")
	return func(ctx context.Context, c *client) error {
		cctx, cancel := c.call(ctx)
		defer cancel()
		o, err := pb.NewTradingServiceClient(c.conn).GetOrder(cctx, &r)
		if err != nil {
			return callErr(err)
		}
		return c.showTradeOrders([]*pb.TradeOrder{o})
	}
}

func tradeOpen(fs *flag.FlagSet) func(context.Context, *client) error {
	var r pb.ListOpenOrdersRequest
	fs.StringVar(&r.Account, "account", "", "trading account")
	fs.StringVar(&r.Symbol, "symbol", "", "only this instrument")
	return func(ctx context.Context, c *client) error {
		cctx, cancel := c.call(ctx)
		defer cancel()
		res, err := pb.NewTradingServiceClient(c.conn).ListOpenOrders(cctx, &r)
		if err != nil {
			return callErr(err)
		}
		return c.showTradeOrders(res.GetOrders())
	}
}
