package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ordercore/oms/engine/commerce"
	"github.com/ordercore/oms/gateway"
)

// Config is the server's configuration. Every key can be set in a JSON
// file (--config, or OMS_CONFIG), in the environment (OMS_ and the key in
// upper case, e.g. OMS_GRPC_ADDR), and by a flag (--grpc-addr); a flag
// beats the environment, which beats the file, which beats the default.
// Tokens are set in the file only: secrets do not belong in argv.
type Config struct {
	// DataDir holds the journal and snapshots. Default ./data.
	DataDir string `json:"data_dir"`
	// GRPCAddr is the gRPC listen address. Default 127.0.0.1:50051.
	GRPCAddr string `json:"grpc_addr"`
	// FIXAddr is the FIX acceptor's listen address; empty disables FIX.
	// Default 127.0.0.1:9878.
	FIXAddr string `json:"fix_addr"`
	// FIXConfig is a QuickFIX settings file (see fix/testdata/sample.cfg)
	// whose sessions the FIX acceptor serves on FIXAddr. Without it FIX is
	// off, unless Demo serves the two demo desks.
	FIXConfig string `json:"fix_config"`
	// MetricsAddr serves /metrics (Prometheus) and, with Pprof,
	// /debug/pprof/; empty disables it. Default 127.0.0.1:9090.
	MetricsAddr string `json:"metrics_addr"`
	// Pprof serves the Go profiler on MetricsAddr. Default false.
	Pprof bool `json:"pprof"`
	// TLSCert and TLSKey are PEM files; with both set gRPC uses TLS.
	TLSCert string `json:"tls_cert"`
	TLSKey  string `json:"tls_key"`
	// LogLevel is debug, info, warn or error. Default info.
	LogLevel string `json:"log_level"`
	// LogFormat is text or json. Default text.
	LogFormat string `json:"log_format"`
	// Demo loads the demo catalogue into an empty journal and adds the demo
	// tokens. Default false.
	Demo bool `json:"demo"`
	// Tokens are the bearer tokens. With none (and no demo), the server
	// creates an administrator token in DataDir/admin.token.
	Tokens []gateway.Token `json:"tokens"`
	// InboxSize bounds the commands waiting for the journal; beyond it
	// calls fail with RESOURCE_EXHAUSTED. Default 8192.
	InboxSize int `json:"inbox_size"`
	// MaxBatch bounds the commands in one journal write. Default 2048.
	MaxBatch int `json:"max_batch"`
	// RingSize is how many recent results streams can resume from.
	// Default 65536.
	RingSize int `json:"ring_size"`
	// StreamBuffer is how far a stream may lag before it is cut off (it can
	// resume). Default 4096.
	StreamBuffer int `json:"stream_buffer"`
	// SnapshotInterval is how often a snapshot is taken; 0 disables
	// periodic snapshots (one is still taken at shutdown). Default 5m.
	SnapshotInterval Duration `json:"snapshot_interval"`
	// TickInterval is how often the sequencer journals a tick, the command
	// that makes what is due by time happen: good-till-date orders and
	// reservations expire, closed orders are archived (the engine has no
	// clock of its own). 0 disables ticks, so nothing expires until some
	// command carries a later time. Default 1s.
	TickInterval Duration `json:"tick_interval"`
	// ShutdownTimeout bounds the drain of calls in flight. Default 30s.
	ShutdownTimeout Duration `json:"shutdown_timeout"`
	// RetainCommands is how many journaled commands at and below each new
	// snapshot are kept when it is written; older ones are deleted. Default
	// 0: keep every command forever, so that `oms replay` and audits can
	// re-derive every event from seq 1, and streams can resume from any
	// seq. Set it to bound the disk; a stream or replay from before the
	// retained window then fails (OUT_OF_RANGE for a stream). Commands a
	// kept snapshot still needs are never deleted.
	RetainCommands int `json:"retain_commands"`
	// KeepSnapshots is how many of the newest snapshots are kept (at least
	// 1). Default 2, so that a damaged latest snapshot has a fallback.
	KeepSnapshots int `json:"keep_snapshots"`
	// GCPercent is the Go garbage collector's target (what GOGC sets): a
	// collection starts when the heap has grown by this percentage since
	// the last one. Default 400: the server's live heap (the engine's state
	// and the results streams can resume from) is scanned at every
	// collection, so collecting a quarter as often costs a quarter of the
	// CPU and of the latency spikes, for a heap up to five times the live
	// data. Set, it overrides GOGC; unset (nil), GOGC applies if it is in
	// the environment, else 400, or no target at all when MemoryLimit is
	// set (the collector then runs by the limit alone).
	GCPercent *int `json:"gc_percent,omitempty"`
	// MemoryLimit is the Go runtime's soft memory limit (what GOMEMLIMIT
	// sets; 0: none, or GOMEMLIMIT if in the environment). Set, and with
	// neither gc_percent nor GOGC, the collector runs only when the heap
	// nears the limit: size it well above the live state (about 600 bytes
	// per commerce order in memory, plus the resume ring).
	MemoryLimit ByteSize `json:"memory_limit"`
	// Prefault is how much heap the server writes once at start, in the
	// background, and frees for reuse (0: none), so that the state and
	// results it allocates later land on memory already faulted in (see
	// prefault.Heap). It needs MemoryLimit (at most 90% of it) and no
	// percentage target (neither gc_percent nor GOGC), so that the runtime
	// keeps the memory.
	Prefault ByteSize `json:"prefault"`
	// ArchiveAfter is how long a closed commerce order stays in memory
	// after its return window (see engine/commerce retention); 0 is the
	// engine's default (7 days), a negative value never archives. Unset
	// (nil), the server keeps what the journal holds: the default, or
	// what `oms retention set` last journaled.
	ArchiveAfter *Duration `json:"archive_after,omitempty"`
	// DedupWindow is how long an archived order's channel order id stays
	// idempotent; 0 is the engine's default (30 days). Unset, as for
	// ArchiveAfter.
	DedupWindow *Duration `json:"dedup_window,omitempty"`
	// ReplayOtherRules lets recovery replay commands journaled by a build
	// of other engine rules (engine.RulesVersion) with this build's rules.
	// Without it such a journal is refused at start, naming the seq: the
	// state it would reach may differ from what was acknowledged. The safe
	// way across an upgrade is a snapshot taken by the old build (a
	// graceful stop takes one). Meant for a one-off start, not a config
	// file. Default false.
	ReplayOtherRules bool `json:"replay_other_rules"`
}

// Duration is a time.Duration written as "5m" in JSON.
type Duration time.Duration

// UnmarshalJSON reads "5m", "30s" or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n int64
		if err2 := json.Unmarshal(b, &n); err2 != nil {
			return fmt.Errorf("want a duration such as \"30s\"")
		}
		*d = Duration(n)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as "5m0s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func defaultConfig() Config {
	return Config{
		DataDir: "./data", GRPCAddr: "127.0.0.1:50051", FIXAddr: "127.0.0.1:9878", MetricsAddr: "127.0.0.1:9090",
		LogLevel: "info", LogFormat: "text", InboxSize: 8192, MaxBatch: 2048, RingSize: 65536, StreamBuffer: 4096,
		SnapshotInterval: Duration(5 * time.Minute), ShutdownTimeout: Duration(30 * time.Second), TickInterval: Duration(time.Second),
		RetainCommands: 0, KeepSnapshots: 2,
	}
}

// configKey is one setting: its name in the file, and how to set it from a
// string (the environment and flags).
type configKey struct {
	name  string // file key; the flag is its kebab form, the env var OMS_ + upper
	usage string
	set   func(c *Config, v string) error
	bool  bool
}

func str(f func(c *Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *f(c) = v; return nil }
}

func integer(f func(c *Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("want an integer, got %q", v)
		}
		*f(c) = n
		return nil
	}
}

// intPtr sets an optional integer key: set at all, it is non-nil.
func intPtr(f func(c *Config) **int) func(*Config, string) error {
	return func(c *Config, v string) error {
		var n int
		if err := integer(func(*Config) *int { return &n })(c, v); err != nil {
			return err
		}
		*f(c) = &n
		return nil
	}
}

func boolean(f func(c *Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false, got %q", v)
		}
		*f(c) = b
		return nil
	}
}

func duration(f func(c *Config) *Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("want a duration such as 30s, got %q", v)
		}
		*f(c) = Duration(d)
		return nil
	}
}

// durationPtr sets an optional duration key: set at all, it is non-nil.
func durationPtr(f func(c *Config) **Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		var d Duration
		if err := duration(func(*Config) *Duration { return &d })(c, v); err != nil {
			return err
		}
		*f(c) = &d
		return nil
	}
}

func configKeys() []configKey {
	return []configKey{
		{name: "data_dir", usage: "directory of the journal and snapshots", set: str(func(c *Config) *string { return &c.DataDir })},
		{name: "grpc_addr", usage: "gRPC listen address", set: str(func(c *Config) *string { return &c.GRPCAddr })},
		{name: "fix_addr", usage: "FIX listen address (empty disables FIX)", set: str(func(c *Config) *string { return &c.FIXAddr })},
		{name: "fix_config", usage: "QuickFIX settings file of the FIX sessions", set: str(func(c *Config) *string { return &c.FIXConfig })},
		{name: "metrics_addr", usage: "Prometheus /metrics listen address (empty disables)", set: str(func(c *Config) *string { return &c.MetricsAddr })},
		{name: "pprof", usage: "serve /debug/pprof/ on the metrics address", bool: true, set: boolean(func(c *Config) *bool { return &c.Pprof })},
		{name: "tls_cert", usage: "TLS certificate (PEM) for gRPC", set: str(func(c *Config) *string { return &c.TLSCert })},
		{name: "tls_key", usage: "TLS private key (PEM) for gRPC", set: str(func(c *Config) *string { return &c.TLSKey })},
		{name: "log_level", usage: "debug, info, warn or error", set: str(func(c *Config) *string { return &c.LogLevel })},
		{name: "log_format", usage: "text or json", set: str(func(c *Config) *string { return &c.LogFormat })},
		{name: "demo", usage: "load the demo catalogue and tokens", bool: true, set: boolean(func(c *Config) *bool { return &c.Demo })},
		{name: "inbox_size", usage: "commands waiting for the journal before RESOURCE_EXHAUSTED", set: integer(func(c *Config) *int { return &c.InboxSize })},
		{name: "max_batch", usage: "commands in one journal write", set: integer(func(c *Config) *int { return &c.MaxBatch })},
		{name: "ring_size", usage: "recent results that streams can resume from", set: integer(func(c *Config) *int { return &c.RingSize })},
		{name: "stream_buffer", usage: "results a stream may lag before it is cut off", set: integer(func(c *Config) *int { return &c.StreamBuffer })},
		{name: "tick_interval", usage: "time between ticks, which expire GTD orders and reservations and archive closed orders (0 disables)", set: duration(func(c *Config) *Duration { return &c.TickInterval })},
		{name: "snapshot_interval", usage: "time between snapshots (0 disables)", set: duration(func(c *Config) *Duration { return &c.SnapshotInterval })},
		{name: "shutdown_timeout", usage: "time allowed to drain calls at shutdown", set: duration(func(c *Config) *Duration { return &c.ShutdownTimeout })},
		{name: "archive_after", usage: "how long closed commerce orders stay in memory after their return window (0: 7 days; negative: never archive)", set: durationPtr(func(c *Config) **Duration { return &c.ArchiveAfter })},
		{name: "dedup_window", usage: "how long an archived order's channel order id stays idempotent (0: 30 days)", set: durationPtr(func(c *Config) **Duration { return &c.DedupWindow })},
		{name: "replay_other_rules", usage: "at start, replay commands journaled under other engine rules with this build's (the state may differ from what was acknowledged)", bool: true, set: boolean(func(c *Config) *bool { return &c.ReplayOtherRules })},
		{name: "retain_commands", usage: "journaled commands kept below each snapshot (0 keeps all, for audit and replay)", set: integer(func(c *Config) *int { return &c.RetainCommands })},
		{name: "keep_snapshots", usage: "newest snapshots kept (at least 1)", set: integer(func(c *Config) *int { return &c.KeepSnapshots })},
		{name: "gc_percent", usage: "garbage collector target, as GOGC (25 to 10000; overrides GOGC; default GOGC, else 400, or none with memory_limit)", set: intPtr(func(c *Config) **int { return &c.GCPercent })},
		{name: "memory_limit", usage: "Go soft memory limit, as GOMEMLIMIT (e.g. 6GiB; 0: none); alone, the collector runs by it", set: byteSize(func(c *Config) *ByteSize { return &c.MemoryLimit })},
		{name: "prefault", usage: "heap to fault in at start and free for reuse (e.g. 4GiB; needs memory_limit, at most 90% of it, and no gc_percent)", set: byteSize(func(c *Config) *ByteSize { return &c.Prefault })},
	}
}

// defaultStrings returns each key's default as text, for the usage.
func defaultStrings() map[string]string {
	b, _ := json.Marshal(defaultConfig())
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	out := map[string]string{}
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		} else if f, ok := v.(float64); ok {
			out[k] = strconv.FormatInt(int64(f), 10)
		}
	}
	return out
}

func flagName(key string) string { return strings.ReplaceAll(key, "_", "-") }
func envName(key string) string  { return "OMS_" + strings.ToUpper(key) }

// loadConfig builds the configuration from defaults, the file, the
// environment and the flags in args, then validates it. getenv is
// os.Getenv outside tests.
func loadConfig(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	cfg := defaultConfig()
	fs := newFlagSet("serve", "[flags]  (every flag has an environment variable and a config file key)", stderr)
	configPath := fs.String("config", getenv("OMS_CONFIG"), "JSON configuration file (env OMS_CONFIG)")
	keys := configKeys()
	defaults := defaultStrings()
	for _, k := range keys {
		if k.bool {
			fs.Bool(flagName(k.name), false, k.usage+" (env "+envName(k.name)+")")
			continue
		}
		fs.String(flagName(k.name), defaults[k.name], k.usage+" (env "+envName(k.name)+")")
	}
	if err := parseFlags(fs, args); err != nil {
		return cfg, err
	}
	if *configPath != "" {
		if err := readConfigFile(*configPath, &cfg); err != nil {
			return cfg, err
		}
	}
	for _, k := range keys {
		if v, ok := lookupEnv(getenv, envName(k.name)); ok {
			if err := k.set(&cfg, v); err != nil {
				return cfg, fmt.Errorf("config: %s (from %s): %w", k.name, envName(k.name), err)
			}
		}
	}
	var ferr error
	fs.Visit(func(f *flag.Flag) {
		for _, k := range keys {
			if flagName(k.name) == f.Name && ferr == nil {
				if err := k.set(&cfg, f.Value.String()); err != nil {
					ferr = fmt.Errorf("config: %s (from --%s): %w", k.name, f.Name, err)
				}
			}
		}
	})
	if ferr != nil {
		return cfg, ferr
	}
	return cfg, cfg.validate()
}

func lookupEnv(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

func readConfigFile(path string, cfg *Config) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		return fmt.Errorf("config: %s: %s%w", path, failingKey(b), err)
	}
	return nil
}

// failingKey names the first key of the JSON object b, in the file's
// order, whose value does not decode, as "key: ": a value's own
// UnmarshalJSON error (a size or a duration) does not say which key it was.
func failingKey(b []byte) string {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return ""
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return ""
		}
		one, _ := json.Marshal(map[string]json.RawMessage{k: v})
		d := json.NewDecoder(bytes.NewReader(one))
		d.DisallowUnknownFields()
		var c Config
		if d.Decode(&c) != nil {
			return k + ": "
		}
	}
	return ""
}

// validate checks every key; the error names the key and what is allowed.
func (c *Config) validate() error {
	var errs []error
	bad := func(key, format string, a ...any) {
		errs = append(errs, fmt.Errorf("config: %s: "+format, append([]any{key}, a...)...))
	}
	if c.DataDir == "" {
		bad("data_dir", "required")
	}
	for _, a := range []struct{ key, v string }{{"grpc_addr", c.GRPCAddr}, {"fix_addr", c.FIXAddr}, {"metrics_addr", c.MetricsAddr}} {
		if a.v == "" {
			if a.key == "grpc_addr" {
				bad(a.key, "required")
			}
			continue
		}
		if _, _, err := net.SplitHostPort(a.v); err != nil {
			bad(a.key, "want host:port, got %q", a.v)
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		bad("tls_cert", "tls_cert and tls_key must be set together")
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		bad("log_level", "%v", err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("log_format", "want text or json, got %q", c.LogFormat)
	}
	for _, n := range []struct {
		key string
		v   int
		min int
	}{{"inbox_size", c.InboxSize, 1}, {"max_batch", c.MaxBatch, 1}, {"ring_size", c.RingSize, 1}, {"stream_buffer", c.StreamBuffer, 1},
		{"retain_commands", c.RetainCommands, 0}, {"keep_snapshots", c.KeepSnapshots, 1}} {
		if n.v < n.min {
			bad(n.key, "want at least %d, got %d", n.min, n.v)
		}
	}
	if p := c.GCPercent; p != nil && (*p < 25 || *p > 10000) {
		bad("gc_percent", "want 25 to 10000, got %d", *p)
	}
	if c.MemoryLimit < 0 {
		bad("memory_limit", "must not be negative")
	} else if c.MemoryLimit > 0 && c.MemoryLimit < minMemoryLimit {
		bad("memory_limit", "want 0 (none) or at least %s, got %s", ByteSize(minMemoryLimit), c.MemoryLimit)
	}
	switch {
	case c.Prefault < 0:
		bad("prefault", "must not be negative")
	case c.Prefault == 0:
	case c.MemoryLimit == 0:
		bad("prefault", "needs the memory_limit key: without it (GOMEMLIMIT alone keeps the collector's percentage target) the runtime returns the prefaulted memory to the OS")
	case c.Prefault > c.MemoryLimit/100*maxPrefaultShare:
		bad("prefault", "want at most %d%% of memory_limit (%s), got %s", maxPrefaultShare, c.MemoryLimit, c.Prefault)
	case c.GCPercent != nil:
		bad("prefault", "needs the collector to run by memory_limit alone: leave gc_percent unset")
	}
	if c.TickInterval < 0 {
		bad("tick_interval", "must not be negative")
	}
	if c.SnapshotInterval < 0 {
		bad("snapshot_interval", "must not be negative")
	}
	if c.ShutdownTimeout <= 0 {
		bad("shutdown_timeout", "must be positive")
	}
	if c.ArchiveAfter != nil && int64(*c.ArchiveAfter) > commerce.MaxRetention {
		bad("archive_after", "must be at most %s", time.Duration(commerce.MaxRetention))
	}
	if d := c.DedupWindow; d != nil && (*d < 0 || int64(*d) > commerce.MaxRetention) {
		bad("dedup_window", "must be between 0 and %s", time.Duration(commerce.MaxRetention))
	}
	if _, err := gateway.NewAuthenticator(c.Tokens); err != nil {
		bad("tokens", "%v", strings.TrimPrefix(err.Error(), "gateway: "))
	}
	return errors.Join(errs...)
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("want debug, info, warn or error, got %q", s)
	}
	return l, nil
}
