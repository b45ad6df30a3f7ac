package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	pb "github.com/ordercore/oms/proto/omsv1"
)

func runOrder(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runVerbs(ctx, "order", []verb{
		{"place", "--channel web --id W-1 --customer C --ship-to LAT,LON --line SKU:QTY:PRICE:CUR ...", "place a commerce order (idempotent by channel and id)", orderPlace},
		{"get", "--id N | --channel web --channel-order-id W-1", "show an order and its lines", orderGet},
		{"list", "[--customer C] [--channel web] [--status s] [--page-size N] [--page-token T]", "list orders", orderList},
		{"cancel", "--id N [--line LINE:QTY ...] [--request-id ID]", "cancel an order or some of its lines (a retry with the same --request-id is applied once)", orderCancel},
	}, args, stdout, stderr)
}

// orderLineArg parses SKU:QTY[:PRICE[:CURRENCY]] (price in minor units).
func orderLineArg(s string) (*pb.OrderLineInput, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 4 {
		return nil, fmt.Errorf("--line %q: want SKU:QTY[:PRICE[:CURRENCY]]", s)
	}
	l := &pb.OrderLineInput{Sku: parts[0], Currency: "EUR"}
	var err error
	if l.Qty, err = strconv.ParseInt(parts[1], 10, 64); err != nil {
		return nil, fmt.Errorf("--line %q: quantity: %w", s, err)
	}
	if len(parts) > 2 {
		if l.UnitPrice, err = strconv.ParseInt(parts[2], 10, 64); err != nil {
			return nil, fmt.Errorf("--line %q: price in minor units: %w", s, err)
		}
	}
	if len(parts) > 3 {
		l.Currency = parts[3]
	}
	return l, nil
}

func orderPlace(fs *flag.FlagSet) func(context.Context, *client) error {
	var channel, id, customer, shipTo string
	var pickup uint
	var shipComplete bool
	var lines listFlag
	fs.StringVar(&channel, "channel", "web", "sales channel: web, marketplace, store, call-centre, b2b")
	fs.StringVar(&id, "id", "", "the channel's order id (idempotency key)")
	fs.StringVar(&customer, "customer", "", "customer id")
	fs.StringVar(&shipTo, "ship-to", "", "delivery point LAT,LON in degrees")
	fs.UintVar(&pickup, "pickup-store", 0, "pick up in this store instead of shipping")
	fs.BoolVar(&shipComplete, "ship-complete", false, "one shipment or none")
	fs.Var(&lines, "line", "SKU:QTY[:PRICE[:CURRENCY]] (repeat)")
	return func(ctx context.Context, c *client) error {
		ch, err := enumArg("channel", channel, "CHANNEL", pb.Channel_value)
		if err != nil {
			return err
		}
		req := &pb.PlaceOrderRequest{Channel: pb.Channel(ch), ChannelOrderId: id, Customer: customer,
			PickupStore: uint32(pickup), ShipComplete: shipComplete}
		if shipTo != "" {
			lat, lon, err := parseCoord("ship-to", shipTo)
			if err != nil {
				return err
			}
			req.ShipTo = &pb.Coord{Lat: lat, Lon: lon}
		}
		for _, s := range lines {
			l, err := orderLineArg(s)
			if err != nil {
				return err
			}
			req.Lines = append(req.Lines, l)
		}
		cctx, cancel := c.call(ctx)
		defer cancel()
		res, err := pb.NewCommerceServiceClient(c.conn).PlaceOrder(cctx, req)
		if err != nil {
			return callErr(err)
		}
		return c.showCommerceResult(res)
	}
}

func (c *client) showCommerceResult(res *pb.CommerceCommandResult) error {
	return c.show(res, []string{"SEQ", "ORDER", "EVENT", "LINE", "SKU", "LOC", "QTY", "DETAIL"}, func() [][]string {
		var rows [][]string
		for _, e := range res.GetEvents() {
			detail := e.GetHold()
			if e.GetDuplicate() {
				detail = strings.TrimSpace(detail + " duplicate")
			}
			if e.GetStatus() != 0 {
				detail = strings.TrimSpace(detail + " " + statusName(e.GetStatus()))
			}
			qty := itoa(e.GetQty())
			if st := e.GetStock(); st != nil {
				// A stock event's news is the level, not a quantity.
				qty = ""
				detail = strings.TrimSpace(detail + " atp=" + itoa(st.GetAtp()) + " network_atp=" + itoa(st.GetNetworkAtp()))
			}
			rows = append(rows, []string{utoa(res.GetSeq()), nz(e.GetOrderId()), e.GetKind(), nz(uint64(e.GetLine())),
				e.GetSku(), nz(uint64(e.GetLocationId())), qty, detail})
		}
		return rows
	})
}

func statusName(s pb.OrderStatus) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(s.String(), "ORDER_STATUS_"), "_", "-"))
}

func orderGet(fs *flag.FlagSet) func(context.Context, *client) error {
	var id uint64
	var channel, chID string
	fs.Uint64Var(&id, "id", 0, "order id")
	fs.StringVar(&channel, "channel", "", "channel, with --channel-order-id")
	fs.StringVar(&chID, "channel-order-id", "", "the channel's order id")
	return func(ctx context.Context, c *client) error {
		ch, err := enumArg("channel", channel, "CHANNEL", pb.Channel_value)
		if err != nil {
			return err
		}
		cctx, cancel := c.call(ctx)
		defer cancel()
		o, err := pb.NewCommerceServiceClient(c.conn).GetOrder(cctx, &pb.GetOrderRequest{OrderId: id, Channel: pb.Channel(ch), ChannelOrderId: chID})
		if err != nil {
			return callErr(err)
		}
		return c.showOrders([]*pb.CommerceOrder{o})
	}
}

func (c *client) showOrders(orders []*pb.CommerceOrder) error {
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
		for _, l := range o.GetLines() {
			rows = append(rows, []string{utoa(o.GetOrderId()), o.GetChannelOrderId(), o.GetCustomer(), statusName(o.GetStatus()),
				o.GetHold(), itoa(int64(l.GetLine())), l.GetSku(), itoa(l.GetQty()), itoa(l.GetAllocated()), itoa(l.GetBackordered()),
				itoa(l.GetShipped()), itoa(l.GetCancelled()), statusName(l.GetStatus())})
		}
	}
	return c.table([]string{"ORDER", "CHANNEL_ID", "CUSTOMER", "STATUS", "HOLD", "LINE", "SKU", "QTY", "ALLOC", "BACKORD",
		"SHIPPED", "CANCELLED", "LINE_STATUS"}, rows)
}

func orderList(fs *flag.FlagSet) func(context.Context, *client) error {
	var customer, channel, st, token string
	var size uint
	fs.StringVar(&customer, "customer", "", "only this customer's orders")
	fs.StringVar(&channel, "channel", "", "only this channel's orders")
	fs.StringVar(&st, "status", "", "only orders in this status (e.g. backordered)")
	fs.UintVar(&size, "page-size", 50, "orders per page (at most 1000)")
	fs.StringVar(&token, "page-token", "", "next_page_token of the previous page")
	return func(ctx context.Context, c *client) error {
		ch, err := enumArg("channel", channel, "CHANNEL", pb.Channel_value)
		if err != nil {
			return err
		}
		stv, err := enumArg("status", st, "ORDER_STATUS", pb.OrderStatus_value)
		if err != nil {
			return err
		}
		cctx, cancel := c.call(ctx)
		defer cancel()
		res, err := pb.NewCommerceServiceClient(c.conn).ListOrders(cctx, &pb.ListOrdersRequest{Customer: customer,
			Channel: pb.Channel(ch), Status: pb.OrderStatus(stv), PageSize: uint32(size), PageToken: token})
		if err != nil {
			return callErr(err)
		}
		if c.json {
			return c.printJSON(res)
		}
		if err := c.showOrders(res.GetOrders()); err != nil {
			return err
		}
		if res.GetNextPageToken() != "" {
			fmt.Fprintf(c.out, "more: --page-token %s\n", res.GetNextPageToken())
		}
		return nil
	}
}

func orderCancel(fs *flag.FlagSet) func(context.Context, *client) error {
	var id uint64
	var lines listFlag
	fs.Uint64Var(&id, "id", 0, "order id")
	fs.Var(&lines, "line", "LINE:QTY to cancel (repeat; none cancels every open unit)")
	var requestID string
	fs.StringVar(&requestID, "request-id", "", "idempotency key: a retry with the same id (same token, same cancel) is answered as a duplicate and changes nothing")
	return func(ctx context.Context, c *client) error {
		if id == 0 {
			return errors.New("--id: required")
		}
		lq, err := lineQtys("line", lines)
		if err != nil {
			return err
		}
		req := &pb.CancelCommerceOrderRequest{OrderId: id, RequestId: requestID}
		for _, l := range lq {
			req.Lines = append(req.Lines, &pb.LineQty{Line: uint32(l[0]), Qty: l[1]})
		}
		cctx, cancel := c.call(ctx)
		defer cancel()
		res, err := pb.NewCommerceServiceClient(c.conn).CancelOrder(cctx, req)
		if err != nil {
			return callErr(err)
		}
		return c.showCommerceResult(res)
	}
}
