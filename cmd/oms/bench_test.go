package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func runBenchCmd(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

func TestBenchCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	code, out, errOut := runBenchCmd("bench", "--scenarios", "engine", "--workloads", "trade,commerce", "--rate", "500",
		"--duration", "200ms", "--warmup", "50ms", "--resting", "100", "--skus", "100", "--quiet", "--out", dir)
	require.Equal(t, 0, code, errOut)
	require.Empty(t, errOut, "--quiet: no progress")
	require.Contains(t, out, "machine:")
	require.Regexp(t, `engine +trade +500`, out)
	require.Regexp(t, `engine +commerce +500`, out)
	for _, f := range []string{"results.json", "results.txt", "latency.svg", "engine-trade-500.hgrm", "engine-commerce-500.hgrm"} {
		_, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err, f)
	}

	js := filepath.Join(dir, "results.json")
	code, out, errOut = runBenchCmd("bench", "compare", js, js)
	require.Equal(t, 0, code, errOut)
	require.Regexp(t, `engine +trade +500 +p99 .* \+0\.0%`, out)
}

func TestBenchCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"bench", "--nope"}, 2, "flag provided but not defined"},
		{[]string{"bench", "--rate", "fast"}, 1, `--rate "fast"`},
		{[]string{"bench", "--scenarios", "disk"}, 1, `scenario "disk"`},
		{[]string{"bench", "--addr", "127.0.0.1:1"}, 1, "--addr needs an administrator token"},
		{[]string{"bench", "--addr", "10.1.2.3:50051", "--token", "x"}, 1, "loads only target 127.0.0.1"},
		{[]string{"bench", "--workers", "0"}, 1, "--workers 0"},
		{[]string{"bench", "compare", "a.json"}, 2, "want two results.json files"},
		{[]string{"bench", "compare", "missing-a.json", "missing-b.json"}, 1, "read record"},
	} {
		code, _, errOut := runBenchCmd(tc.args...)
		require.Equal(t, tc.code, code, "%v: %s", tc.args, errOut)
		require.Contains(t, errOut, tc.want, "%v", tc.args)
	}
	t.Setenv("OMS_BENCH_PREFAULT_MB", "many")
	code, _, errOut := runBenchCmd("bench", "--short")
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, "OMS_BENCH_PREFAULT_MB", "a bad prefault size is refused, naming the variable")
}
