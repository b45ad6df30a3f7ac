package fix

import (
	"errors"
	"fmt"
	"time"

	"github.com/ordercore/oms/sequencer"
)

// subscribeResume subscribes from the seq after the checkpoint, so that the
// reports of commands applied since (last is the engine's last seq) are
// regenerated. It returns the subscription and its first seq, and records
// that seq minus one as the checkpoint when it differs.
func (g *Gateway) subscribeResume(last uint64) (*sequencer.Subscription, uint64, error) {
	saved, ok, err := g.cp.load()
	if err != nil {
		return nil, 0, fmt.Errorf("fix: start: %w", err)
	}
	from := last + 1
	switch {
	case !ok:
		g.log.Info("fix: no checkpoint yet; reports start at the next command", "file", g.cp.path, "from_seq", from)
	case saved > last:
		g.log.Warn("fix: checkpoint beyond the engine's last seq (journal replaced?); reports start at the next command",
			"file", g.cp.path, "checkpoint", saved, "last_seq", last)
	default:
		from = saved + 1
	}
	sub, err := g.seq.Subscribe(from, g.cfg.SubscribeBuffer)
	switch {
	case err == nil:
		if from <= last {
			g.resumeUntil = last
			g.log.Info("fix: regenerating reports missed before the restart (PossResend=Y)", "from_seq", from, "to_seq", last)
		}
	case !errors.Is(err, sequencer.ErrTooOld):
		return nil, 0, fmt.Errorf("fix: start: subscribe from seq %d: %w", from, err)
	case g.cfg.FailOnLostReports:
		return nil, 0, fmt.Errorf("%w: seqs %d to %d (the sequencer needs Options.ResumeFromJournal and a journal that still holds them): %w",
			ErrReportsLost, from, last, err)
	default:
		g.log.Error("fix: reports lost: the reports of these seqs cannot be regenerated; "+
			"the sequencer needs Options.ResumeFromJournal and a journal that still holds them",
			"from_seq", from, "to_seq", last, "err", err)
		from = last + 1
		if sub, err = g.seq.Subscribe(from, g.cfg.SubscribeBuffer); err != nil {
			return nil, 0, fmt.Errorf("fix: start: subscribe from seq %d: %w", from, err)
		}
	}
	if !ok || saved != from-1 {
		if err := g.cp.save(from - 1); err != nil {
			sub.Close()
			return nil, 0, fmt.Errorf("fix: start: %w", err)
		}
	}
	g.saved = from - 1
	return sub, from, nil
}

// checkpointLoop records the last published seq every CheckpointInterval
// (when it moved) until Close.
func (g *Gateway) checkpointLoop() {
	tick := time.NewTicker(g.cfg.CheckpointInterval)
	defer tick.Stop()
	for {
		select {
		case <-g.quit:
			return
		case <-tick.C:
			if err := g.saveCheckpoint(); err != nil {
				g.log.Error("fix: checkpoint not saved; a crash now would resend more reports", "err", err)
			}
		}
	}
}

// saveCheckpoint records the last published seq if it moved. REQUIRES: the
// caller owns g.saved (the checkpoint loop, or Close after it stopped).
func (g *Gateway) saveCheckpoint() error {
	if g.crashed.Load() {
		return nil // a crashed process writes nothing more
	}
	p := g.published.Load()
	if u := g.unstored.Load(); u != 0 {
		p = min(p, u-1)
	}
	if p <= g.saved {
		return nil
	}
	if err := g.cp.save(p); err != nil {
		return err
	}
	g.saved = p
	return nil
}
