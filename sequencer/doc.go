// Package sequencer is the single writer in front of the engine: the one
// door through which every command enters, is stamped with its sequence
// number and time, is made durable in the journal, and is applied.
//
// Usage:
//
//	j, _ := journal.Open(dir, journal.Options{})
//	e := engine.New()
//	_, _ = j.Recover(e, journal.ReplayOptions{})
//	s, _ := sequencer.New(e, j, sequencer.Options{})
//	s.Start()
//	defer j.Close()
//	defer s.Close()
//	res, err := s.Submit(ctx, engine.Command{Kind: engine.KindTrade, Trade: cmd})
//	all, err := s.SubmitBatch(ctx, cmds) // consecutive seqs, one journal write
//	sub, _ := s.Subscribe(0, 1024) // every result from now on, in seq order
//	err = s.Query(ctx, func(e *engine.Engine) { /* read only */ })
//	seq, err := s.Snapshot(ctx)
//
// The loop: the writer goroutine drains a batch from the bounded inbox
// (whatever is waiting, up to MaxBatch: a lone command goes at once, batches
// grow under load), stamps each command with the next seq and the clock, and
// appends the batch to the journal in one synced write (group commit). The
// engine goroutine then applies the durable batch, publishes the results to
// subscribers, and then releases each submitter's result (so a submitter
// holding seq N can subscribe from N or N+1 at once). The journal
// write of the next batch overlaps the apply of the previous one.
//
// Time: the sequencer's clock (Options.Now) is the only one the engine
// sees, through the times it stamps. With Options.TickEvery it also
// submits a tick command of its own at that interval, journaled like any
// other, so that what falls due by time (good-till-date orders,
// reservations, archiving) happens when no other command comes.
//
// Guarantees:
//   - No result is released, and nothing is applied, before its command is
//     durable. Results are released in seq order.
//   - Submit never hangs on a full inbox: it fails at once with
//     ErrOverloaded. A command is never silently dropped: its submitter gets
//     a result or an error.
//   - Fail-stop: if a journal write fails, the failed batch is not applied
//     and the sequencer stops. The batch's submitters get an error wrapping
//     ErrOutcomeUnknown as well as ErrClosed and the journal's error: a
//     failed sync may still have reached the disk, and recovery would then
//     replay their commands, so they must not be reported as refused.
//     Every later submitter (still queued, or submitting after the stop)
//     gets ErrClosed and the journal's error without ErrOutcomeUnknown: its
//     command never reached the journal and is certainly not applied.
//   - A Submit whose ctx ends while it waits returns an error wrapping
//     ErrOutcomeUnknown and ctx's error: the command may still be applied.
//     So errors.Is(err, ErrOutcomeUnknown) is the one test for "may have
//     been applied"; ErrOverloaded, ErrInvalidCommand, and ErrClosed
//     without it, mean "not applied".
//   - Subscribers get every result in seq order with no gaps. A resume
//     point still in the ring of recent results is served from it; an older
//     one is ErrTooOld, or with Options.ResumeFromJournal (useful after a
//     restart, when the ring is empty) it is rebuilt from the journal off the engine
//     goroutine (snapshot + replay in a scratch engine: identical results,
//     since the engine is deterministic) until the subscription joins the
//     live stream; one the journal has pruned fails with ErrTooOld. At most
//     Options.MaxCatchUps catch-ups rebuild an engine at once. A live
//     subscriber whose buffer is full is cut off (C closed, Err =
//     ErrSlowConsumer); the engine never waits.
//   - Queries and snapshot serialisation run on the engine goroutine between
//     batches; the snapshot's hashing and write happen off it.
//   - Close is idempotent: it refuses new commands, finishes those already
//     queued, waits for snapshot writes, and stops the goroutines.
package sequencer
