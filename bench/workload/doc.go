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
package workload
