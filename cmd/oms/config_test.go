package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigDefaults(t *testing.T) {
	cfg, err := loadConfig(nil, envOf(nil), io.Discard)
	require.NoError(t, err)
	require.Equal(t, "./data", cfg.DataDir)
	require.Equal(t, "127.0.0.1:50051", cfg.GRPCAddr)
	require.Equal(t, "127.0.0.1:9878", cfg.FIXAddr)
	require.False(t, cfg.Pprof)
	require.Equal(t, Duration(5*time.Minute), cfg.SnapshotInterval)
	require.Zero(t, cfg.RetainCommands, "the whole journal is kept by default, for audit and replay")
	require.Equal(t, 2, cfg.KeepSnapshots)
}

func TestConfigPrecedence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "oms.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"grpc_addr": "127.0.0.1:1", "metrics_addr": "127.0.0.1:2",
		"data_dir": "/from/file", "snapshot_interval": "1m",
		"tokens": [{"token": "file-token-0123456789", "name": "ops", "admin": true}]}`), 0o600))
	env := envOf(map[string]string{"OMS_CONFIG": path, "OMS_METRICS_ADDR": "127.0.0.1:3", "OMS_DATA_DIR": "/from/env", "OMS_PPROF": "true"})
	cfg, err := loadConfig([]string{"--data-dir", "/from/flag", "--log-format", "json"}, env, io.Discard)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:1", cfg.GRPCAddr, "file")
	require.Equal(t, "127.0.0.1:3", cfg.MetricsAddr, "env beats file")
	require.Equal(t, "/from/flag", cfg.DataDir, "flag beats env")
	require.True(t, cfg.Pprof)
	require.Equal(t, "json", cfg.LogFormat)
	require.Equal(t, Duration(time.Minute), cfg.SnapshotInterval)
	require.Len(t, cfg.Tokens, 1)
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	dir := t.TempDir()
	n := 0
	file := func(body string) string {
		n++
		p := filepath.Join(dir, fmt.Sprintf("c%d.json", n))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		return p
	}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		key  string
	}{
		{args: []string{"--log-level", "loud"}, key: "log_level"},
		{args: []string{"--log-format", "xml"}, key: "log_format"},
		{args: []string{"--grpc-addr", "nohostport"}, key: "grpc_addr"},
		{args: []string{"--grpc-addr", ""}, key: "grpc_addr"},
		{args: []string{"--inbox-size", "0"}, key: "inbox_size"},
		{args: []string{"--inbox-size", "many"}, key: "inbox_size"},
		{args: []string{"--tls-cert", "c.pem"}, key: "tls_cert"},
		{args: []string{"--shutdown-timeout", "0s"}, key: "shutdown_timeout"},
		{args: []string{"--retain-commands", "-1"}, key: "retain_commands"},
		{args: []string{"--retain-commands", "all"}, key: "retain_commands"},
		{args: []string{"--keep-snapshots", "0"}, key: "keep_snapshots"},
		{args: []string{"--gc-percent", "10"}, key: "gc_percent"},
		{args: []string{"--gc-percent", "20000"}, key: "gc_percent"},
		{args: []string{"--memory-limit", "lots"}, key: "memory_limit"},
		{args: []string{"--memory-limit", "-1GiB"}, key: "memory_limit"},
		{args: []string{"--memory-limit", "1MiB"}, key: "memory_limit"},
		{args: []string{"--prefault", "1GiB"}, key: "prefault"},
		{args: []string{"--memory-limit", "1GiB", "--prefault", "1000MiB"}, key: "prefault"},
		{args: []string{"--memory-limit", "1GiB", "--prefault", "512MiB", "--gc-percent", "100"}, key: "prefault"},
		{env: map[string]string{"OMS_CONFIG": file(`{"memory_limit": "2XB"}`)}, key: "memory_limit"},
		{env: map[string]string{"OMS_CONFIG": file(`{"data_dir": "d", "snapshot_interval": "soon"}`)}, key: "snapshot_interval"},
		{env: map[string]string{"OMS_CONFIG": file(`{"snapshot_interval": "soon", "memory_limit": "2XB"}`)}, key: "snapshot_interval: time"},
		{args: []string{"--dedup-window", "-1h"}, key: "dedup_window"},
		{args: []string{"--archive-after", "1000000h"}, key: "archive_after"},
		{args: []string{"--archive-after", "soon"}, key: "archive_after"},
		{env: map[string]string{"OMS_KEEP_SNAPSHOTS": "-2"}, key: "keep_snapshots"},
		{env: map[string]string{"OMS_CONFIG": file(`{"retain_commands": -5}`)}, key: "retain_commands"},
		{env: map[string]string{"OMS_PPROF": "maybe"}, key: "OMS_PPROF"},
		{env: map[string]string{"OMS_CONFIG": file(`{"grpc_adr": "x"}`)}, key: "grpc_adr"},
		{env: map[string]string{"OMS_CONFIG": file(`{"tokens": [{"token": "short", "name": "x", "admin": true}]}`)}, key: "tokens[0].token"},
		{env: map[string]string{"OMS_CONFIG": file(`{"tokens": [{"token": "long-enough-token-1", "name": "x", "channel": "tv"}]}`)}, key: "tokens[0].channel"},
	} {
		_, err := loadConfig(tc.args, envOf(tc.env), io.Discard)
		require.ErrorContains(t, err, tc.key, "args %v env %v", tc.args, tc.env)
	}
}

// The documented example configuration loads and sets every key.
func TestExampleConfigLoads(t *testing.T) {
	cfg, err := loadConfig([]string{"--config", filepath.Join("testdata", "oms.example.json")}, envOf(nil), io.Discard)
	require.NoError(t, err)
	require.Len(t, cfg.Tokens, 3)
	require.Equal(t, "json", cfg.LogFormat)
	require.Zero(t, cfg.RetainCommands)
	require.Equal(t, 2, cfg.KeepSnapshots)
	for _, k := range configKeys() {
		require.Contains(t, mustRead(t, filepath.Join("testdata", "oms.example.json")), `"`+k.name+`"`, "key %s is not in the example", k.name)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}
