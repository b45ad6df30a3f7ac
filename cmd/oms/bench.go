package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ordercore/oms/bench"
	"github.com/ordercore/oms/bench/prefault"
)

// runBench is `oms bench`: open-loop latency benchmarks of the engine, the
// durable path, gRPC and FIX; `oms bench compare a.json b.json` compares
// two runs.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "compare" {
		return runBenchCompare(args[1:], stdout, stderr)
	}
	o, dir, err := benchOptions(args, stderr)
	if err != nil {
		return err
	}
	// As the Go benchmarks: OMS_BENCH_PREFAULT_MB runs the in-process
	// scenarios on a prefaulted heap, as a server with --prefault runs.
	msg, err := prefault.FromEnv()
	if err != nil {
		return err
	}
	if msg != "" {
		fmt.Fprintln(stderr, "oms bench:", msg)
	}
	rec, runErr := bench.Run(ctx, o)
	if rec == nil {
		return runErr
	}
	fmt.Fprint(stdout, rec.Header())
	fmt.Fprintln(stdout)
	if err := bench.WriteTable(stdout, rec.Results); err != nil {
		return err
	}
	if o.FindMax {
		fmt.Fprintf(stdout, "\nhighest offered rate with p99 <= %s:\n", o.MaxP99)
		for _, r := range bench.MaxRates(rec, o.MaxP99) {
			fmt.Fprintf(stdout, "  %-18s %8.0f/s  (p99 %s)\n", r.Name(), r.OfferedRate, bench.FormatLatency(r.P99))
		}
	}
	if err := bench.WriteOutputs(dir, rec, "oms bench "+strings.Join(args, " ")); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nwrote %s (results.json, results.txt, latency.svg, *.hgrm)\n", dir)
	return runErr
}

// benchOptions parses and validates the flags; it returns the options and
// the output directory.
func benchOptions(args []string, stderr io.Writer) (bench.Options, string, error) {
	fs := newFlagSet("bench", "[flags] | compare a.json b.json", stderr)
	short := fs.Bool("short", false, "the quick set, well under a minute: 1.5s runs at low rates (what `make bench` runs)")
	scenarios := fs.String("scenarios", "engine,durable,grpc,fix", "scenarios to run, comma separated: engine, durable, grpc, fix")
	workloads := fs.String("workloads", "trade,commerce", "workloads, comma separated: trade, commerce (fix runs trade only)")
	rates := fs.String("rate", "", "offered rates per second, comma separated, each run in turn (default: per scenario, engine 100000, durable 10000, grpc 4000, fix 200; with --short 20000, 2000, 1000, 50)")
	duration := fs.Duration("duration", 0, "measured time per run (default 10s, 1.5s with --short)")
	warmup := fs.Duration("warmup", 0, "unmeasured time before each run (default 2s, 500ms with --short)")
	workers := fs.Int("workers", 1024, "operations in flight at most for durable and grpc (fix: at most one per session, 16)")
	findMax := fs.Bool("find-max", false, "step the rate up from the first --rate until p99 passes --max-p99")
	maxP99 := fs.Duration("max-p99", time.Millisecond, "the p99 bound of --find-max")
	step := fs.Float64("step", 1.5, "the rate factor between --find-max steps")
	addr := fs.String("addr", "", "benchmark a running server's gRPC address (127.0.0.1 only) instead of one started in process; it writes to that server (locations 1-100, stock, orders): use a scratch one")
	token := fs.String("token", "", "administrator token for --addr (default $OMS_TOKEN)")
	seed := fs.Uint64("seed", 1, "workload seed: the same seed gives the same commands")
	resting := fs.Int("resting", 0, "trade workload: resting orders in the book (default 5000, 2000 with --short)")
	skus := fs.Int("skus", 2000, "commerce workload: catalogue size")
	out := fs.String("out", "", "output directory (default bench/results/<UTC time>, ignored by git)")
	tmp := fs.String("tmp", "", "directory for the journals of durable and in-process servers (default the system temp dir)")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	if err := parseFlags(fs, args); err != nil {
		return bench.Options{}, "", err
	}
	o := bench.Options{Scenarios: splitList(*scenarios), Workloads: splitList(*workloads), Duration: *duration,
		Warmup: *warmup, Workers: *workers, Short: *short, FindMax: *findMax, MaxP99: *maxP99, StepFactor: *step,
		Addr: *addr, Token: *token, TempDir: *tmp, Args: append([]string{"oms", "bench"}, args...),
		Workload: bench.WorkloadConfig{Seed: *seed, Resting: *resting, SKUs: *skus}}
	if o.Token == "" {
		o.Token = os.Getenv("OMS_TOKEN")
	}
	if !*quiet {
		o.Progress = stderr
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join("bench", "results", time.Now().UTC().Format("20060102-150405"))
	}
	return o, dir, checkBenchFlags(&o, *rates)
}

func checkBenchFlags(o *bench.Options, rates string) error {
	if o.Workers <= 0 {
		return fmt.Errorf("--workers %d: must be positive", o.Workers)
	}
	for _, r := range splitList(rates) {
		v, err := strconv.ParseFloat(r, 64)
		if err != nil || v <= 0 {
			return fmt.Errorf("--rate %q: want positive numbers, comma separated", r)
		}
		o.Rates = append(o.Rates, v)
	}
	if o.Addr != "" && o.Token == "" {
		return fmt.Errorf("--addr needs an administrator token: --token or $OMS_TOKEN")
	}
	return o.Validate()
}

func runBenchCompare(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench compare", "a.json b.json", stderr)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(stderr, "oms bench compare: want two results.json files")
		fs.Usage()
		return errUsage
	}
	a, err := bench.ReadRecord(fs.Arg(0))
	if err != nil {
		return err
	}
	b, err := bench.ReadRecord(fs.Arg(1))
	if err != nil {
		return err
	}
	return bench.Compare(stdout, a, b)
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
