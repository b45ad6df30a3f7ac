package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	pb "github.com/ordercore/oms/proto/omsv1"
	"google.golang.org/grpc"
)

// loadFlags are the flags of `oms load`.
type loadFlags struct {
	clients    int
	conns      int
	rates      string
	duration   time.Duration
	warmup     time.Duration
	mode       string
	skus       int
	hot        bool
	pipeline   int
	maxLag     time.Duration
	serverPID  int
	cpuProfile string
}

// runLoad is `oms load`: place-order load against a running server over
// gRPC from --clients concurrent clients, at each offered rate in turn,
// reporting throughput, HdrHistogram latency percentiles and the CPU the
// generator (and, with --server-pid, the server) used. See loadClient for
// how the rate is paced and latency measured. It defines its own locations
// (901-903) and SKUs (LOAD-0..) with ample stock first, so every order goes
// through full sourcing; it needs an administrator token.
func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("load", "[--clients 64] [--conns 64] [--rate 10000,max] [--duration 10s] [--mode unary|stream] [--hot-sku]", stderr)
	var cf clientFlags
	cf.register(fs, getenvOS)
	var f loadFlags
	fs.IntVar(&f.clients, "clients", 64, "concurrent clients; each has --pipeline orders in flight at most")
	fs.IntVar(&f.conns, "conns", 0, "gRPC connections the clients share round robin (0: one per client)")
	fs.StringVar(&f.rates, "rate", "1000,2000,4000,8000", "offered orders per second in total, comma separated, one run each; max: no pacing")
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "measured time per run")
	fs.DurationVar(&f.warmup, "warmup", 2*time.Second, "unmeasured time before each run")
	fs.StringVar(&f.mode, "mode", "unary", "unary (CommerceService.PlaceOrder) or stream (OrderEntryService, one stream per client)")
	fs.IntVar(&f.skus, "skus", 2000, "catalogue size; orders pick SKUs round robin")
	fs.BoolVar(&f.hot, "hot-sku", false, "every order is for one SKU (LOAD-0)")
	fs.BoolVar(&f.hot, "hot", false, "same as --hot-sku")
	fs.IntVar(&f.pipeline, "pipeline", 1, "stream mode: orders in flight per client")
	fs.DurationVar(&f.maxLag, "max-lag", 5*time.Second, "stop a run as saturated when a client falls this far behind its schedule")
	fs.IntVar(&f.serverPID, "server-pid", 0, "also report this local process's CPU (read from /proc), e.g. oms serve's")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write the generator's own CPU profile to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rates, err := f.validate()
	if err != nil {
		return err
	}
	// Load is for this machine's server only, never someone else's.
	if host, _, err := net.SplitHostPort(cf.addr); err != nil || net.ParseIP(host) == nil || !net.ParseIP(host).IsLoopback() {
		return fmt.Errorf("--addr %q: oms load only targets a loopback address such as 127.0.0.1:50051", cf.addr)
	}
	conns, err := dialLoad(&cf, f.conns)
	if err != nil {
		return err
	}
	defer func() {
		for _, c := range conns {
			c.close()
		}
	}()
	if err := loadSetup(ctx, conns[0], f.skus); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	printLoadHeader(stdout, &cf, &f)
	for _, rate := range rates {
		if err := loadRun(ctx, conns, &f, cf.timeout, rate, stdout); err != nil {
			return err
		}
	}
	return nil
}

func (f *loadFlags) validate() ([]float64, error) {
	var rates []float64
	for _, s := range strings.Split(f.rates, ",") {
		s = strings.TrimSpace(s)
		if s == "max" {
			rates = append(rates, 0)
			continue
		}
		r, err := strconv.ParseFloat(s, 64)
		if err != nil || r <= 0 {
			return nil, fmt.Errorf("--rate: %q is neither a positive number nor max", s)
		}
		rates = append(rates, r)
	}
	if f.conns == 0 {
		f.conns = f.clients
	}
	switch {
	case f.clients < 1:
		return nil, errors.New("--clients: must be at least 1")
	case f.conns < 1 || f.conns > f.clients:
		return nil, fmt.Errorf("--conns %d: must be from 1 to --clients (%d), or 0 for one per client", f.conns, f.clients)
	case f.mode != "stream" && f.mode != "unary":
		return nil, fmt.Errorf("--mode: want stream or unary, got %q", f.mode)
	case f.pipeline < 1 || f.pipeline > maxPipeline || (f.pipeline > 1 && f.mode != "stream"):
		return nil, fmt.Errorf("--pipeline: must be from 1 to %d, and more than 1 only with --mode stream", maxPipeline)
	case f.skus < 1:
		return nil, errors.New("--skus: must be at least 1")
	case f.duration <= 0 || f.warmup < 0:
		return nil, errors.New("--duration must be positive and --warmup not negative")
	case f.maxLag <= 0:
		return nil, errors.New("--max-lag: must be positive")
	case f.serverPID < 0:
		return nil, errors.New("--server-pid: must be a process id")
	}
	return rates, nil
}

// dialLoad opens n connections to the server. Fixed flow-control windows
// turn off gRPC's bandwidth estimator and its pings, as on the server.
func dialLoad(cf *clientFlags, n int) ([]*client, error) {
	conns := make([]*client, 0, n)
	for range n {
		c, err := cf.dial(io.Discard, grpc.WithInitialWindowSize(1<<20), grpc.WithInitialConnWindowSize(1<<23))
		if err != nil {
			for _, c := range conns {
				c.close()
			}
			return nil, err
		}
		conns = append(conns, c)
	}
	return conns, nil
}

func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }, nil
}

func printLoadHeader(w io.Writer, cf *clientFlags, f *loadFlags) {
	hot := ""
	if f.hot {
		hot = " (hot SKU: every order for LOAD-0)"
	}
	pipe := ""
	if f.pipeline > 1 {
		pipe = fmt.Sprintf(", %d in flight each", f.pipeline)
	}
	fmt.Fprintf(w, "%s, %d clients%s over %d connections, %s, %d SKUs%s\n", f.mode, f.clients, pipe, f.conns, cf.addr, f.skus, hot)
	fmt.Fprintf(w, "%9s %10s %7s %8s %8s %8s %8s %8s %7s %8s %7s %8s\n", "offered/s", "achieved/s", "errors",
		"p50", "p90", "p99", "p99.9", "max", "gen-cpu", "gen/op", "srv-cpu", "srv/op")
}

// loadSetup defines three shipping locations and the SKUs with a billion
// units at each, eight calls at a time.
func loadSetup(ctx context.Context, c *client, skus int) error {
	cc := pb.NewCommerceServiceClient(c.conn)
	cctx, cancel := context.WithTimeout(c.stream(ctx), 5*time.Minute)
	defer cancel()
	at := []*pb.Coord{{Lat: 48_856_600, Lon: 2_352_200}, {Lat: 45_764_000, Lon: 4_835_700}, {Lat: 43_296_500, Lon: 5_369_800}}
	for i, a := range at {
		if _, err := cc.SetLocation(cctx, &pb.SetLocationRequest{Location: &pb.Location{Id: uint32(901 + i),
			Kind: pb.LocationKind_LOCATION_KIND_WAREHOUSE, At: a, LeadHours: 24, CostPerShipment: 500, CostPerKm: 1,
			Priority: int32(i + 1), Ships: true, Active: true}}); err != nil {
			return callErr(err)
		}
	}
	version := uint64(time.Now().UnixNano()) // above any earlier run's
	const workers = 8
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for s := w; s < skus && errs[w] == nil; s += workers {
				for loc := uint32(901); loc <= 903; loc++ {
					if _, err := cc.SetStock(cctx, &pb.SetStockRequest{Sku: "LOAD-" + strconv.Itoa(s), LocationId: loc,
						OnHand: 1_000_000_000, Version: version}); err != nil {
						errs[w] = callErr(err)
						break
					}
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
