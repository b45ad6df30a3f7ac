package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/journal"
	"github.com/ordercore/oms/sequencer"
)

// engineTarget applies commands to the core directly, on the calling
// goroutine: the engine's own cost, with nothing around it. Its clock is
// logical (one millisecond per command), as a sequencer would stamp it.
type engineTarget struct {
	s   *stream
	e   *engine.Engine
	cmd engine.Command
	out engine.Output
	seq uint64
}

func newEngineTarget(s *stream) *engineTarget { return &engineTarget{s: s, e: engine.New()} }

func (t *engineTarget) apply(c *engine.Command) {
	t.seq++
	c.Seq, c.Time = t.seq, epoch+int64(t.seq)*1e6
	t.out.Reset()
	t.e.Apply(c, &t.out)
}

// epoch is the engine time the in-process scenarios start at.
const epoch = 1767225600e9 // 2026-01-01T00:00:00Z

func (t *engineTarget) setup(context.Context) error {
	for _, ph := range t.s.setupPhases() {
		for k := range ph {
			t.apply(&ph[k])
			if err := setupRejected(t.out.Trade, t.out.Commerce); err != nil {
				return fmt.Errorf("bench: engine setup: %w", err)
			}
		}
	}
	return nil
}

func (t *engineTarget) op(i int) error {
	t.s.command(i, &t.cmd)
	t.apply(&t.cmd)
	t.s.observe(i, t.out.Trade, t.out.Commerce)
	return nil
}

func (t *engineTarget) close() error { return nil }

// durableTarget submits commands to a sequencer journaling to Pebble in a
// temporary directory: the engine plus group commit and fsync.
type durableTarget struct {
	s   *stream
	dir string
	j   *journal.Journal
	seq *sequencer.Sequencer
	ctx context.Context
}

// startDurable opens a journal in a new temporary directory under parent
// ("" is the system's) and starts a sequencer on it.
func startDurable(parent string) (*journal.Journal, *sequencer.Sequencer, string, error) {
	dir, err := os.MkdirTemp(parent, "oms-bench-")
	if err != nil {
		return nil, nil, "", fmt.Errorf("bench: temp dir: %w", err)
	}
	quiet := slog.New(slog.DiscardHandler)
	j, err := journal.Open(dir, journal.Options{Logger: quiet})
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, nil, "", err
	}
	e := engine.New()
	if _, err := j.Recover(e, journal.ReplayOptions{}); err != nil {
		_ = j.Close()
		_ = os.RemoveAll(dir)
		return nil, nil, "", err
	}
	seq, err := sequencer.New(e, j, sequencer.Options{Logger: quiet, InboxSize: 1 << 16})
	if err != nil {
		_ = j.Close()
		_ = os.RemoveAll(dir)
		return nil, nil, "", err
	}
	seq.Start()
	return j, seq, dir, nil
}

func newDurableTarget(ctx context.Context, s *stream, parent string) (*durableTarget, error) {
	j, seq, dir, err := startDurable(parent)
	if err != nil {
		return nil, err
	}
	return &durableTarget{s: s, dir: dir, j: j, seq: seq, ctx: ctx}, nil
}

func (t *durableTarget) setup(ctx context.Context) error {
	return runPhases(ctx, t.s.setupPhases(), 64, func(ctx context.Context, c *engine.Command) error {
		res, err := t.seq.Submit(ctx, *c)
		if err != nil {
			return err
		}
		return setupRejected(res.Trade, res.Commerce)
	})
}

func (t *durableTarget) op(i int) error {
	var c engine.Command
	t.s.command(i, &c)
	res, err := t.seq.Submit(t.ctx, c)
	if err != nil {
		return err
	}
	t.s.observe(i, res.Trade, res.Commerce)
	return nil
}

func (t *durableTarget) close() error {
	err := t.seq.Close()
	if jerr := t.j.Close(); err == nil {
		err = jerr
	}
	if rerr := os.RemoveAll(t.dir); err == nil {
		err = rerr
	}
	return err
}
