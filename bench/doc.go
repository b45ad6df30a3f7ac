// Package bench measures the order engine's latency the way a client sees
// it: open-loop load at a fixed offered rate, every latency in an
// HdrHistogram, results recorded with the machine and commit they were
// measured on. `oms bench` (cmd/oms) is its command line.
//
// Scenarios, each for the trading and the commerce workload (FIX: trading
// only), from package workload's deterministic streams:
//   - engine: the core alone (engine.Engine.Apply) on one goroutine;
//   - durable: the sequencer and the Pebble journal in a temporary
//     directory: group commit and fsync before each reply;
//   - grpc: the oms.v1 API end to end, against a server started in process
//     on 127.0.0.1:0 (journal, sequencer, gateway) or one given by address;
//   - fix: QuickFIX/Go initiator sessions against the FIX gateway's
//     acceptor in process, each request waiting for its first report.
//
// Usage:
//
//	rec, err := bench.Run(ctx, bench.Options{Scenarios: []string{"engine"}, Rates: []float64{50000}})
//	err = bench.WriteOutputs("bench/results/x", rec, "title") // table, .hgrm, SVG, JSON
//	err = bench.Compare(os.Stdout, a, b)                      // two records
//
// Guarantees:
//   - No coordinated omission: operation i is scheduled at start + i/rate,
//     and its latency runs from that scheduled time to its response, so time
//     spent queued behind a slow response (in the driver or the system) is
//     counted. A system that falls more than MaxLag behind is stopped and
//     its result marked saturated rather than measured for ever.
//   - Only 127.0.0.1 (or another loopback address) is ever a target.
//   - The same seed gives the same commands; setup (the book's resting
//     orders, the network's locations and stock) is never timed.
//   - Every result carries the machine (CPU model, cores, memory), Go
//     version, VCS commit and the parameters, so two runs can be compared.
package bench
