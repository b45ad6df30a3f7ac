package main

import (
	"context"
	"fmt"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/engine/commerce"
	"github.com/ordercore/oms/gateway"
	"github.com/ordercore/oms/sequencer"
)

// The demo tokens are public: --demo is for trying the server on a laptop,
// never for production.
const (
	demoAdminToken = "demo-admin-token-0000"
	demoWebToken   = "demo-web-token-00000"
	demoDeskToken  = "demo-desk-token-0000"
)

// The demo accounts match those the FIX demo sessions use.
const (
	demoDesk1 = "DESK1"
	demoDesk2 = "DESK2"
)

func demoTokens() []gateway.Token {
	return []gateway.Token{
		{Token: demoAdminToken, Name: "demo-admin", Admin: true},
		{Token: demoWebToken, Name: "demo-web", Channel: "web"},
		{Token: demoDeskToken, Name: "demo-desk", Accounts: []string{demoDesk1, demoDesk2}},
	}
}

// demoCommands is the demo catalogue: three locations around Paris and
// Lyon, five SKUs with stock, two instruments and two trading accounts.
func demoCommands() []engine.Command {
	var cmds []engine.Command
	com := func(c commerce.Command) { cmds = append(cmds, engine.Command{Kind: engine.KindCommerce, Commerce: c}) }
	trade := func(c book.Command) { cmds = append(cmds, engine.Command{Kind: engine.KindTrade, Trade: c}) }
	locs := []commerce.Location{
		{ID: 1, Kind: commerce.Warehouse, At: commerce.Coord{Lat: 48_856_600, Lon: 2_352_200}, LeadHours: 24, CostPerShipment: 500,
			CostPerKm: 1, Priority: 1, Ships: true, Active: true},
		{ID: 2, Kind: commerce.Warehouse, At: commerce.Coord{Lat: 45_764_000, Lon: 4_835_700}, LeadHours: 24, CostPerShipment: 450,
			CostPerKm: 1, Priority: 2, Ships: true, Active: true},
		{ID: 3, Kind: commerce.Store, At: commerce.Coord{Lat: 48_873_800, Lon: 2_295_000}, LeadHours: 4, Capacity: 50,
			CostPerShipment: 700, CostPerKm: 1, Priority: 3, Pickup: true, ShipFromStore: true, Active: true},
	}
	for _, l := range locs {
		com(commerce.Command{Kind: commerce.CmdSetLocation, Location: l})
	}
	stock := []struct {
		sku string
		qty [3]commerce.Qty
	}{{"TSHIRT-M", [3]commerce.Qty{100, 40, 5}}, {"TSHIRT-L", [3]commerce.Qty{80, 0, 3}}, {"MUG", [3]commerce.Qty{500, 200, 20}},
		{"POSTER", [3]commerce.Qty{0, 30, 0}}, {"HOODIE", [3]commerce.Qty{25, 25, 2}}}
	for _, s := range stock {
		for i, q := range s.qty {
			com(commerce.Command{Kind: commerce.CmdSetStock, SKU: commerce.SKU(s.sku), Loc: commerce.LocationID(i + 1), Qty: q, Version: 1})
		}
	}
	for _, in := range []book.Instrument{
		{Symbol: "ACME", PriceDecimals: 2, TickSize: 1, LotSize: 1, Multiplier: 1, BandBps: 1000, RefPrice: 10_000, State: book.Open},
		{Symbol: "GLOBEX", PriceDecimals: 2, TickSize: 5, LotSize: 10, Multiplier: 1, BandBps: 1000, RefPrice: 25_000, State: book.Open},
	} {
		trade(book.Command{Kind: book.CmdAddInstrument, Symbol: in.Symbol, Instrument: in})
	}
	for _, id := range []string{demoDesk1, demoDesk2} {
		a := book.Account{ID: id, MaxOrderQty: 100_000, MaxOrderNotional: 1_000_000_000_000, CreditLimit: 10_000_000_000_000,
			STP: book.CancelAggressor}
		trade(book.Command{Kind: book.CmdAddAccount, Account: id, Acct: a})
	}
	return cmds
}

// loadDemo submits the demo catalogue; a rejection is an error, since the
// catalogue must load whole.
func loadDemo(ctx context.Context, seq *sequencer.Sequencer) error {
	for _, c := range demoCommands() {
		res, err := seq.Submit(ctx, c)
		if err != nil {
			return err
		}
		for _, e := range res.Trade {
			if e.Kind == book.EvRejected {
				return fmt.Errorf("seq %d: %s rejected: %s", res.Seq, c.Trade.Kind, e.Reason)
			}
		}
		for _, e := range res.Commerce {
			if e.Kind == commerce.EvRejected {
				return fmt.Errorf("seq %d: %s rejected: %s (%s)", res.Seq, c.Commerce.Kind, e.Reason, e.Field)
			}
		}
	}
	return nil
}
