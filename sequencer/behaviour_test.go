package sequencer_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/engine/commerce"
	"github.com/ordercore/oms/journal"
	"github.com/ordercore/oms/journal/journaltest"
	"github.com/ordercore/oms/sequencer"
)

func tick() engine.Command { return engine.Command{Kind: engine.KindTick} }

// recv reads one result with a deadline.
func recv(t *testing.T, c <-chan *sequencer.Result) (*sequencer.Result, bool) {
	t.Helper()
	select {
	case r, ok := <-c:
		return r, ok
	case <-time.After(10 * time.Second):
		t.Fatal("no result within 10s")
		return nil, false
	}
}

func submitN(t *testing.T, s *sequencer.Sequencer, n int) {
	t.Helper()
	g := journaltest.NewGen(11)
	for range n {
		_, err := s.Submit(context.Background(), g.Next())
		require.NoError(t, err)
	}
}

func TestNewRefusesMismatchAndBadOptions(t *testing.T) {
	fs := vfs.NewMem()
	v := open(t, fs, "db", journal.Options{}, sequencer.Options{})
	submitN(t, v.s, 3)
	_, err := sequencer.New(engine.New(), v.j, sequencer.Options{})
	require.ErrorContains(t, err, "engine is at seq 0 but the journal at seq 3")
	v.close(t)

	j, err := journal.Open("db2", journal.Options{FS: fs, Logger: quiet()})
	require.NoError(t, err)
	defer j.Close()
	_, err = sequencer.New(engine.New(), j, sequencer.Options{InboxSize: -1})
	require.ErrorContains(t, err, "option InboxSize is -1")
}

func TestSubmitValidatesKind(t *testing.T) {
	v := open(t, vfs.NewMem(), "db", journal.Options{}, sequencer.Options{})
	defer v.close(t)
	_, err := v.s.Submit(context.Background(), engine.Command{Kind: 99})
	require.ErrorIs(t, err, sequencer.ErrInvalidCommand)
	_, err = v.s.Submit(context.Background(), engine.Command{Kind: engine.KindTrade, Trade: book.Command{Kind: 200}})
	require.ErrorIs(t, err, sequencer.ErrInvalidCommand)
	_, err = v.s.Submit(context.Background(), engine.Command{Kind: engine.KindCommerce, Commerce: commerce.Command{Kind: 200}})
	require.ErrorIs(t, err, sequencer.ErrInvalidCommand)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = v.s.Submit(ctx, tick())
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorContains(t, err, "not submitted")
	require.Zero(t, v.j.LastSeq())
}

func TestOverloadedNeverBlocks(t *testing.T) {
	fs := vfs.NewMem()
	j, err := journal.Open("db", journal.Options{FS: fs, Logger: quiet()})
	require.NoError(t, err)
	defer j.Close()
	s, err := sequencer.New(engine.New(), j, sequencer.Options{InboxSize: 2, Logger: quiet()})
	require.NoError(t, err)
	// Not started: the inbox fills and stays full.
	var overloaded atomic.Int32
	var wg sync.WaitGroup
	results := make(chan uint64, 5)
	for range 5 {
		wg.Go(func() {
			res, err := s.Submit(context.Background(), tick())
			if errors.Is(err, sequencer.ErrOverloaded) {
				overloaded.Add(1)
				return
			}
			require.NoError(t, err)
			results <- res.Seq
		})
	}
	require.Eventually(t, func() bool { return overloaded.Load() == 3 }, 10*time.Second, time.Millisecond)
	s.Start()
	wg.Wait()
	close(results)
	var seqs []uint64
	for s := range results {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	require.Equal(t, []uint64{1, 2}, seqs)
	require.NoError(t, s.Close())
}

func TestCloseBeforeStartFailsQueued(t *testing.T) {
	j, err := journal.Open("db", journal.Options{FS: vfs.NewMem(), Logger: quiet()})
	require.NoError(t, err)
	defer j.Close()
	s, err := sequencer.New(engine.New(), j, sequencer.Options{Logger: quiet()})
	require.NoError(t, err)
	errc := make(chan error, 1)
	go func() { _, err := s.Submit(context.Background(), tick()); errc <- err }()
	require.Eventually(t, func() bool { return len(errc) == 0 }, time.Second, time.Millisecond)
	require.NoError(t, s.Close())
	select {
	case err := <-errc:
		// Either it was queued and failed by Close, or it arrived after.
		require.ErrorIs(t, err, sequencer.ErrClosed)
	case <-time.After(10 * time.Second):
		t.Fatal("submitter still waiting after Close")
	}
	_, err = s.Submit(context.Background(), tick())
	require.ErrorIs(t, err, sequencer.ErrClosed)
	require.ErrorIs(t, s.Query(context.Background(), func(*engine.Engine) {}), sequencer.ErrClosed)
	require.NoError(t, s.Close(), "idempotent")
}

func TestCloseFinishesInFlight(t *testing.T) {
	v := open(t, vfs.NewMem(), "db", journal.Options{}, sequencer.Options{})
	var wg sync.WaitGroup
	var ok, closed atomic.Int64
	for range 8 {
		wg.Go(func() {
			for range 200 {
				_, err := v.s.Submit(context.Background(), tick())
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, sequencer.ErrClosed):
					closed.Add(1)
				case errors.Is(err, sequencer.ErrOverloaded):
				default:
					t.Errorf("unexpected error %v", err)
				}
			}
		})
	}
	time.Sleep(5 * time.Millisecond) // let some load build; correctness does not depend on it
	require.NoError(t, v.s.Close())
	wg.Wait()
	// Every acknowledged command is journaled and applied.
	require.Equal(t, uint64(ok.Load()), v.j.LastSeq())
	require.Equal(t, uint64(ok.Load()), v.e.LastSeq())
	require.NoError(t, v.j.Close())
}

func TestSubscribeLiveAndResume(t *testing.T) {
	v := open(t, vfs.NewMem(), "db", journal.Options{}, sequencer.Options{RingSize: 16, ResumeFromJournal: true})
	defer v.close(t)
	live, err := v.s.Subscribe(0, 100)
	require.NoError(t, err)
	submitN(t, v.s, 40)
	for want := uint64(1); want <= 40; want++ {
		r, ok := recv(t, live.C)
		require.True(t, ok)
		require.Equal(t, want, r.Seq)
	}
	_, err = v.s.Subscribe(42, 1)
	require.ErrorContains(t, err, "beyond the next seq 41")
	_, err = v.s.Subscribe(1, 0)
	require.ErrorContains(t, err, "buffer is 0")

	// From the ring, and from before the ring (rebuilt from the journal).
	for _, from := range []uint64{30, 10, 1} {
		resumed, err := v.s.Subscribe(from, 1)
		require.NoError(t, err)
		expectSeqs(t, resumed, from, 40)
		resumed.Close()
		resumed.Close()
		drainClosed(t, resumed)
		require.NoError(t, resumed.Err())
	}
	live.Close()
}

// expectSeqs reads results from..to in order from sub.
func expectSeqs(t *testing.T, sub *sequencer.Subscription, from, to uint64) []*sequencer.Result {
	t.Helper()
	var got []*sequencer.Result
	for want := from; want <= to; want++ {
		r, ok := recv(t, sub.C)
		require.True(t, ok, "closed before seq %d: %v", want, sub.Err())
		require.Equal(t, want, r.Seq)
		got = append(got, r)
	}
	return got
}

// drainClosed reads until C is closed.
func drainClosed(t *testing.T, sub *sequencer.Subscription) {
	t.Helper()
	for {
		if _, ok := recv(t, sub.C); !ok {
			return
		}
	}
}

func TestResumeAfterRestartRederivesResults(t *testing.T) {
	fs := vfs.NewMem()
	jo := journal.Options{}
	v := open(t, fs, "db", jo, sequencer.Options{})
	live, err := v.s.Subscribe(0, 1000)
	require.NoError(t, err)
	g := journaltest.NewGen(13)
	submitAll(t, v.s, g.Batch(300), 4)
	_, err = v.s.Snapshot(context.Background())
	require.NoError(t, err)
	submitAll(t, v.s, g.Batch(200), 4)
	orig := expectSeqs(t, live, 1, 500)
	v.close(t)

	// After a restart the ring is empty: old results come from the journal,
	// identical to the originals, then the live stream follows with no gap.
	v2 := open(t, fs, "db", jo, sequencer.Options{ResumeFromJournal: true})
	defer v2.close(t)
	for _, from := range []uint64{1, 250, 301, 500} {
		sub, err := v2.s.Subscribe(from, 8)
		require.NoError(t, err)
		got := expectSeqs(t, sub, from, 500)
		for i, r := range got {
			require.Equal(t, orig[from-1+uint64(i)], r, "seq %d", r.Seq)
		}
		sub.Close()
	}
	sub, err := v2.s.Subscribe(450, 1000)
	require.NoError(t, err)
	done := make(chan struct{})
	go func() { defer close(done); submitAll(t, v2.s, g.Batch(300), 4) }()
	expectSeqs(t, sub, 450, 800)
	<-done
	require.NoError(t, sub.Err())
}

func TestResumeTooOldWithoutJournalResume(t *testing.T) {
	v := open(t, vfs.NewMem(), "db", journal.Options{}, sequencer.Options{RingSize: 16})
	defer v.close(t)
	submitN(t, v.s, 40)
	_, err := v.s.Subscribe(10, 1)
	require.ErrorIs(t, err, sequencer.ErrTooOld)
	require.ErrorContains(t, err, "oldest result held is seq 25")
	sub, err := v.s.Subscribe(25, 1)
	require.NoError(t, err)
	expectSeqs(t, sub, 25, 40)
	sub.Close()
}

func TestResumeTooOldWhenPruned(t *testing.T) {
	v := open(t, vfs.NewMem(), "db", journal.Options{RetainCommands: 10, KeepSnapshots: 1}, sequencer.Options{RingSize: 16, ResumeFromJournal: true})
	defer v.close(t)
	submitN(t, v.s, 100)
	_, err := v.s.Snapshot(context.Background())
	require.NoError(t, err)
	submitN(t, v.s, 50)
	_, err = v.s.Subscribe(5, 10)
	require.ErrorIs(t, err, sequencer.ErrTooOld)
	require.ErrorContains(t, err, "seq 5 was pruned")
	// From the snapshot on, the journal can still rebuild.
	sub, err := v.s.Subscribe(101, 10)
	require.NoError(t, err)
	expectSeqs(t, sub, 101, 150)
	sub.Close()
}

// TestResumeRefusesOtherRules: results of commands a build of other engine
// rules journaled are not rebuilt under this build's rules (they could
// differ from what was published); a stream from the snapshot that carried
// the state across resumes as usual.
func TestResumeRefusesOtherRules(t *testing.T) {
	fs := vfs.NewMem()
	v := open(t, fs, "db", journal.Options{Rules: 7}, sequencer.Options{})
	submitN(t, v.s, 100)
	_, err := v.s.Snapshot(context.Background())
	require.NoError(t, err)
	v.close(t)

	v = open(t, fs, "db", journal.Options{Rules: 8}, sequencer.Options{RingSize: 16, ResumeFromJournal: true})
	defer v.close(t)
	submitN(t, v.s, 50)
	sub, err := v.s.Subscribe(5, 10)
	require.NoError(t, err)
	drainClosed(t, sub)
	require.ErrorIs(t, sub.Err(), sequencer.ErrTooOld)
	require.ErrorIs(t, sub.Err(), journal.ErrRules)
	require.ErrorContains(t, sub.Err(), "seq 1 was journaled under engine rules 7; this build applies rules 8")
	// From seq 1 there is nothing to recover first: the scan meets them.
	sub, err = v.s.Subscribe(1, 10)
	require.NoError(t, err)
	drainClosed(t, sub)
	require.ErrorIs(t, sub.Err(), sequencer.ErrTooOld)
	require.ErrorIs(t, sub.Err(), journal.ErrRules)
	require.ErrorContains(t, sub.Err(), "seq 1 was journaled under engine rules 7; this build applies rules 8")
	require.Len(t, regexp.MustCompile(`\bseq 1\b`).FindAllString(sub.Err().Error(), -1), 1,
		"the seq is named once: %v", sub.Err())
	sub, err = v.s.Subscribe(101, 10)
	require.NoError(t, err)
	expectSeqs(t, sub, 101, 150)
	sub.Close()
}

func TestCatchUpEndsOnClose(t *testing.T) {
	v := open(t, vfs.NewMem(), "db", journal.Options{}, sequencer.Options{RingSize: 16, ResumeFromJournal: true})
	submitN(t, v.s, 100)
	sub, err := v.s.Subscribe(1, 1) // never read past the first: the catch-up waits
	require.NoError(t, err)
	expectSeqs(t, sub, 1, 1)
	v.close(t) // does not hang on the waiting catch-up
	drainClosed(t, sub)
	require.ErrorIs(t, sub.Err(), sequencer.ErrClosed)
}

func TestSlowSubscriberCutOff(t *testing.T) {
	v := open(t, vfs.NewMem(), "db", journal.Options{}, sequencer.Options{})
	defer v.close(t)
	slow, err := v.s.Subscribe(0, 3)
	require.NoError(t, err)
	fast, err := v.s.Subscribe(0, 1000)
	require.NoError(t, err)
	submitN(t, v.s, 20) // the slow one never reads: submits still complete
	var got []uint64
	for range 3 {
		r, ok := recv(t, slow.C)
		require.True(t, ok)
		got = append(got, r.Seq)
	}
	require.Equal(t, []uint64{1, 2, 3}, got)
	_, ok := recv(t, slow.C)
	require.False(t, ok, "cut off: C closed")
	require.ErrorIs(t, slow.Err(), sequencer.ErrSlowConsumer)
	for want := uint64(1); want <= 20; want++ {
		r, ok := recv(t, fast.C)
		require.True(t, ok)
		require.Equal(t, want, r.Seq)
	}
	require.NoError(t, fast.Err())
}

func TestSubscribersClosedOnClose(t *testing.T) {
	v := open(t, vfs.NewMem(), "db", journal.Options{}, sequencer.Options{})
	sub, err := v.s.Subscribe(0, 10)
	require.NoError(t, err)
	v.close(t)
	_, ok := recv(t, sub.C)
	require.False(t, ok)
	require.ErrorIs(t, sub.Err(), sequencer.ErrClosed)
	_, err = v.s.Subscribe(0, 10)
	require.ErrorIs(t, err, sequencer.ErrClosed)
}

func TestQueryRunsOnEngine(t *testing.T) {
	v := open(t, vfs.NewMem(), "db", journal.Options{}, sequencer.Options{})
	defer v.close(t)
	submitN(t, v.s, 10)
	var n int
	require.NoError(t, v.s.Query(context.Background(), func(e *engine.Engine) { n = len(e.Book().Instruments()) }))
	require.Equal(t, 2, n)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, v.s.Query(ctx, func(*engine.Engine) {}), context.Canceled)
}

// walFault fails WAL writes and syncs while on.
type walFault struct{ on atomic.Bool }

var errInjected = errors.New("injected storage fault")

func (f *walFault) MaybeError(op errorfs.Op) error {
	if !f.on.Load() || !strings.HasSuffix(op.Path, ".log") {
		return nil
	}
	switch op.Kind {
	case errorfs.OpFileWrite, errorfs.OpFileWriteAt, errorfs.OpFileSync, errorfs.OpFileSyncData, errorfs.OpFileSyncTo:
		return errInjected
	}
	return nil
}

func (f *walFault) String() string { return "wal-fault" }

func TestFailStopOnJournalFailure(t *testing.T) {
	mem := vfs.NewMem()
	fault := &walFault{}
	v := open(t, errorfs.Wrap(mem, fault), "db", journal.Options{}, sequencer.Options{})
	sub, err := v.s.Subscribe(0, 1000)
	require.NoError(t, err)
	submitN(t, v.s, 50)
	before, seq := v.digest(t)

	fault.on.Store(true)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 16 {
		wg.Go(func() {
			for range 4 {
				_, err := v.s.Submit(context.Background(), tick())
				if !errors.Is(err, sequencer.ErrOverloaded) {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.ErrorIs(t, err, sequencer.ErrClosed)
		require.ErrorIs(t, err, errInjected, "the cause is wrapped")
	}
	require.ErrorIs(t, v.s.Err(), errInjected)
	// Later submitters fail at once too.
	_, err = v.s.Submit(context.Background(), tick())
	require.ErrorIs(t, err, sequencer.ErrClosed)
	require.ErrorIs(t, err, errInjected)
	// Subscribers are told.
	for {
		r, ok := recv(t, sub.C)
		if !ok {
			break
		}
		require.LessOrEqual(t, r.Seq, seq, "nothing unjournaled is published")
	}
	require.ErrorIs(t, sub.Err(), errInjected)

	require.ErrorIs(t, v.s.Close(), errInjected)
	// Nothing unjournaled was applied.
	require.Equal(t, seq, v.e.LastSeq())
	require.Equal(t, before, v.e.Digest())
	_ = v.j.Close()
}

func TestSnapshotUnderLoad(t *testing.T) {
	fs := vfs.NewMem()
	v := open(t, fs, "db", journal.Options{RetainCommands: 200}, sequencer.Options{})
	g := journaltest.NewGen(12)
	cmds := g.Batch(3000)
	done := make(chan struct{})
	var snaps []uint64
	go func() {
		defer close(done)
		// Five snapshots while the load runs, after every 500 commands.
		for len(snaps) < 5 {
			if v.j.LastSeq() < uint64(500*(len(snaps)+1)) {
				time.Sleep(100 * time.Microsecond)
				continue
			}
			seq, err := v.s.Snapshot(context.Background())
			require.NoError(t, err)
			snaps = append(snaps, seq)
		}
	}()
	submitAll(t, v.s, cmds, 8)
	<-done
	want, seq := v.digest(t)
	v.close(t)
	require.NotEmpty(t, snaps)

	v2 := open(t, fs, "db", journal.Options{RetainCommands: 200}, sequencer.Options{})
	defer v2.close(t)
	got, seq2 := v2.digest(t)
	require.Equal(t, seq, seq2)
	require.Equal(t, want, got)
	require.Equal(t, snaps[len(snaps)-1], v2.st.SnapshotSeq)
}

func TestSubmitBatchIsContiguousAndAtomic(t *testing.T) {
	fs := vfs.NewMem()
	v := open(t, fs, "db", journal.Options{}, sequencer.Options{MaxBatch: 64})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			g := journaltest.NewGen(uint64(14 + w))
			for i := range 20 {
				n := 1 + (w*7+i*13)%150 // some larger than MaxBatch
				res, err := v.s.SubmitBatch(context.Background(), g.Batch(n))
				require.NoError(t, err)
				require.Len(t, res, n)
				for k := range res {
					require.Equal(t, res[0].Seq+uint64(k), res[k].Seq, "a batch's seqs are consecutive")
				}
			}
		})
	}
	wg.Wait()
	_, err := v.s.SubmitBatch(context.Background(), nil)
	require.ErrorIs(t, err, sequencer.ErrInvalidCommand)
	bad := journaltest.NewGen(1).Batch(3)
	bad[1].Kind = 77
	_, err = v.s.SubmitBatch(context.Background(), bad)
	require.ErrorIs(t, err, sequencer.ErrInvalidCommand)
	require.ErrorContains(t, err, "command 1")
	want, seq := v.digest(t)
	v.close(t)
	v2 := open(t, fs, "db", journal.Options{}, sequencer.Options{})
	defer v2.close(t)
	got, seq2 := v2.digest(t)
	require.Equal(t, seq, seq2)
	require.Equal(t, want, got)
}

func TestStatsInboxDepthAndOnBatch(t *testing.T) {
	j, err := journal.Open("db", journal.Options{FS: vfs.NewMem(), Logger: quiet()})
	require.NoError(t, err)
	defer j.Close()
	var mu sync.Mutex
	var sizes []int
	var durs []time.Duration
	s, err := sequencer.New(engine.New(), j, sequencer.Options{Logger: quiet(), OnBatch: func(n int, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		sizes, durs = append(sizes, n), append(durs, d)
	}})
	require.NoError(t, err)
	// Not started: submissions wait in the inbox.
	errc := make(chan error, 3)
	for range 3 {
		go func() { _, err := s.Submit(context.Background(), tick()); errc <- err }()
	}
	require.Eventually(t, func() bool { return s.Stats().InboxDepth == 3 }, 10*time.Second, time.Millisecond)
	s.Start()
	for range 3 {
		require.NoError(t, <-errc)
	}
	_, err = s.SubmitBatch(context.Background(), []engine.Command{tick(), tick()})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	st := s.Stats()
	require.Zero(t, st.InboxDepth)
	mu.Lock()
	defer mu.Unlock()
	total := 0
	for i, n := range sizes {
		require.Positive(t, n)
		require.Positive(t, durs[i], "a journal write takes time")
		total += n
	}
	require.Equal(t, 5, total, "every journaled command is reported once")
	require.Equal(t, st.Batches, uint64(len(sizes)), "one call per journal write")
}

// Catch-ups beyond MaxCatchUps wait for a slot; one whose subscriber leaves
// while waiting ends at once.
func TestCatchUpsTakeTurns(t *testing.T) {
	v := open(t, vfs.NewMem(), "db", journal.Options{}, sequencer.Options{RingSize: 16, ResumeFromJournal: true, MaxCatchUps: 1})
	defer v.close(t)
	submitN(t, v.s, 100)
	first, err := v.s.Subscribe(1, 1) // holds the slot: it reads only seq 1
	require.NoError(t, err)
	expectSeqs(t, first, 1, 1)
	second, err := v.s.Subscribe(10, 1)
	require.NoError(t, err)
	third, err := v.s.Subscribe(20, 1)
	require.NoError(t, err)
	select {
	case r := <-second.C:
		t.Fatalf("second catch-up ran beside the first: got seq %d", r.Seq)
	case <-time.After(50 * time.Millisecond):
	}
	third.Close() // leaves while waiting
	drainClosed(t, third)
	require.NoError(t, third.Err())
	first.Close()
	expectSeqs(t, second, 10, 100)
	second.Close()
}

// TestResultsStayIntactAcrossBatches holds on to every result (as
// submitters, subscribers and the ring do) while later batches carve their
// results and events from the same chunks, then checks each against the
// results rebuilt by replaying the journal.
func TestResultsStayIntactAcrossBatches(t *testing.T) {
	v := open(t, vfs.NewMem(), "db", journal.Options{}, sequencer.Options{RingSize: 4, ResumeFromJournal: true, MaxBatch: 256})
	defer v.close(t)
	var mu sync.Mutex
	held := map[uint64]*sequencer.Result{}
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			g := journaltest.NewGen(uint64(40 + w))
			for i := range 60 {
				var res []*sequencer.Result
				if i%10 == 9 {
					// Larger than MaxBatch: written alone, in a batch of
					// its own size.
					var err error
					res, err = v.s.SubmitBatch(context.Background(), g.Batch(300+w))
					require.NoError(t, err)
				} else {
					r, err := v.s.Submit(context.Background(), g.Next())
					if errors.Is(err, sequencer.ErrOverloaded) {
						continue
					}
					require.NoError(t, err)
					res = []*sequencer.Result{r}
				}
				mu.Lock()
				for _, r := range res {
					held[r.Seq] = r
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	last := v.j.LastSeq()
	require.Equal(t, int(last), len(held), "a result per journaled command")
	events := 0
	sub, err := v.s.Subscribe(1, 1)
	require.NoError(t, err)
	defer sub.Close()
	for _, r := range expectSeqs(t, sub, 1, last) {
		h := held[r.Seq]
		require.Equal(t, r.Time, h.Time)
		require.Equal(t, r.Trade, h.Trade, "seq %d", r.Seq)
		require.Equal(t, r.Commerce, h.Commerce, "seq %d", r.Seq)
		events += len(h.Trade)
	}
	require.Greater(t, events, int(last), "the stream makes events")
}
