package gateway

import (
	"context"
	"errors"
	"fmt"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/journal"
	"github.com/ordercore/oms/sequencer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// catchUp serves a stream whose resume point is older than the sequencer's
// ring (after a restart, or a long absence): it subscribes to the live
// results first, rebuilds the engine as of from-1 from the journal on a
// private engine, replays the journaled commands from seq from through the
// last one applied when it started, sending their events, and then carries
// on with the live results after that. The replayed events are the ones
// the live engine produced: Apply is deterministic. One catch-up runs at a
// time, since each rebuilds a whole engine.
func (g *Gateway) catchUp(ctx context.Context, from uint64, send func(*sequencer.Result) error) (*sequencer.Subscription, uint64, error) {
	if g.journal == nil {
		return nil, 0, status.Errorf(codes.OutOfRange, "from_seq %d is older than the results the server holds", from)
	}
	if err := g.journal.Replayable(from); err != nil {
		return nil, 0, status.Errorf(codes.OutOfRange, "from_seq %d cannot be replayed: %v", from, err)
	}
	select {
	case g.catchUpSem <- struct{}{}:
		defer func() { <-g.catchUpSem }()
	case <-ctx.Done():
		return nil, 0, status.FromContextError(ctx.Err()).Err()
	}
	sub, err := g.seq.Subscribe(0, g.buffer)
	if err != nil {
		return nil, 0, seqErr(err)
	}
	var last uint64
	if err := g.query(ctx, func(e *engine.Engine) { last = e.LastSeq() }); err != nil {
		sub.Close()
		return nil, 0, err
	}
	if err := g.replay(ctx, from, last, send); err != nil {
		sub.Close()
		return nil, 0, err
	}
	return sub, last, nil
}

// errStopReplay ends a replay whose client went away.
var errStopReplay = errors.New("gateway: replay stopped")

// replay rebuilds the engine as of from-1 and sends the results of the
// commands from through last.
func (g *Gateway) replay(ctx context.Context, from, last uint64, send func(*sequencer.Result) error) error {
	e := engine.New()
	if from > 1 {
		if _, err := g.journal.Recover(e, journal.ReplayOptions{Until: from - 1}); err != nil {
			g.log.Error("stream catch-up: rebuild failed", "from_seq", from, "err", err)
			return status.Errorf(codes.Internal, "cannot rebuild the state as of seq %d", from-1)
		}
	}
	var out engine.Output
	var sendErr error
	next := from // the resume point if the replay stops
	err := g.journal.Scan(from, last, func(c *engine.Command) error {
		select {
		case <-ctx.Done():
			return errStopReplay
		case <-g.drained:
			return errStopReplay
		default:
		}
		out.Reset()
		e.Apply(c, &out)
		// send converts to proto at once, so the reused slices are safe.
		if err := send(&sequencer.Result{Seq: out.Seq, Time: out.Time, Trade: out.Trade, Commerce: out.Commerce}); err != nil {
			sendErr = err
			return errStopReplay
		}
		next = out.Seq + 1
		return nil
	})
	switch {
	case sendErr != nil:
		return sendErr
	case errors.Is(err, errStopReplay) && ctx.Err() != nil:
		return status.FromContextError(ctx.Err()).Err()
	case errors.Is(err, errStopReplay):
		return resumeErr(codes.Unavailable, "server shutting down", next)
	case err != nil:
		g.log.Error("stream catch-up: scan failed", "from_seq", from, "err", err)
		return status.Error(codes.Internal, fmt.Sprintf("cannot replay from seq %d", from))
	}
	return nil
}
