package main

import (
	"context"
	"flag"
	"io"

	pb "github.com/ordercore/oms/proto/omsv1"
)

func runStock(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runVerbs(ctx, "stock", []verb{
		{"set", "--sku S --loc N --on-hand Q --version V", "set the on-hand count of a SKU at a location (a stock sync)", stockSet},
		{"adjust", "--sku S --loc N --delta D --reason damage|found|shrink|correction [--request-id ID]", "adjust stock by a delta (a retry with the same --request-id is applied once)", stockAdjust},
		{"avail", "--sku S [--sku S ...] [--per-location]", "availability (ATP) of SKUs", stockAvail},
	}, args, stdout, stderr)
}

func stockSet(fs *flag.FlagSet) func(context.Context, *client) error {
	var r pb.SetStockRequest
	var loc uint
	fs.StringVar(&r.Sku, "sku", "", "SKU")
	fs.UintVar(&loc, "loc", 0, "location id")
	fs.Int64Var(&r.OnHand, "on-hand", 0, "units on hand")
	fs.Uint64Var(&r.Version, "version", 0, "sync version: must exceed the last one for this SKU and location")
	return func(ctx context.Context, c *client) error {
		r.LocationId = uint32(loc)
		cctx, cancel := c.call(ctx)
		defer cancel()
		res, err := pb.NewCommerceServiceClient(c.conn).SetStock(cctx, &r)
		if err != nil {
			return callErr(err)
		}
		return c.showStockResult(res)
	}
}

func (c *client) showStockResult(res *pb.CommerceCommandResult) error {
	return c.show(res, []string{"SEQ", "SKU", "LOC", "ON_HAND", "ALLOCATED", "RESERVED", "SAFETY", "ATP", "NETWORK_ATP"}, func() [][]string {
		var rows [][]string
		for _, e := range res.GetEvents() {
			if s := e.GetStock(); s != nil {
				rows = append(rows, []string{utoa(res.GetSeq()), e.GetSku(), itoa(int64(e.GetLocationId())), itoa(s.GetOnHand()),
					itoa(s.GetAllocated()), itoa(s.GetReserved()), itoa(s.GetSafety()), itoa(s.GetAtp()), itoa(s.GetNetworkAtp())})
			}
		}
		return rows
	})
}

func stockAdjust(fs *flag.FlagSet) func(context.Context, *client) error {
	var r pb.AdjustStockRequest
	var loc uint
	var reason string
	fs.StringVar(&r.Sku, "sku", "", "SKU")
	fs.UintVar(&loc, "loc", 0, "location id")
	fs.Int64Var(&r.Delta, "delta", 0, "units to add (negative: remove)")
	fs.StringVar(&reason, "reason", "correction", "damage, found, shrink or correction")
	fs.StringVar(&r.RequestId, "request-id", "", "idempotency key: a retry with the same id (same token, same adjustment) is answered as a duplicate and changes nothing")
	return func(ctx context.Context, c *client) error {
		v, err := enumArg("reason", reason, "ADJUST_REASON", pb.AdjustReason_value)
		if err != nil {
			return err
		}
		r.LocationId, r.Reason = uint32(loc), pb.AdjustReason(v)
		cctx, cancel := c.call(ctx)
		defer cancel()
		res, err := pb.NewCommerceServiceClient(c.conn).AdjustStock(cctx, &r)
		if err != nil {
			return callErr(err)
		}
		return c.showStockResult(res)
	}
}

func stockAvail(fs *flag.FlagSet) func(context.Context, *client) error {
	var skus listFlag
	var perLoc bool
	fs.Var(&skus, "sku", "SKU (repeat)")
	fs.BoolVar(&perLoc, "per-location", false, "show each location's levels")
	return func(ctx context.Context, c *client) error {
		cctx, cancel := c.call(ctx)
		defer cancel()
		res, err := pb.NewCommerceServiceClient(c.conn).GetAvailability(cctx, &pb.GetAvailabilityRequest{Skus: skus, PerLocation: perLoc})
		if err != nil {
			return callErr(err)
		}
		return c.show(res, []string{"SKU", "LOC", "ON_HAND", "ALLOCATED", "RESERVED", "ATP"}, func() [][]string {
			var rows [][]string
			for _, s := range res.GetSkus() {
				if !s.GetKnown() {
					rows = append(rows, []string{s.GetSku(), "unknown"})
					continue
				}
				rows = append(rows, []string{s.GetSku(), "all", itoa(s.GetOnHand()), itoa(s.GetAllocated()), itoa(s.GetReserved()), itoa(s.GetNetworkAtp())})
				for _, l := range s.GetLocations() {
					lv := l.GetLevel()
					rows = append(rows, []string{s.GetSku(), itoa(int64(l.GetLocationId())), itoa(lv.GetOnHand()), itoa(lv.GetAllocated()),
						itoa(lv.GetReserved()), itoa(lv.GetAtp())})
				}
			}
			return rows
		})
	}
}
