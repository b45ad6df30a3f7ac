package fix

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/sequencer"
	"github.com/quickfixgo/tag"
	"github.com/stretchr/testify/require"
)

// resumeOpts are the sequencer options `oms serve` uses: results older than
// the ring are rebuilt from the journal.
func resumeOpts() sequencer.Options {
	return sequencer.Options{Logger: quietLogger(), ResumeFromJournal: true}
}

// crashEnv is an env whose gateway can be crashed: crashAt (0 for never)
// is the first seq whose reports never reach QuickFIX.
type crashEnv struct {
	*env
	crashAt atomic.Uint64
	cfg     Config
}

func newCrashEnv(t *testing.T, opts sequencer.Options, cfg Config) *crashEnv {
	t.Helper()
	v := &crashEnv{env: &env{t: t, dir: t.TempDir()}, cfg: cfg}
	v.core = openCoreWith(t, vfs.NewMem(), "journal", opts)
	seedBook(t, v.core, "DESK1", "DESK2", "DESK2B", "OTHER")
	l, port := listen(t, 0)
	v.port = port
	v.gw = v.startGateway(l)
	t.Cleanup(func() {
		for _, c := range []*client{v.desk1, v.desk2} {
			if c != nil {
				c.stop()
			}
		}
		require.NoError(t, v.gw.Close())
		v.core.close(t)
	})
	v.desk1 = newClient(t, v.dir, "FIX.4.4", "DESK1", v.port, "")
	v.desk2 = newClient(t, v.dir, "FIX.4.2", "DESK2", v.port, "")
	v.desk1.waitLogon()
	v.desk2.waitLogon()
	return v
}

// startGateway starts a gateway whose publish loop crashes at crashAt.
func (v *crashEnv) startGateway(l net.Listener) *Gateway {
	t := v.t
	t.Helper()
	s, err := ParseSettings(strings.NewReader(gatewaySettings(v.dir, v.port, "", "")))
	require.NoError(t, err)
	cfg := v.cfg
	cfg.Settings, cfg.Listener, cfg.Logger = s, l, quietLogger()
	g, err := New(v.core.seq, cfg)
	require.NoError(t, err)
	g.crashHook = func(res *sequencer.Result) bool {
		at := v.crashAt.Load()
		return at != 0 && res.Seq >= at
	}
	require.NoError(t, g.Start())
	return g
}

// restart closes the crashed gateway and the core, reopens the core on the
// same journal, starts a new gateway and waits for both desks to log on.
func (v *crashEnv) restart(opts sequencer.Options) {
	v.t.Helper()
	v.restartWith(opts, nil)
}

// restartWith is restart calling between, when non-nil, once the old
// gateway and core are closed and before the new ones open.
func (v *crashEnv) restartWith(opts sequencer.Options, between func()) {
	t := v.t
	t.Helper()
	require.NoError(t, v.gw.Close())
	v.core.close(t)
	for _, c := range []*client{v.desk1, v.desk2} {
		select {
		case <-c.logout:
		case <-time.After(wait):
			t.Fatalf("%s not logged out by the shutdown", c.id)
		}
	}
	if between != nil {
		between()
	}
	v.crashAt.Store(0)
	v.core = openCoreWith(t, v.core.fs, "journal", opts)
	l, _ := listen(t, v.port)
	v.gw = v.startGateway(l)
	v.desk1.waitLogon()
	v.desk2.waitLogon()
}

func (c *core) lastSeq(t testing.TB) uint64 {
	t.Helper()
	var last uint64
	require.NoError(t, c.seq.Query(context.Background(), func(e *engine.Engine) { last = e.LastSeq() }))
	return last
}

// TestCrashRegeneratesMissedReports crashes the gateway between the apply
// of a fill and its reports: after the restart on the same journal, both
// desks receive every report they missed, marked PossResend=Y with the
// original ExecIDs, and those the checkpoint did not cover again, also
// marked.
func TestCrashRegeneratesMissedReports(t *testing.T) {
	// An hour: the checkpoint stays where Start wrote it.
	v := newCrashEnv(t, resumeOpts(), Config{CheckpointInterval: time.Hour})
	d1, d2 := v.desks()[0], v.desks()[1]
	d1.limit("s1", "2", "30", "100.00")
	sent := d1.expectNew("s1") // handed over after the checkpoint
	require.NotEqual(t, "Y", sent[tag.PossResend])

	// Crash: the fill is applied and journaled, its reports never leave.
	v.crashAt.Store(v.core.lastSeq(t) + 1)
	d2.limit("b1", "1", "10", "100.00")
	d2.none(200 * time.Millisecond)
	d1.none(0)
	v.restart(resumeOpts())

	// DESK1: its order's acceptance again (sent before the crash, so a
	// possible duplicate with the same ExecID), then the fill it missed.
	f := expect(t, d1.next(), "8", tag.ExecType, "0", tag.ClOrdID, "s1", tag.PossResend, "Y")
	require.Equal(t, sent[tag.ExecID], f[tag.ExecID])
	expect(t, d1.next(), "8", tag.ExecType, "F", tag.ClOrdID, "s1", tag.LastQty, "10", tag.CumQty, "10",
		tag.LeavesQty, "20", tag.PossResend, "Y")
	// DESK2 (FIX 4.2): the acceptance and the fill of b1, never sent before.
	expect(t, d2.next(), "8", tag.ExecType, "0", tag.ClOrdID, "b1", tag.PossResend, "Y")
	expect(t, d2.next(), "8", tag.ExecType, "2", tag.ClOrdID, "b1", tag.LastQty, "10", tag.PossResend, "Y")

	// New business after the restart is not marked.
	d2.limit("b2", "1", "10", "100.00")
	f = d2.expectNew("b2")
	require.NotEqual(t, "Y", f[tag.PossResend])
	f = expect(t, d2.next(), "8", tag.ExecType, "2", tag.ClOrdID, "b2")
	require.NotEqual(t, "Y", f[tag.PossResend])
	f = expect(t, d1.next(), "8", tag.ExecType, "F", tag.ClOrdID, "s1", tag.CumQty, "20")
	require.NotEqual(t, "Y", f[tag.PossResend])
	d1.none(200 * time.Millisecond)
	d2.none(0)
}

// TestCheckpointBoundsResends: with a short checkpoint interval, what was
// handed to QuickFIX before the checkpoint is not sent again after a crash.
func TestCheckpointBoundsResends(t *testing.T) {
	v := newCrashEnv(t, resumeOpts(), Config{CheckpointInterval: 5 * time.Millisecond})
	d1, d2 := v.desks()[0], v.desks()[1]
	d1.limit("s1", "2", "30", "100.00")
	d1.expectNew("s1")
	last := v.core.lastSeq(t)
	requireCheckpoint(t, v.gw, last)

	v.crashAt.Store(last + 1)
	d2.limit("b1", "1", "10", "100.00")
	d2.none(200 * time.Millisecond)
	v.restart(resumeOpts())

	expect(t, d1.next(), "8", tag.ExecType, "F", tag.ClOrdID, "s1", tag.CumQty, "10", tag.PossResend, "Y")
	expect(t, d2.next(), "8", tag.ExecType, "0", tag.ClOrdID, "b1", tag.PossResend, "Y")
	expect(t, d2.next(), "8", tag.ExecType, "2", tag.ClOrdID, "b1", tag.PossResend, "Y")
	d1.none(200 * time.Millisecond) // no second acceptance of s1
	// The restarted gateway checkpoints the regenerated seqs too.
	requireCheckpoint(t, v.gw, v.core.lastSeq(t))
}

// requireCheckpoint waits until g's checkpoint file records seq.
func requireCheckpoint(t *testing.T, g *Gateway, seq uint64) {
	t.Helper()
	require.Eventually(t, func() bool {
		got, ok, err := g.cp.load()
		return err == nil && ok && got == seq
	}, wait, time.Millisecond, "checkpoint never reached seq %d", seq)
}

// TestLostReportsAreNotSilent: without ResumeFromJournal the missed reports
// cannot be rebuilt; Start says so (an error with FailOnLostReports, else a
// logged gap) rather than skipping them quietly.
func TestLostReportsAreNotSilent(t *testing.T) {
	noResume := sequencer.Options{Logger: quietLogger()}
	v := newCrashEnv(t, noResume, Config{CheckpointInterval: time.Hour})
	d1, d2 := v.desks()[0], v.desks()[1]
	d1.limit("s1", "2", "30", "100.00")
	d1.expectNew("s1")
	v.crashAt.Store(v.core.lastSeq(t) + 1)
	d2.limit("b1", "1", "10", "100.00")
	d2.none(200 * time.Millisecond)
	require.NoError(t, v.gw.Close())
	v.core.close(t)

	v.core = openCoreWith(t, v.core.fs, "journal", noResume)
	s, err := ParseSettings(strings.NewReader(gatewaySettings(v.dir, v.port, "", "")))
	require.NoError(t, err)
	g, err := New(v.core.seq, Config{Settings: s, Logger: quietLogger(), FailOnLostReports: true})
	require.NoError(t, err)
	err = g.Start()
	require.ErrorIs(t, err, ErrReportsLost)
	require.ErrorIs(t, err, sequencer.ErrTooOld)
	require.Contains(t, err.Error(), "ResumeFromJournal")
	require.NoError(t, g.Close())

	// Without FailOnLostReports the gateway starts from the next command
	// and moves its checkpoint there.
	l, _ := listen(t, v.port)
	v.crashAt.Store(0)
	v.gw = v.startGateway(l)
	requireCheckpoint(t, v.gw, v.core.lastSeq(t))
}

func TestCheckpointFile(t *testing.T) {
	dir := t.TempDir()
	s, err := ParseSettings(strings.NewReader(gatewaySettings(dir, 1, "", "")))
	require.NoError(t, err)
	cp, err := newCheckpoint(s)
	require.NoError(t, err)
	_, ok, err := cp.load()
	require.NoError(t, err)
	require.False(t, ok)
	for _, seq := range []uint64{0, 7, 1 << 62} {
		require.NoError(t, cp.save(seq))
		got, ok, err := cp.load()
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, seq, got)
	}
	_, err = os.Stat(cp.path + ".tmp")
	require.True(t, errors.Is(err, os.ErrNotExist), "no temporary file left behind")

	for _, bad := range []string{"", "12\n", checkpointHeader + "\n-1\n", checkpointHeader + "\n1\n2\n", "other v1\n5\n"} {
		require.NoError(t, os.WriteFile(cp.path, []byte(bad), 0o644))
		_, _, err := cp.load()
		require.Error(t, err, "content %q", bad)
		require.Contains(t, err.Error(), filepath.Base(cp.path))
	}
}

func TestCheckpointIntervalValidated(t *testing.T) {
	s, err := ParseSettings(strings.NewReader(gatewaySettings(t.TempDir(), 1, "", "")))
	require.NoError(t, err)
	_, err = (&Config{Settings: s, CheckpointInterval: -time.Second}).validate()
	require.ErrorContains(t, err, "CheckpointInterval")
}
