package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	pb "github.com/ordercore/oms/proto/omsv1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

func runBook(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runVerbs(ctx, "book", []verb{
		{"depth", "--symbol S [--levels N]", "show an instrument's book", bookDepth},
	}, args, stdout, stderr)
}

func bookDepth(fs *flag.FlagSet) func(context.Context, *client) error {
	var r pb.GetDepthRequest
	var levels uint
	fs.StringVar(&r.Symbol, "symbol", "", "instrument")
	fs.UintVar(&levels, "levels", 10, "levels per side")
	return func(ctx context.Context, c *client) error {
		r.Levels = uint32(levels)
		cctx, cancel := c.call(ctx)
		defer cancel()
		d, err := pb.NewTradingServiceClient(c.conn).GetDepth(cctx, &r)
		if err != nil {
			return callErr(err)
		}
		return c.show(d, []string{"BID_ORDERS", "BID_QTY", "BID", "ASK", "ASK_QTY", "ASK_ORDERS"}, func() [][]string {
			var rows [][]string
			for i := 0; i < max(len(d.GetBids()), len(d.GetAsks())); i++ {
				row := make([]string, 6)
				if i < len(d.GetBids()) {
					b := d.GetBids()[i]
					row[0], row[1], row[2] = itoa(b.GetOrders()), itoa(b.GetQty()), itoa(b.GetPrice())
				}
				if i < len(d.GetAsks()) {
					a := d.GetAsks()[i]
					row[3], row[4], row[5] = itoa(a.GetPrice()), itoa(a.GetQty()), itoa(a.GetOrders())
				}
				rows = append(rows, row)
			}
			return rows
		})
	}
}

func runTail(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runVerbs(ctx, "tail", []verb{
		{"orders", "[--from SEQ] [--channel web | --order-id N | --account A | --trade-order-id N]", "follow order events", tailOrders},
		{"inventory", "[--from SEQ] [--sku S ...]", "follow inventory changes", tailInventory},
		{"market", "[--from SEQ] [--symbol S]", "follow trades and depth changes", tailMarket},
	}, args, stdout, stderr)
}

// follow prints a stream until it ends or ctx is cancelled (Ctrl-C).
func follow[T proto.Message](ctx context.Context, c *client, recv func() (T, error), row func(T) []string, header []string) error {
	tab := streamTable{out: c.out, header: header}
	for {
		m, err := recv()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, io.EOF) || status.Code(err) == codes.Canceled {
				return nil
			}
			return callErr(err)
		}
		if c.json {
			err = c.printJSON(m)
		} else {
			err = tab.row(row(m))
		}
		if err != nil {
			return err
		}
	}
}

func tailOrders(fs *flag.FlagSet) func(context.Context, *client) error {
	var r pb.SubscribeOrdersRequest
	var channel string
	fs.Uint64Var(&r.FromSeq, "from", 0, "resume from this seq (0: from now)")
	fs.StringVar(&channel, "channel", "", "a channel's commerce orders")
	fs.Uint64Var(&r.OrderId, "order-id", 0, "one commerce order")
	fs.StringVar(&r.Account, "account", "", "a trading account's orders")
	fs.Uint64Var(&r.TradeOrderId, "trade-order-id", 0, "one trading order")
	return func(ctx context.Context, c *client) error {
		ch, err := enumArg("channel", channel, "CHANNEL", pb.Channel_value)
		if err != nil {
			return err
		}
		r.Channel = pb.Channel(ch)
		st, err := pb.NewStreamServiceClient(c.conn).SubscribeOrders(c.stream(ctx), &r)
		if err != nil {
			return callErr(err)
		}
		return follow(ctx, c, st.Recv, func(m *pb.OrderEventMessage) []string {
			if e := m.GetCommerce(); e != nil {
				return []string{utoa(m.GetSeq()), "commerce", e.GetKind(), utoa(e.GetOrderId()), e.GetSku(), itoa(e.GetQty()), e.GetReason()}
			}
			e := m.GetTrade()
			return []string{utoa(m.GetSeq()), "trade", e.GetKind(), utoa(e.GetOrder().GetOrderId()), e.GetOrder().GetSymbol(),
				itoa(e.GetLastQty()), e.GetReason()}
		}, []string{"SEQ", "DOMAIN", "EVENT", "ORDER", "SKU/SYMBOL", "QTY", "REASON"})
	}
}

func tailInventory(fs *flag.FlagSet) func(context.Context, *client) error {
	var r pb.SubscribeInventoryRequest
	var skus listFlag
	fs.Uint64Var(&r.FromSeq, "from", 0, "resume from this seq (0: from now)")
	fs.Var(&skus, "sku", "only this SKU (repeat)")
	return func(ctx context.Context, c *client) error {
		r.Skus = skus
		st, err := pb.NewStreamServiceClient(c.conn).SubscribeInventory(c.stream(ctx), &r)
		if err != nil {
			return callErr(err)
		}
		return follow(ctx, c, st.Recv, func(m *pb.InventoryEventMessage) []string {
			e := m.GetEvent()
			return []string{utoa(m.GetSeq()), e.GetKind(), e.GetSku(), itoa(int64(e.GetLocationId())), itoa(e.GetQty()),
				itoa(e.GetStock().GetAtp()), itoa(e.GetStock().GetNetworkAtp())}
		}, []string{"SEQ", "EVENT", "SKU", "LOC", "QTY", "ATP", "NETWORK_ATP"})
	}
}

func tailMarket(fs *flag.FlagSet) func(context.Context, *client) error {
	var r pb.SubscribeMarketDataRequest
	fs.Uint64Var(&r.FromSeq, "from", 0, "resume from this seq (0: from now)")
	fs.StringVar(&r.Symbol, "symbol", "", "only this instrument")
	return func(ctx context.Context, c *client) error {
		st, err := pb.NewStreamServiceClient(c.conn).SubscribeMarketData(c.stream(ctx), &r)
		if err != nil {
			return callErr(err)
		}
		return follow(ctx, c, st.Recv, func(m *pb.MarketDataMessage) []string {
			e := m.GetEvent()
			return []string{utoa(m.GetSeq()), e.GetKind(), e.GetSymbol(), sideName(e.GetSide()), itoa(e.GetLastPx()),
				itoa(e.GetLastQty()), itoa(e.GetCount())}
		}, []string{"SEQ", "EVENT", "SYMBOL", "SIDE", "PRICE", "QTY", "ORDERS"})
	}
}

func runStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("status", "[--addr A] [--token T] [--json]", stderr)
	var cf clientFlags
	cf.register(fs, getenvOS)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c, err := cf.dial(stdout)
	if err != nil {
		return err
	}
	defer c.close()
	cctx, cancel := c.call(ctx)
	defer cancel()
	st, err := pb.NewAdminServiceClient(c.conn).GetStatus(cctx, &pb.GetStatusRequest{})
	if err != nil {
		return callErr(err)
	}
	if c.json {
		return c.printJSON(st)
	}
	_, err = fmt.Fprintf(stdout, "version   %s\nlast_seq  %d\ndigest    %s\n", st.GetVersion(), st.GetLastSeq(), st.GetDigest())
	return err
}

// sideName is a side's name, blank for none (an instrument event).
func sideName(s pb.Side) string {
	if s == pb.Side_SIDE_UNSPECIFIED {
		return ""
	}
	return enumName(s, "SIDE")
}
