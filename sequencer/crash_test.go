package sequencer_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/journal"
	"github.com/ordercore/oms/journal/journaltest"
	"github.com/ordercore/oms/sequencer"
)

// The crash test re-executes the test binary as a child that runs the
// sequencer under load on a real directory and prints every acknowledged
// command ("ack <seq> <clordid>"); the parent kills it with SIGKILL at a
// random moment, then checks the directory: every acknowledged command is
// present with its content, and recovery from the latest snapshot gives the
// same digest as a fresh replay from seq 1. Then it starts the next child on
// the same directory. OMS_CRASH_ROUNDS sets the number of kills (default 4;
// `make crash-long` runs many more).
const (
	envCrashDir   = "OMS_CRASH_CHILD_DIR"
	envCrashRound = "OMS_CRASH_CHILD_ROUND"
	envRounds     = "OMS_CRASH_ROUNDS"
)

func TestCrashRecovery(t *testing.T) {
	if dir := os.Getenv(envCrashDir); dir != "" {
		crashChild(dir, os.Getenv(envCrashRound))
		return
	}
	if testing.Short() {
		t.Skip("crash test re-executes the test binary")
	}
	rounds := 4
	if s := os.Getenv(envRounds); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(t, err, "%s=%q", envRounds, s)
		rounds = n
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	acked := map[uint64]string{}
	var torn int
	for round := range rounds {
		acks := runChild(t, dir, round, time.Duration(20+rng.IntN(300))*time.Millisecond)
		for seq, id := range acks {
			prev, dup := acked[seq]
			require.False(t, dup, "round %d: seq %d acknowledged twice (%s, %s)", round, seq, prev, id)
			acked[seq] = id
		}
		torn += checkDir(t, dir, round, acked)
	}
	t.Logf("%d kills, %d acknowledged commands, all present; %d restarts found a torn WAL tail", rounds, len(acked), torn)
}

// runChild runs one child until it has acknowledged something and then
// until after, kills it, and returns its acknowledgements.
func runChild(t *testing.T, dir string, round int, after time.Duration) map[uint64]string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashRecovery$", "-test.count=1")
	cmd.Env = append(os.Environ(), envCrashDir+"="+dir, envCrashRound+"="+strconv.Itoa(round))
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())

	acks := map[uint64]string{}
	first := make(chan struct{})
	var once sync.Once
	readDone := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) != 3 || f[0] != "ack" {
				continue
			}
			seq, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				readDone <- fmt.Errorf("bad ack line %q", sc.Text())
				return
			}
			acks[seq] = f[2]
			once.Do(func() { close(first) })
		}
		readDone <- sc.Err()
	}()
	select {
	case <-first:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("round %d: child acknowledged nothing within 60s", round)
	}
	time.Sleep(after) // the random moment of the kill
	require.NoError(t, cmd.Process.Kill())
	require.NoError(t, <-readDone)
	err = cmd.Wait()
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "round %d: child ended with %v, want killed", round, err)
	return acks
}

// checkDir recovers the directory twice (snapshot + replay, and replay from
// seq 1), compares, and checks every acknowledged command. It returns 1 if
// the open found a torn WAL tail.
func checkDir(t *testing.T, dir string, round int, acked map[uint64]string) int {
	t.Helper()
	logs := &strings.Builder{}
	var mu sync.Mutex
	j, err := journal.Open(dir, journal.Options{Logger: lockedLogger(logs, &mu)})
	require.NoError(t, err, "round %d", round)
	defer func() { require.NoError(t, j.Close()) }()

	e := engine.New()
	st, err := j.Recover(e, journal.ReplayOptions{})
	require.NoError(t, err, "round %d", round)
	fresh := engine.New()
	_, err = j.Recover(fresh, journal.ReplayOptions{NoSnapshot: true})
	require.NoError(t, err, "round %d", round)
	require.Equal(t, fresh.Digest(), e.Digest(), "round %d: snapshot %d + replay differs from a fresh replay", round, st.SnapshotSeq)

	present := map[uint64]string{}
	require.NoError(t, j.Scan(0, 0, func(c *engine.Command) error {
		if c.Kind == engine.KindTrade {
			present[c.Seq] = c.Trade.ClOrdID
		}
		return nil
	}))
	for seq, id := range acked {
		require.LessOrEqual(t, seq, j.LastSeq(), "round %d: acknowledged seq %d lost", round, seq)
		if id != "-" {
			require.Equal(t, id, present[seq], "round %d: seq %d", round, seq)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(logs.String(), "torn tail") {
		return 1
	}
	return 0
}

// crashChild runs the sequencer under load until it is killed.
func crashChild(dir, round string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(3)
	}
	j, err := journal.Open(dir, journal.Options{Logger: quiet(), MemTableSize: 1 << 20})
	if err != nil {
		fail(err)
	}
	e := engine.New()
	if _, err := j.Recover(e, journal.ReplayOptions{}); err != nil {
		fail(err)
	}
	s, err := sequencer.New(e, j, sequencer.Options{Logger: quiet()})
	if err != nil {
		fail(err)
	}
	s.Start()
	acks := make(chan string, 1<<16)
	go func() { // one writer, so lines never interleave
		w := bufio.NewWriter(os.Stdout)
		for line := range acks {
			_, _ = w.WriteString(line)
			if len(acks) == 0 {
				_ = w.Flush()
			}
		}
	}()
	go func() { // snapshots now and then
		for {
			time.Sleep(15 * time.Millisecond)
			if _, err := s.Snapshot(context.Background()); err != nil && !strings.Contains(err.Error(), "nothing to snapshot") {
				fail(err)
			}
		}
	}()
	time.AfterFunc(120*time.Second, func() { fail(errors.New("not killed within 120s")) })
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() { crashWorker(s, acks, fmt.Sprintf("r%sw%d", round, w), uint64(w)) })
	}
	wg.Wait()
}

func crashWorker(s *sequencer.Sequencer, acks chan<- string, prefix string, seed uint64) {
	g := journaltest.NewGen(seed)
	for i := 0; ; i++ {
		c := g.Next()
		id := "-"
		if c.Kind == engine.KindTrade && c.Trade.ClOrdID != "" {
			c.Trade.ClOrdID = fmt.Sprintf("%s-%d", prefix, i)
			id = c.Trade.ClOrdID
		}
		res, err := s.Submit(context.Background(), c)
		if errors.Is(err, sequencer.ErrOverloaded) {
			continue
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "crash child: submit:", err)
			os.Exit(3)
		}
		acks <- fmt.Sprintf("ack %d %s\n", res.Seq, id)
	}
}
