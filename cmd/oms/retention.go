package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/commerce"
	"github.com/ordercore/oms/sequencer"
)

// applyRetention journals the configured commerce retention when it differs
// from the engine's (a SetRetention command, so that a replay applies it at
// the same point). A key the configuration leaves unset keeps the engine's
// value, so a change made at run time (oms retention set) survives a
// restart unless the configuration says otherwise.
func applyRetention(ctx context.Context, seq *sequencer.Sequencer, cfg Config, log *slog.Logger) error {
	var have commerce.Retention
	if err := seq.Query(ctx, func(e *engine.Engine) { have = e.Commerce().Retention() }); err != nil {
		return err
	}
	want := have
	if cfg.ArchiveAfter != nil {
		want.ArchiveAfter = int64(*cfg.ArchiveAfter)
	}
	if cfg.DedupWindow != nil {
		want.DedupWindow = int64(*cfg.DedupWindow)
	}
	if have == want {
		return nil
	}
	res, err := seq.Submit(ctx, engine.Command{Kind: engine.KindCommerce,
		Commerce: commerce.Command{Kind: commerce.CmdSetRetention, Retention: want}})
	if err != nil {
		return fmt.Errorf("retention: %w", err)
	}
	for _, e := range res.Commerce {
		if e.Kind == commerce.EvRejected {
			return fmt.Errorf("config: retention rejected: %s (%s)", e.Reason, e.Field)
		}
	}
	log.Info("commerce retention set", "archive_after", time.Duration(want.ArchiveAfter), "dedup_window", time.Duration(want.DedupWindow), "seq", res.Seq)
	return nil
}
