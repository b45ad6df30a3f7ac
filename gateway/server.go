package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/commerce"
	pb "github.com/ordercore/oms/proto/omsv1"
	"github.com/ordercore/oms/sequencer"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"
)

// Options configure a Gateway.
type Options struct {
	// Sequencer owns the engine; every command and query goes through it.
	// Required.
	Sequencer *sequencer.Sequencer
	// Auth maps bearer tokens to principals. Required.
	Auth *Authenticator
	// Log receives one line per failed call and every recovered panic.
	// Nil discards.
	Log *slog.Logger
	// Registry receives the gateway's Prometheus metrics. Nil registers
	// nothing.
	Registry prometheus.Registerer
	// StreamBuffer is the number of results a subscription may lag before
	// it is ended as a slow consumer (it can resume). Zero means 4096.
	StreamBuffer int
	// Version is reported by AdminService.GetStatus.
	Version string
}

// Gateway serves the oms.v1 gRPC API on top of a sequencer.
type Gateway struct {
	seq      *sequencer.Sequencer
	auth     *Authenticator
	log      *slog.Logger
	metrics  *metrics
	health   *health.Server
	buffer   int
	version  string
	draining atomic.Bool
	drained  chan struct{} // closed by Drain: streams end
	drainOne sync.Once
}

// New validates o and returns a gateway; call Register to serve it.
func New(o Options) (*Gateway, error) {
	if o.Sequencer == nil {
		return nil, errors.New("gateway: Options.Sequencer is required")
	}
	if o.Auth == nil {
		return nil, errors.New("gateway: Options.Auth is required")
	}
	if o.StreamBuffer < 0 {
		return nil, fmt.Errorf("gateway: Options.StreamBuffer %d: must not be negative", o.StreamBuffer)
	}
	if o.StreamBuffer == 0 {
		o.StreamBuffer = 4096
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(o.Registry)
	if err != nil {
		return nil, err
	}
	return &Gateway{seq: o.Sequencer, auth: o.Auth, log: o.Log, metrics: m, health: health.NewServer(),
		buffer: o.StreamBuffer, version: o.Version, drained: make(chan struct{})}, nil
}

// Transport tuning, for many small calls that each wait about a journal
// sync.
const (
	// streamWorkers is how many goroutines gRPC keeps to run calls. A call
	// on a fresh goroutine grows its stack by copying, which cost a tenth
	// of the server's CPU under load; a pooled one keeps its grown stack.
	// Each call waits for a journal sync, so many wait at once; beyond
	// this many, gRPC starts a goroutine per call as it does by default.
	streamWorkers = 256
	// windowSize and connWindowSize are the HTTP/2 flow-control windows.
	// Setting them turns off gRPC's bandwidth estimator, which pings the
	// peer as data arrives: an extra frame (and write) per burst, useless
	// for calls of a few hundred bytes on a local network.
	windowSize     = 1 << 20
	connWindowSize = 1 << 23
)

// ServerOptions returns the interceptors the gateway needs (metrics, panic
// recovery, draining and authentication, in that order) and the transport
// settings it is tuned for (see streamWorkers). Do not add a stats handler
// that keeps the messages it is shown: entry streams reuse a reply's
// storage once Send has returned (see replyBuf; with grpc.EnableTracing
// they do not). Replies are marshalled by Codec.
func (g *Gateway) ServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ForceServerCodecV2(Codec()),
		grpc.ChainUnaryInterceptor(g.unaryInterceptor),
		grpc.ChainStreamInterceptor(g.streamInterceptor),
		grpc.NumStreamWorkers(streamWorkers),
		grpc.InitialWindowSize(windowSize),
		grpc.InitialConnWindowSize(connWindowSize),
	}
}

// Register registers the oms.v1 services, grpc.health.v1 and server
// reflection on s. s must have been built with ServerOptions.
func (g *Gateway) Register(s *grpc.Server) {
	ts, cs := &tradingServer{g: g}, &commerceServer{g: g}
	pb.RegisterTradingServiceServer(s, ts)
	pb.RegisterCommerceServiceServer(s, cs)
	pb.RegisterOrderEntryServiceServer(s, &entryServer{g: g, ts: ts, cs: cs})
	pb.RegisterStreamServiceServer(s, &streamServer{g: g})
	pb.RegisterAdminServiceServer(s, &adminServer{g: g})
	healthpb.RegisterHealthServer(s, g.health)
	reflection.Register(s)
	for _, name := range []string{"", pb.TradingService_ServiceDesc.ServiceName, pb.CommerceService_ServiceDesc.ServiceName,
		pb.StreamService_ServiceDesc.ServiceName, pb.AdminService_ServiceDesc.ServiceName,
		pb.OrderEntryService_ServiceDesc.ServiceName} {
		g.health.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
}

// Drain makes every new call fail with Unavailable and reports NOT_SERVING
// on the health service, so that load balancers move away; calls already
// running finish and streams end with Unavailable and the sequence number
// to resume from. Call it before grpc.Server.GracefulStop.
func (g *Gateway) Drain() {
	g.drainOne.Do(func() {
		g.draining.Store(true)
		g.health.Shutdown()
		close(g.drained)
	})
}

// public reports whether a method needs no token: health checks and
// reflection, so that probes and grpcurl work out of the box.
func public(method string) bool {
	return strings.HasPrefix(method, "/grpc.health.v1.Health/") ||
		strings.HasPrefix(method, "/grpc.reflection.v1.ServerReflection/") ||
		strings.HasPrefix(method, "/grpc.reflection.v1alpha.ServerReflection/")
}

func (g *Gateway) admit(ctx context.Context, method string) (context.Context, error) {
	if public(method) {
		return ctx, nil
	}
	if g.draining.Load() {
		return ctx, status.Error(codes.Unavailable, "server shutting down")
	}
	p, err := g.auth.Authenticate(ctx)
	if err != nil {
		return ctx, err
	}
	return withPrincipal(ctx, p), nil
}

func (g *Gateway) unaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			g.log.Error("panic in handler", "method", info.FullMethod, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			resp, err = nil, status.Error(codes.Internal, "internal error")
		}
		g.observe(ctx, info.FullMethod, start, err)
	}()
	ctx, err = g.admit(ctx, info.FullMethod)
	if err != nil {
		return nil, err
	}
	return h(ctx, req)
}

type wrappedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (w *wrappedStream) Context() context.Context { return w.ctx }

func (g *Gateway) streamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) (err error) {
	start := time.Now()
	ctx := ss.Context()
	defer func() {
		if r := recover(); r != nil {
			g.log.Error("panic in stream handler", "method", info.FullMethod, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = status.Error(codes.Internal, "internal error")
		}
		// ctx: the admitted one, with the principal, once admit ran.
		g.observe(ctx, info.FullMethod, start, err)
	}()
	ctx, err = g.admit(ctx, info.FullMethod)
	if err != nil {
		return err
	}
	return h(srv, &wrappedStream{ServerStream: ss, ctx: ctx})
}

func (g *Gateway) observe(ctx context.Context, method string, start time.Time, err error) {
	code := status.Code(err)
	g.metrics.observe(method, code, time.Since(start))
	if err != nil && code != codes.Canceled {
		lvl := slog.LevelInfo
		if code == codes.Internal || code == codes.Unknown {
			lvl = slog.LevelError
		}
		who := ""
		if p, ok := ctx.Value(principalKey{}).(*Principal); ok {
			who = p.Name
		}
		g.log.Log(ctx, lvl, "call failed", "method", method, "code", code.String(), "principal", who, "err", status.Convert(err).Message())
	}
}

// submit sends one command through the sequencer and maps its errors.
func (g *Gateway) submit(ctx context.Context, c engine.Command) (*sequencer.Result, error) {
	res, err := g.seq.Submit(ctx, c)
	if err != nil {
		if c.Kind == engine.KindCommerce && c.Commerce.Kind == commerce.CmdPlaceOrder {
			return nil, placeErr(err)
		}
		return nil, seqErr(err)
	}
	return res, nil
}

// query runs fn on the engine goroutine and maps its errors.
func (g *Gateway) query(ctx context.Context, fn func(*engine.Engine)) error {
	if err := g.seq.Query(ctx, fn); err != nil {
		return seqErr(err)
	}
	return nil
}
