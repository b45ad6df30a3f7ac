package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/fix"
	"github.com/ordercore/oms/gateway"
	"github.com/ordercore/oms/journal"
	"github.com/ordercore/oms/sequencer"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// version is reported by AdminService.GetStatus.
const version = "0.1.0-dev"

// runServe is `oms serve`: it runs the server until SIGINT or SIGTERM.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(args, os.Getenv, stderr)
	if err != nil {
		return err
	}
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return err
	}
	if err := applyMemory(cfg, os.Getenv); err != nil {
		return err
	}
	srv, err := startServer(ctx, cfg, log)
	if err != nil {
		return err
	}
	startPrefault(cfg, log) // recovery is done: the state is in memory
	fmt.Fprintf(stdout, "oms serving gRPC on %s (data in %s)\n", srv.GRPCAddr(), cfg.DataDir)
	<-ctx.Done()
	log.Info("signal received: shutting down", "cause", context.Cause(ctx))
	return srv.Shutdown()
}

func newLogger(cfg Config, w io.Writer) (*slog.Logger, error) {
	lvl, err := parseLevel(cfg.LogLevel)
	if err != nil {
		return nil, fmt.Errorf("config: log_level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

// server is a running `oms serve`. Every goroutine it starts is started
// through go, so that Shutdown can wait for it.
type server struct {
	cfg  Config
	log  *slog.Logger
	j    *journal.Journal
	seq  *sequencer.Sequencer
	gw   *gateway.Gateway
	grpc *grpc.Server
	lis  net.Listener
	http *http.Server
	hlis net.Listener
	fix  *fix.Gateway // nil when FIX is off
	// batches are the journal's histograms; nil when metrics are off.
	batches *batchMetrics
	// fixAddr is the FIX acceptor's address.
	fixAddr string
	stop    chan struct{} // closed by Shutdown: background loops end
	wg      sync.WaitGroup

	shutdownOnce sync.Once
	shutdownErr  error
}

func (s *server) goroutine(f func()) {
	s.wg.Add(1)
	go func() { defer s.wg.Done(); f() }()
}

// GRPCAddr is the address gRPC listens on (useful with port 0).
func (s *server) GRPCAddr() string { return s.lis.Addr().String() }

// MetricsAddr is the metrics address, or "" when disabled.
func (s *server) MetricsAddr() string {
	if s.hlis == nil {
		return ""
	}
	return s.hlis.Addr().String()
}

// startServer opens the journal, recovers the engine, starts the sequencer
// and serves gRPC and metrics. On error everything opened is closed.
func startServer(ctx context.Context, cfg Config, log *slog.Logger) (_ *server, err error) {
	s := &server{cfg: cfg, log: log, stop: make(chan struct{})}
	if cfg.MetricsAddr != "" {
		s.batches = newBatchMetrics()
	}
	defer func() {
		if err != nil {
			s.closeStorage()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("config: data_dir: %w", err)
	}
	// The engine belongs to the sequencer's goroutine once openStorage
	// returns (it may tick at once): only what recovery left is read here.
	recovered, err := s.openStorage()
	if err != nil {
		return nil, err
	}
	if cfg.Demo && recovered == 0 {
		if err := loadDemo(ctx, s.seq); err != nil {
			return nil, fmt.Errorf("demo catalogue: %w", err)
		}
		log.Info("demo catalogue loaded")
	}
	if err := applyRetention(ctx, s.seq, cfg, log); err != nil {
		return nil, err
	}
	tokens, err := s.tokens()
	if err != nil {
		return nil, err
	}
	auth, err := gateway.NewAuthenticator(tokens)
	if err != nil {
		return nil, fmt.Errorf("config: tokens: %w", err)
	}
	reg := prometheus.NewRegistry()
	s.gw, err = gateway.New(gateway.Options{Sequencer: s.seq, Auth: auth, Log: log, Registry: reg,
		StreamBuffer: cfg.StreamBuffer, Version: version})
	if err != nil {
		return nil, err
	}
	if err := s.startFIX(); err != nil {
		return nil, err
	}
	if err := s.serveGRPC(); err != nil {
		return nil, err
	}
	if err := s.serveMetrics(reg); err != nil {
		s.grpc.Stop()
		return nil, err
	}
	if cfg.SnapshotInterval > 0 {
		s.goroutine(s.snapshotLoop)
	}
	log.Info("serving", "grpc", s.GRPCAddr(), "fix", s.fixAddr, "metrics", s.MetricsAddr(), "data_dir", cfg.DataDir,
		"last_seq", s.j.LastSeq(), "tls", cfg.TLSCert != "")
	return s, nil
}

// openStorage opens the journal, recovers the engine from it, and starts
// the sequencer, which owns the engine from then on. It returns the last
// seq recovered.
func (s *server) openStorage() (uint64, error) {
	j, err := journal.Open(filepath.Join(s.cfg.DataDir, "journal"), journal.Options{Logger: s.log,
		RetainCommands: uint64(s.cfg.RetainCommands), KeepSnapshots: s.cfg.KeepSnapshots})
	if err != nil {
		return 0, err
	}
	s.j = j
	e := engine.New()
	st, err := j.Recover(e, journal.ReplayOptions{AnyRules: s.cfg.ReplayOtherRules})
	if err != nil {
		return 0, err
	}
	if st.OtherRules != 0 {
		s.log.Warn("recovered commands journaled under other engine rules with this build's (replay_other_rules)",
			"commands", st.OtherRules, "first_seq", st.FirstOtherRules, "rules", j.Rules())
	}
	s.log.Info("recovered", "snapshot_seq", st.SnapshotSeq, "replayed", st.Replayed, "last_seq", st.LastSeq,
		"snapshot_time", st.SnapshotTime, "replay_time", st.ReplayTime)
	// ResumeFromJournal: a stream may resume from any seq the journal can
	// rebuild, not only from the ring (which a restart empties).
	so := sequencer.Options{InboxSize: s.cfg.InboxSize, MaxBatch: s.cfg.MaxBatch, RingSize: s.cfg.RingSize, Logger: s.log,
		ResumeFromJournal: true, TickEvery: time.Duration(s.cfg.TickInterval)}
	if s.batches != nil {
		so.OnBatch = s.batches.observe
	}
	s.seq, err = sequencer.New(e, j, so)
	if err != nil {
		return 0, err
	}
	s.seq.Start()
	return st.LastSeq, nil
}

// tokens returns the configured tokens, the demo tokens with --demo, and,
// when there are none, an administrator token kept in data_dir/admin.token
// (created on first start, mode 0600) so that a bare `oms serve` is usable
// and still closed to anyone who cannot read the data directory.
func (s *server) tokens() ([]gateway.Token, error) {
	tokens := append([]gateway.Token(nil), s.cfg.Tokens...)
	if s.cfg.Demo {
		tokens = append(tokens, demoTokens()...)
		s.log.Info("demo tokens", "admin", demoAdminToken, "web_channel", demoWebToken, "desk", demoDeskToken)
	}
	if len(tokens) > 0 {
		return tokens, nil
	}
	path := filepath.Join(s.cfg.DataDir, "admin.token")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		var raw [24]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return nil, err
		}
		b = []byte(hex.EncodeToString(raw[:]) + "\n")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
		s.log.Info("created an administrator token", "file", path)
	} else if err != nil {
		return nil, err
	}
	return []gateway.Token{{Token: strings.TrimSpace(string(b)), Name: "admin-file", Admin: true}}, nil
}

func (s *server) serveGRPC() error {
	opts := s.gw.ServerOptions()
	if s.cfg.TLSCert != "" {
		creds, err := credentials.NewServerTLSFromFile(s.cfg.TLSCert, s.cfg.TLSKey)
		if err != nil {
			return fmt.Errorf("config: tls_cert/tls_key: %w", err)
		}
		opts = append(opts, grpc.Creds(creds))
	}
	lis, err := net.Listen("tcp", s.cfg.GRPCAddr)
	if err != nil {
		return fmt.Errorf("config: grpc_addr: %w", err)
	}
	s.lis = lis
	s.grpc = grpc.NewServer(opts...)
	s.gw.Register(s.grpc)
	s.goroutine(func() {
		if err := s.grpc.Serve(lis); err != nil {
			s.log.Error("grpc server stopped", "err", err)
		}
	})
	return nil
}

func (s *server) serveMetrics(reg *prometheus.Registry) error {
	if s.cfg.MetricsAddr == "" {
		return nil
	}
	states := newOrderStates(s.seq, s.log)
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newEngineCollector(s.seq, states))
	reg.MustRegister(s.batches.collectors()...)
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	if s.cfg.Pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	lis, err := net.Listen("tcp", s.cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("config: metrics_addr: %w", err)
	}
	s.goroutine(func() { states.run(s.stop) })
	s.hlis = lis
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	s.goroutine(func() {
		if err := s.http.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("metrics server stopped", "err", err)
		}
	})
	return nil
}

func (s *server) snapshotLoop() {
	t := time.NewTicker(time.Duration(s.cfg.SnapshotInterval))
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			seq, err := s.seq.Snapshot(context.Background())
			if err != nil {
				s.log.Error("periodic snapshot failed", "err", err)
				continue
			}
			s.log.Info("snapshot taken", "seq", seq)
		}
	}
}

// Shutdown stops the server in order: refuse new calls, drain those in
// flight (up to shutdown_timeout), take a snapshot, stop the sequencer, and
// close the journal. It is idempotent.
func (s *server) Shutdown() error {
	s.shutdownOnce.Do(func() {
		close(s.stop)
		s.gw.Drain()
		done := make(chan struct{})
		go func() { s.grpc.GracefulStop(); close(done) }()
		select {
		case <-done:
		case <-time.After(time.Duration(s.cfg.ShutdownTimeout)):
			s.log.Warn("drain timed out: cancelling the calls left")
			s.grpc.Stop()
		}
		if s.http != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = s.http.Shutdown(ctx)
			cancel()
		}
		if s.fix != nil {
			if err := s.fix.Close(); err != nil {
				s.log.Error("FIX gateway close", "err", err)
			}
		}
		if seq, err := s.seq.Snapshot(context.Background()); err != nil {
			s.log.Error("shutdown snapshot failed", "err", err)
		} else {
			s.log.Info("shutdown snapshot taken", "seq", seq)
		}
		s.shutdownErr = s.closeStorage()
		s.wg.Wait()
		s.log.Info("stopped")
	})
	return s.shutdownErr
}

// closeStorage closes the FIX gateway (which needs the sequencer), the
// sequencer, then the journal.
func (s *server) closeStorage() error {
	var errs []error
	if s.fix != nil {
		errs = append(errs, s.fix.Close())
	}
	if s.seq != nil {
		errs = append(errs, s.seq.Close())
	}
	if s.j != nil {
		errs = append(errs, s.j.Close())
	}
	return errors.Join(errs...)
}
