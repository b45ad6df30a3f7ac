package bench

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Scenarios: []string{"disk"}}, `scenario "disk"`},
		{Options{Workloads: []string{"crypto"}}, `workload "crypto"`},
		{Options{Rates: []float64{-1}}, "rate -1"},
		{Options{Duration: -time.Second}, "duration"},
		{Options{FindMax: true, StepFactor: 0.5}, "step factor"},
		{Options{Addr: "10.0.0.1:9090"}, "loads only target 127.0.0.1"},
		{Options{Addr: "localhost:9090"}, "not a loopback IP"},
		{Options{Addr: "127.0.0.1"}, "host:port"},
	} {
		require.ErrorContains(t, tc.o.Validate(), tc.want)
	}
	require.NoError(t, (&Options{Addr: "127.0.0.1:9090"}).Validate())
	require.NoError(t, (&Options{Addr: "[::1]:9090"}).Validate())
}

// TestSmoke runs the engine and durable scenarios briefly on both
// workloads and writes every output file.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the scenarios")
	}
	var progress bytes.Buffer
	o := Options{Scenarios: []string{ScenarioEngine, ScenarioDurable}, Rates: []float64{2000},
		Duration: 300 * time.Millisecond, Warmup: 100 * time.Millisecond, Workers: 32, TempDir: t.TempDir(),
		Workload: WorkloadConfig{Seed: 3, Resting: 300, SKUs: 200}, Progress: &progress}
	rec, err := Run(context.Background(), o)
	require.NoError(t, err)
	require.Len(t, rec.Results, 4)
	for _, r := range rec.Results {
		require.Equal(t, 600, r.Ops, r.Name())
		require.EqualValues(t, 600, r.Count, r.Name())
		require.Zero(t, r.Errors, "%s: %s", r.Name(), r.FirstErr)
		require.Positive(t, r.P50, r.Name())
		require.LessOrEqual(t, r.P50, r.P99)
		require.LessOrEqual(t, r.P99, r.Max)
		require.Positive(t, r.Throughput)
		require.Less(t, r.Rejected, int64(r.Ops/5), "%s: most commands accepted", r.Name())
	}
	require.Contains(t, progress.String(), "engine/trade @ 2000/s: done")
	require.NotEmpty(t, rec.Commit)
	require.NotEmpty(t, rec.GoVersion)
	require.Positive(t, rec.Machine.Cores)

	dir := filepath.Join(t.TempDir(), "out")
	require.NoError(t, WriteOutputs(dir, rec, "smoke"))
	for _, f := range []string{"results.json", "results.txt", "latency.svg", "engine-trade-2000.hgrm", "durable-commerce-2000.hgrm"} {
		st, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err, f)
		require.Positive(t, st.Size(), f)
	}
	back, err := ReadRecord(filepath.Join(dir, "results.json"))
	require.NoError(t, err)
	require.Len(t, back.Results, 4)
	var cmp bytes.Buffer
	require.NoError(t, Compare(&cmp, back, back))
	require.Contains(t, cmp.String(), "durable")
}

// TestFindMax steps the engine scenario until the bound is passed; a
// bound of 1ns fails at once, so exactly one step runs.
func TestFindMax(t *testing.T) {
	o := Options{Scenarios: []string{ScenarioEngine}, Workloads: []string{Trade}, Rates: []float64{100},
		Duration: 300 * time.Millisecond, Warmup: 10 * time.Millisecond, FindMax: true, MaxP99: 1, StepFactor: 2,
		Workload: WorkloadConfig{Resting: 100}}
	rec, err := Run(context.Background(), o)
	require.NoError(t, err)
	require.Len(t, rec.Results, 1)
	require.Equal(t, 1, rec.Results[0].Step)
	require.Empty(t, MaxRates(rec, 1))

	o.MaxP99, o.MaxSteps = time.Minute, 3
	rec, err = Run(context.Background(), o)
	require.NoError(t, err)
	require.Len(t, rec.Results, 3)
	require.Equal(t, []float64{100, 200, 400}, []float64{rec.Results[0].OfferedRate, rec.Results[1].OfferedRate, rec.Results[2].OfferedRate})
	best := MaxRates(rec, time.Minute)
	require.Len(t, best, 1)
	require.Equal(t, 400.0, best[0].OfferedRate)
}

// TestSmokeEndToEnd runs the grpc scenario (a server in process on
// 127.0.0.1:0) on both workloads and the fix scenario (QuickFIX/Go
// initiators against the in-process acceptor), briefly and slowly.
func TestSmokeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	o := Options{Scenarios: []string{ScenarioGRPC, ScenarioFIX}, Rates: []float64{50},
		Duration: 400 * time.Millisecond, Warmup: 100 * time.Millisecond, Workers: 16, TempDir: t.TempDir(),
		Workload: WorkloadConfig{Seed: 5, Resting: 200, SKUs: 100}}
	rec, err := Run(context.Background(), o)
	require.NoError(t, err)
	require.Len(t, rec.Results, 3, "grpc trade and commerce, fix trade")
	for _, r := range rec.Results {
		require.Zero(t, r.Errors, "%s: %s", r.Name(), r.FirstErr)
		require.EqualValues(t, 20, r.Count, r.Name())
		require.Positive(t, r.P50, r.Name())
		require.Less(t, r.Rejected, int64(5), r.Name())
	}
	require.Equal(t, "fix/trade", rec.Results[2].Name())
}

func TestCheckLoopback(t *testing.T) {
	require.NoError(t, checkLoopback("127.0.0.1:1"))
	require.ErrorIs(t, checkLoopback("192.168.1.1:80"), errLoopback)
	require.ErrorContains(t, checkLoopback("127.0.0.1:http"), "not a number")
}
