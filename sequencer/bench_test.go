package sequencer_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/journal"
	"github.com/ordercore/oms/journal/journaltest"
	"github.com/ordercore/oms/sequencer"
)

var benchBatches = []int{1, 16, 128, 1024, 4096}

// BenchmarkDurable measures durable commands per second on the real disk
// (b.TempDir) against the batch size: the sequencer with MaxBatch = N under
// a closed-loop load of 2N concurrent submitters (so batches fill), and raw
// Pebble synced batch commits of N records of the same size, for the ratio.
func BenchmarkDurable(b *testing.B) {
	for _, n := range benchBatches {
		b.Run(fmt.Sprintf("sequencer/batch=%d", n), func(b *testing.B) { benchSequencer(b, n) })
		b.Run(fmt.Sprintf("sequencer-bulk/batch=%d", n), func(b *testing.B) { benchSequencerBulk(b, n) })
		b.Run(fmt.Sprintf("pebble/batch=%d", n), func(b *testing.B) { benchRawPebble(b, n) })
	}
}

// benchSequencerBulk drives the sequencer with SubmitBatch calls of n
// commands from two goroutines, so that the cost measured is the
// sequencer's (stamp, journal, apply, results) rather than thousands of
// submitting goroutines'. One op is one command.
func benchSequencerBulk(b *testing.B, n int) {
	j, err := journal.Open(b.TempDir(), journal.Options{Logger: quiet()})
	require.NoError(b, err)
	defer j.Close()
	s, err := sequencer.New(engine.New(), j, sequencer.Options{MaxBatch: n, Logger: quiet()})
	require.NoError(b, err)
	s.Start()
	defer s.Close()
	g := journaltest.NewGen(1)
	bulks := make([][]engine.Command, 64)
	for i := range bulks {
		bulks[i] = g.Batch(n)
	}
	b.ReportAllocs()
	b.SetParallelism(1)
	cpu0 := cpuTime(b)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for i := 0; ; i++ {
			// One SubmitBatch per n ops.
			for k := 0; k < n; k++ {
				if !pb.Next() {
					if k > 0 {
						_, err := s.SubmitBatch(ctx, bulks[i%len(bulks)][:k])
						require.NoError(b, err)
					}
					return
				}
			}
			_, err := s.SubmitBatch(ctx, bulks[i%len(bulks)])
			require.NoError(b, err)
		}
	})
	el := time.Since(start)
	cpu := cpuTime(b) - cpu0
	st := s.Stats()
	b.ReportMetric(float64(st.Commands)/el.Seconds(), "cmds/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(max(st.Commands, 1)), "cpu-ns/cmd")
	b.ReportMetric(float64(st.Commands)/float64(max(st.Batches, 1)), "cmds/batch")
	b.ReportMetric(float64(st.Batches)/el.Seconds(), "fsyncs/s")
}

func benchSequencer(b *testing.B, n int) {
	j, err := journal.Open(b.TempDir(), journal.Options{Logger: quiet()})
	require.NoError(b, err)
	defer j.Close()
	s, err := sequencer.New(engine.New(), j, sequencer.Options{MaxBatch: n, InboxSize: 4 * n, Logger: quiet()})
	require.NoError(b, err)
	s.Start()
	defer s.Close()
	cmds := journaltest.NewGen(1).Batch(1 << 16)
	b.SetParallelism(max(1, 2*n/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		i := 0
		for pb.Next() {
			for {
				_, err := s.Submit(ctx, cmds[i%len(cmds)])
				if errors.Is(err, sequencer.ErrOverloaded) {
					runtime.Gosched()
					continue
				}
				if err != nil {
					b.Error(err)
					return
				}
				break
			}
			i++
		}
	})
	el := time.Since(start)
	cpu := cpuTime(b) - cpu0
	st := s.Stats()
	b.ReportMetric(float64(st.Commands)/el.Seconds(), "cmds/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(max(st.Commands, 1)), "cpu-ns/cmd")
	b.ReportMetric(float64(st.Commands)/float64(max(st.Batches, 1)), "cmds/batch")
	b.ReportMetric(float64(st.Batches)/el.Seconds(), "fsyncs/s")
}

// benchRawPebble commits synced batches of n journal-sized records, from one
// goroutine, as the sequencer's writer does, with the journal's options.
func benchRawPebble(b *testing.B, n int) {
	db, err := pebble.Open(b.TempDir(), &pebble.Options{MemTableSize: 16 << 20, FormatMajorVersion: pebble.FormatNewest, Logger: nopLogger{}})
	require.NoError(b, err)
	defer db.Close()
	cmds := journaltest.NewGen(1).Batch(n)
	journaltest.Stamp(cmds, 1, time.Now().UnixNano())
	// Values the size of journal records: payload + 13 bytes of frame.
	vals := make([][]byte, n)
	tab := crc32.MakeTable(crc32.Castagnoli)
	for i := range cmds {
		vals[i] = engine.AppendCommand(make([]byte, 9), &cmds[i])
		vals[i] = binary.BigEndian.AppendUint32(vals[i], crc32.Checksum(vals[i], tab))
	}
	var seq uint64
	key := make([]byte, 9)
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	start := time.Now()
	var total int
	for b.Loop() {
		batch := db.NewBatch()
		for i := range vals {
			seq++
			key[0] = 'c'
			for k := range 8 {
				key[1+k] = byte(seq >> (56 - 8*k))
			}
			_ = batch.Set(key, vals[i], nil)
		}
		require.NoError(b, batch.Commit(pebble.Sync))
		_ = batch.Close()
		total += n
	}
	el := time.Since(start)
	cpu := cpuTime(b) - cpu0
	b.ReportMetric(float64(total)/el.Seconds(), "cmds/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(max(total, 1)), "cpu-ns/cmd")
	b.ReportMetric(float64(n), "cmds/batch")
}

// cpuTime is the process's user and system CPU time so far: on a shared
// machine the CPU a command costs is steadier than the commands per second,
// which other processes' load swings.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	require.NoError(tb, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type nopLogger struct{}

func (nopLogger) Infof(string, ...any)         {}
func (nopLogger) Errorf(string, ...any)        {}
func (nopLogger) Fatalf(f string, args ...any) { panic(fmt.Sprintf(f, args...)) }
