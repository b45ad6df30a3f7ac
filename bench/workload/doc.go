// Package workload generates realistic, deterministic command streams for
// benchmarks: the same seed always gives the same commands.
//
// Trading streams model a venue's message mix: a mid price that drifts, a
// book of thousands of resting orders around it, mostly replaces and cancels,
// and a share of small marketable orders. The generator runs its own engine
// while generating, so every cancel and replace addresses a live order.
//
//	w := workload.NewTrade(workload.TradeConfig{Seed: 1, Resting: 1000, Commands: 1 << 20})
//	eng := book.New()
//	for i := range w.Setup { eng.Apply(&w.Setup[i], 0, nil) }
//	for i := range w.Steady { eng.Apply(&w.Steady[i], 0, nil) }
//
// Commerce streams model a retailer's order flow over a network of 100
// locations (warehouses, 3PLs, stores): orders of 1 to 5 lines over a large
// catalogue with Zipf-skewed popularity (a few hot SKUs take most demand),
// store pickups, stock receipts and cancellations of earlier orders mixed in.
// The generator also runs its own engine, so cancels address orders that
// exist; PlacedBy links each cancel to the command that placed its order.
//
//	c := workload.NewCommerce(workload.CommerceConfig{Seed: 1, Commands: 100000})
//
// Guarantees: the same config gives the same Setup and Steady, byte for
// byte; Setup applied to an empty engine is accepted in full.
package workload
