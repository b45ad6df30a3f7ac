package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ordercore/oms/bench"
	pb "github.com/ordercore/oms/proto/omsv1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
)

// loadFlags are the flags of `oms load`.
type loadFlags struct {
	clients  int
	rates    string
	duration time.Duration
	warmup   time.Duration
	mode     string
	skus     int
	hot      bool
	workers  int
}

// runLoad is `oms load`: an open-loop place-order load against a running
// server over gRPC, from --clients connections, at each offered rate in
// turn, reporting throughput and latency percentiles (latency runs from
// each order's scheduled send time, so queueing counts). It defines its own
// locations (901-903) and SKUs (LOAD-0..) with ample stock first, so every
// order goes through full sourcing; it needs an administrator token.
func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("load", "[--clients 64] [--rate 1000,5000] [--duration 10s] [--mode stream|unary] [--hot]", stderr)
	var cf clientFlags
	cf.register(fs, getenvOS)
	var f loadFlags
	fs.IntVar(&f.clients, "clients", 64, "gRPC connections (each a client)")
	fs.StringVar(&f.rates, "rate", "1000,2000,4000,8000", "offered orders per second, comma separated, one run each")
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "measured time per run")
	fs.DurationVar(&f.warmup, "warmup", 2*time.Second, "unmeasured time before each run")
	fs.StringVar(&f.mode, "mode", "stream", "stream (OrderEntryService, pipelined) or unary (CommerceService.PlaceOrder)")
	fs.IntVar(&f.skus, "skus", 2000, "catalogue size; orders pick SKUs round robin")
	fs.BoolVar(&f.hot, "hot", false, "every order is for one SKU")
	fs.IntVar(&f.workers, "workers", 2048, "orders in flight at most")
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
	c, err := cf.dial(stdout)
	if err != nil {
		return err
	}
	defer c.close()
	if err := loadSetup(ctx, c, f.skus); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	fmt.Fprintf(stdout, "%s, %d clients, %s, %d SKUs%s\n", f.mode, f.clients, cf.addr, f.skus, map[bool]string{true: " (hot: one SKU)"}[f.hot])
	fmt.Fprintf(stdout, "%9s %10s %8s %9s %9s %9s %9s %9s\n", "offered/s", "achieved/s", "errors", "p50", "p90", "p99", "p99.9", "max")
	for _, rate := range rates {
		if err := loadRun(ctx, &cf, &f, rate, stdout); err != nil {
			return err
		}
	}
	return nil
}

func (f *loadFlags) validate() ([]float64, error) {
	var rates []float64
	for _, s := range strings.Split(f.rates, ",") {
		r, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || r <= 0 {
			return nil, fmt.Errorf("--rate: %q is not a positive number", s)
		}
		rates = append(rates, r)
	}
	switch {
	case f.clients < 1:
		return nil, errors.New("--clients: must be at least 1")
	case f.mode != "stream" && f.mode != "unary":
		return nil, fmt.Errorf("--mode: want stream or unary, got %q", f.mode)
	case f.skus < 1:
		return nil, errors.New("--skus: must be at least 1")
	case f.duration <= 0 || f.warmup < 0:
		return nil, errors.New("--duration must be positive and --warmup not negative")
	}
	return rates, nil
}

// loadSetup defines three shipping locations and the SKUs with a billion
// units at each.
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
	for s := range skus {
		for loc := uint32(901); loc <= 903; loc++ {
			if _, err := cc.SetStock(cctx, &pb.SetStockRequest{Sku: "LOAD-" + strconv.Itoa(s), LocationId: loc,
				OnHand: 1_000_000_000, Version: version}); err != nil {
				return callErr(err)
			}
		}
	}
	return nil
}

// loadRun drives one rate and prints its line.
func loadRun(ctx context.Context, cf *clientFlags, f *loadFlags, rate float64, stdout io.Writer) error {
	conns := make([]*client, f.clients)
	for i := range conns {
		c, err := cf.dial(io.Discard)
		if err != nil {
			return err
		}
		defer c.close()
		conns[i] = c
	}
	tag := strconv.FormatInt(time.Now().UnixNano(), 36)
	order := func(i int) *pb.PlaceOrderRequest {
		sku := "LOAD-0"
		if !f.hot {
			sku = "LOAD-" + strconv.Itoa(i%f.skus)
		}
		return &pb.PlaceOrderRequest{Channel: pb.Channel_CHANNEL_WEB, ChannelOrderId: tag + "-" + strconv.Itoa(i),
			Customer: "load-" + strconv.Itoa(i%10_000), ShipTo: &pb.Coord{Lat: 48_850_000, Lon: 2_350_000},
			Lines: []*pb.OrderLineInput{{Sku: sku, Qty: 1, UnitPrice: 1999, Currency: "EUR"}}}
	}
	op, stop, err := loadOp(ctx, f.mode, conns, order)
	if err != nil {
		return err
	}
	defer stop()
	l := bench.Load{Rate: rate, Ops: int(rate * f.duration.Seconds()), Warmup: int(rate * f.warmup.Seconds()), Workers: f.workers}
	out, err := bench.Drive(ctx, newLoadClock(), l, op, nil, time.Second)
	if err != nil {
		return err
	}
	s := bench.Summarise(out.Hist)
	sat := ""
	if out.Saturated {
		sat = "  saturated"
	}
	_, err = fmt.Fprintf(stdout, "%9.0f %10.0f %8d %9s %9s %9s %9s %9s%s\n", rate, out.Throughput(), out.Errors,
		bench.FormatLatency(s.P50), bench.FormatLatency(s.P90), bench.FormatLatency(s.P99), bench.FormatLatency(s.P999),
		bench.FormatLatency(s.Max), sat)
	if out.FirstErr != nil {
		fmt.Fprintf(stdout, "first error: %v\n", out.FirstErr)
	}
	return err
}

// loadOp returns the operation that places order i: a unary call on
// connection i mod clients, or a request on that connection's entry
// stream, matched to its response by id.
func loadOp(ctx context.Context, mode string, conns []*client, order func(int) *pb.PlaceOrderRequest) (bench.Op, func(), error) {
	if mode == "unary" {
		return func(i int) error {
			c := conns[i%len(conns)]
			cctx, cancel := c.call(ctx)
			defer cancel()
			_, err := pb.NewCommerceServiceClient(c.conn).PlaceOrder(cctx, order(i))
			return err
		}, func() {}, nil
	}
	streams := make([]*entryStream, len(conns))
	sctx, cancel := context.WithCancel(ctx)
	for i, c := range conns {
		st, err := pb.NewOrderEntryServiceClient(c.conn).Entry(c.stream(sctx))
		if err != nil {
			cancel()
			return nil, nil, callErr(err)
		}
		streams[i] = newEntryStream(st)
	}
	return func(i int) error {
		return streams[i%len(streams)].place(uint64(i)+1, order(i))
	}, cancel, nil
}

// entryStream multiplexes synchronous place calls over one entry stream.
type entryStream struct {
	st      grpc.BidiStreamingClient[pb.EntryRequest, pb.EntryResponse]
	sendMu  sync.Mutex
	mu      sync.Mutex
	waiting map[uint64]chan *pb.EntryResponse
	err     error // set when the stream ended
}

func newEntryStream(st grpc.BidiStreamingClient[pb.EntryRequest, pb.EntryResponse]) *entryStream {
	s := &entryStream{st: st, waiting: map[uint64]chan *pb.EntryResponse{}}
	go s.receive()
	return s
}

func (s *entryStream) receive() {
	for {
		r, err := s.st.Recv()
		s.mu.Lock()
		if err != nil {
			s.err = err
			for id, ch := range s.waiting {
				close(ch)
				delete(s.waiting, id)
			}
			s.mu.Unlock()
			return
		}
		ch := s.waiting[r.GetRequestId()]
		delete(s.waiting, r.GetRequestId())
		s.mu.Unlock()
		if ch != nil {
			ch <- r
		}
	}
}

func (s *entryStream) place(id uint64, r *pb.PlaceOrderRequest) error {
	ch := make(chan *pb.EntryResponse, 1)
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return s.err
	}
	s.waiting[id] = ch
	s.mu.Unlock()
	s.sendMu.Lock()
	err := s.st.Send(&pb.EntryRequest{RequestId: id, Command: &pb.EntryRequest_PlaceOrder{PlaceOrder: r}})
	s.sendMu.Unlock()
	if err != nil {
		return err
	}
	resp, ok := <-ch
	if !ok {
		return s.err
	}
	if e := resp.GetError(); e != nil {
		return fmt.Errorf("%s: %s", codes.Code(e.GetCode()), e.GetMessage())
	}
	return nil
}

// loadClock is the wall clock for bench.Drive: it sleeps until 100µs
// before each send time and yields from there, since timer wake-ups on a
// busy machine are late by more than the latencies measured.
type loadClock struct{ origin time.Time }

func newLoadClock() loadClock { return loadClock{origin: time.Now()} }

func (c loadClock) Now() time.Duration { return time.Since(c.origin) }

func (c loadClock) SleepUntil(t time.Duration) {
	const spin = 100 * time.Microsecond
	if d := t - c.Now(); d > spin {
		time.Sleep(d - spin)
	}
	for c.Now() < t {
		runtime.Gosched()
	}
}
