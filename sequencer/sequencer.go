package sequencer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/engine/commerce"
	"github.com/ordercore/oms/journal"
)

// Sentinel errors.
var (
	// ErrOverloaded is returned at once when the inbox is full.
	ErrOverloaded = errors.New("sequencer: overloaded")
	// ErrClosed is returned after Close, or after a journal failure stopped
	// the sequencer (then the error also wraps the journal's error). Alone
	// (without ErrOutcomeUnknown) it means the command was not journaled
	// and will never be applied.
	ErrClosed = errors.New("sequencer: closed")
	// ErrOutcomeUnknown is wrapped by the error of a command whose outcome
	// the sequencer cannot tell: the commands of the batch whose journal
	// write failed (the write may still have reached the disk, and then
	// recovery applies them: the error also wraps ErrClosed and the
	// journal's error), and a Submit abandoned because its ctx ended (the
	// command may still be applied: the error also wraps ctx's error). Such
	// a command must not be reported as refused: only its state, read after
	// the fact (after a restart, for a fail-stop), says whether it was
	// applied.
	ErrOutcomeUnknown = errors.New("sequencer: outcome unknown")
	// ErrSlowConsumer is a subscription's Err when it was cut off because
	// its buffer was full.
	ErrSlowConsumer = errors.New("sequencer: subscriber too slow")
	// ErrTooOld is returned by Subscribe when fromSeq is older than the
	// results the sequencer still holds.
	ErrTooOld = errors.New("sequencer: resume point too old")
	// ErrInvalidCommand is returned by Submit for a command the journal
	// could not store and replay (an unknown kind).
	ErrInvalidCommand = errors.New("sequencer: invalid command")
)

// Result is what one applied command produced. Seq and Time are as stamped
// and applied; the event slices are copies that do not alias the engine.
// A Result is shared by the submitter and every subscriber: treat it as
// read-only. Results and events are carved from shared chunks (see slab):
// holding one Result keeps its chunks alive, several MB, so a consumer that
// keeps results for long (rather than converting and dropping them, as the
// gateways do) should copy what it needs.
type Result struct {
	Seq      uint64
	Time     int64
	Trade    []book.Event
	Commerce []commerce.Event
}

// Options configure a Sequencer. Zero values take the defaults.
type Options struct {
	// InboxSize bounds the commands waiting to be journaled (default 8192).
	// A Submit finding it full fails at once with ErrOverloaded.
	InboxSize int
	// MaxBatch bounds the commands in one journal write (default 2048);
	// a SubmitBatch is never split, so a larger one is written whole.
	MaxBatch int
	// Now is the clock stamped on commands, in unix nanoseconds (default
	// the wall clock).
	Now func() int64
	// Logger receives lifecycle messages (default slog.Default()).
	Logger *slog.Logger
	// RingSize is how many recent results are kept for subscribers that
	// resume (default 65536).
	RingSize int
	// ResumeFromJournal lets Subscribe serve resume points older than the
	// ring (after a restart, say) by rebuilding their results from the
	// journal; without it such a Subscribe fails with ErrTooOld.
	ResumeFromJournal bool
	// MaxCatchUps bounds the journal catch-ups that run at once (default
	// 1): each rebuilds a whole engine, so after a restart, when every
	// consumer resumes from the journal, they take turns rather than
	// holding one engine each. A waiting catch-up loses nothing: the live
	// results stay in the journal until its turn.
	MaxCatchUps int
	// Pipeline is how many durable batches may wait for the engine while
	// the next batch is being written (default 4). The journal write of
	// batch N+1 overlaps the apply of batch N; nothing is applied before it
	// is durable.
	Pipeline int
	// OnBatch, if set, is called on the writer goroutine after each
	// successful journal write with the batch's command count and how long
	// the write took (append and fsync). It must be cheap and must not
	// block or call the sequencer: it delays the next batch. Metrics use
	// it. Without it the writer does not read the clock.
	OnBatch func(batchSize int, appendDuration time.Duration)
	// TickEvery is how often the sequencer submits a tick command
	// (engine.KindTick) of its own, journaled like any other, so that what
	// falls due with time happens without other traffic: good-till-date
	// orders and reservations expire, closed orders are archived. The
	// engine has no clock: without ticks nothing expires until some
	// command carries a later time, and some things only on a tick. 0
	// means no ticks (tests and tools that drive time themselves); `oms
	// serve` ticks every second by default. A tick refused because the
	// inbox is full is skipped: the next one does its work.
	TickEvery time.Duration
}

func (o *Options) validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"InboxSize", o.InboxSize}, {"MaxBatch", o.MaxBatch}, {"RingSize", o.RingSize}, {"Pipeline", o.Pipeline},
		{"MaxCatchUps", o.MaxCatchUps}} {
		if f.v < 0 {
			return fmt.Errorf("sequencer: option %s is %d: want 0 (default) or more", f.name, f.v)
		}
	}
	if o.TickEvery < 0 {
		return fmt.Errorf("sequencer: option TickEvery is %s: want 0 (no ticks) or more", o.TickEvery)
	}
	return nil
}

func (o *Options) withDefaults() Options {
	out := *o
	if out.InboxSize == 0 {
		out.InboxSize = 8192
	}
	if out.MaxBatch == 0 {
		out.MaxBatch = 2048
	}
	if out.Now == nil {
		out.Now = func() int64 { return time.Now().UnixNano() }
	}
	if out.Logger == nil {
		out.Logger = slog.Default()
	}
	if out.RingSize == 0 {
		out.RingSize = 65536
	}
	if out.Pipeline == 0 {
		out.Pipeline = 4
	}
	if out.MaxCatchUps == 0 {
		out.MaxCatchUps = 1
	}
	return out
}

// Stats are cumulative counters, and the inbox's current depth.
type Stats struct {
	Commands uint64 // commands journaled and applied
	Batches  uint64 // journal writes
	MaxBatch uint64 // the largest batch so far
	// InboxDepth is how many submissions (a SubmitBatch counts once) wait
	// in the inbox for the writer now; InboxSize of them means overloaded.
	InboxDepth int
	// Subscribers is how many subscriptions are open now, live or catching
	// up from the journal.
	Subscribers int
}

// Sequencer is the single writer: it owns the engine and the journal's
// append side. See the package documentation for the loop and guarantees.
//
// Two goroutines: the writer drains the inbox, stamps, and appends each
// batch to the journal (one synced write); the engine goroutine applies
// durable batches in order, publishes results to subscribers, releases them, and
// runs queries and snapshot serialisation between batches.
type Sequencer struct {
	eng  *engine.Engine
	j    *journal.Journal
	opts Options
	log  *slog.Logger

	inbox   chan *request
	batches chan *batch // durable batches, writer -> engine goroutine
	ctl     chan func() // queries and snapshots, run on the engine goroutine
	stopped chan struct{}
	free    chan *batch // recycled batches; see getBatch
	reqPool sync.Pool   // *request

	// mu guards closed against the inbox being closed under a Submit.
	mu      sync.RWMutex
	closed  bool
	started bool

	failed    atomic.Pointer[error] // fail-stop cause, wrapped in ErrClosed
	closeOnce sync.Once
	wg        sync.WaitGroup // writer and engine goroutines
	bg        sync.WaitGroup // background snapshot writes
	snapMu    sync.Mutex     // one snapshot at a time
	catchUps  chan struct{}  // a slot per running journal catch-up

	next uint64 // next seq to stamp; writer goroutine only

	out                 engine.Output // engine goroutine only
	tradeRate, commRate eventRate     // engine goroutine only
	tradeSlab           slab[book.Event]
	commSlab            slab[commerce.Event]
	resultSlab          slab[Result]
	snapSize            int // last snapshot's size; engine goroutine only

	subs subscribers

	nCommands, nBatches, nMaxBatch atomic.Uint64
}

// request is one Submit waiting for its result.
type request struct {
	one   [1]engine.Command // Submit's command
	multi []engine.Command  // SubmitBatch's commands (one unused): the caller's slice or buf
	buf   []engine.Command  // SubmitBatch's copy of the caller's commands, kept when pooled
	res   *Result           // Submit's result
	all   []Result          // SubmitBatch's results
	err   error
	done  chan struct{} // capacity 1: the sequencer never blocks on it
}

// commands returns the request's commands.
func (r *request) commands() []engine.Command {
	if r.multi != nil {
		return r.multi
	}
	return r.one[:]
}

// batch is a group of requests journaled together.
type batch struct {
	reqs []*request
	cmds []engine.Command
}

// New returns a sequencer for an engine already recovered from j (their last
// seqs must agree). Call Start to run it and Close to stop it.
func New(e *engine.Engine, j *journal.Journal, opts Options) (*Sequencer, error) {
	if e == nil || j == nil {
		return nil, errors.New("sequencer: New needs an engine and a journal")
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if e.LastSeq() != j.LastSeq() {
		return nil, fmt.Errorf("sequencer: engine is at seq %d but the journal at seq %d: recover the engine from the journal first (journal.Recover)", e.LastSeq(), j.LastSeq())
	}
	o := opts.withDefaults()
	s := &Sequencer{
		eng: e, j: j, opts: o, log: o.Logger,
		inbox:    make(chan *request, o.InboxSize),
		batches:  make(chan *batch, o.Pipeline),
		free:     make(chan *batch, o.Pipeline+2),
		ctl:      make(chan func()),
		stopped:  make(chan struct{}),
		catchUps: make(chan struct{}, o.MaxCatchUps),
		next:     j.LastSeq() + 1,
	}
	s.subs.init(o.RingSize, e.LastSeq())
	s.tradeSlab, s.commSlab = newSlab[book.Event](eventChunk), newSlab[commerce.Event](eventChunk)
	s.resultSlab = newSlab[Result](resultChunk)
	return s, nil
}

// Start starts the writer and engine goroutines. Commands submitted before
// Start wait in the inbox. Calling Start more than once, or after Close,
// does nothing.
func (s *Sequencer) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closed {
		return
	}
	s.started = true
	s.log.Info("sequencer: starting", "next_seq", s.next)
	s.wg.Add(2)
	go func() { defer s.wg.Done(); s.writeLoop() }()
	go func() { defer s.wg.Done(); s.engineLoop() }()
	// The slab suppliers stop with the engine goroutine.
	s.wg.Go(func() { s.tradeSlab.prefault(s.stopped) })
	s.wg.Go(func() { s.commSlab.prefault(s.stopped) })
	s.wg.Go(func() { s.resultSlab.prefault(s.stopped) })
	if s.opts.TickEvery > 0 {
		s.wg.Go(s.tickLoop)
	}
}

// tickLoop submits a tick every TickEvery until the sequencer stops (Close
// or a fail-stop closes stopped, and Submit then fails with ErrClosed).
func (s *Sequencer) tickLoop() {
	t := time.NewTicker(s.opts.TickEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stopped:
			return
		case <-t.C:
		}
		_, err := s.Submit(context.Background(), engine.Command{Kind: engine.KindTick})
		switch {
		case err == nil, errors.Is(err, ErrOverloaded):
			// Overloaded: the next tick does this one's work.
		case errors.Is(err, ErrClosed):
			return
		default:
			s.log.Error("sequencer: tick failed", "err", err)
		}
	}
}

// Stats returns the cumulative counters.
func (s *Sequencer) Stats() Stats {
	s.subs.mu.Lock()
	subs := len(s.subs.list) + len(s.subs.catching)
	s.subs.mu.Unlock()
	return Stats{Commands: s.nCommands.Load(), Batches: s.nBatches.Load(), MaxBatch: s.nMaxBatch.Load(),
		InboxDepth: len(s.inbox), Subscribers: subs}
}

// Err returns the fail-stop error (wrapping ErrClosed and the journal's
// error), or nil while the sequencer is healthy.
func (s *Sequencer) Err() error {
	if p := s.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// Submit journals and applies cmd and returns its result. The sequencer
// stamps Seq and Time (the values in cmd are ignored). Submit returns only
// after the command is durable and applied. It never blocks on a full inbox:
// it returns ErrOverloaded. If ctx has ended, nothing is submitted; if it
// ends while Submit waits, Submit returns ctx's error and the command's
// outcome is unknown (it may still be applied).
func (s *Sequencer) Submit(ctx context.Context, cmd engine.Command) (*Result, error) {
	if err := validate(&cmd); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sequencer: submit: not submitted: %w", err)
	}
	r := s.getRequest()
	r.one[0] = cmd
	if err := s.enqueue(r); err != nil {
		s.putRequest(r)
		return nil, err
	}
	select {
	case <-r.done:
		res, err := r.res, r.err
		s.putRequest(r)
		return res, err
	case <-ctx.Done():
		// r is abandoned, not pooled: the sequencer still replies to it.
		return nil, fmt.Errorf("%w: %w", ErrOutcomeUnknown, ctx.Err())
	}
}

// enqueue puts r in the inbox, or says why not.
func (s *Sequencer) enqueue(r *request) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return s.closedErr()
	}
	if err := s.Err(); err != nil {
		return err
	}
	select {
	case s.inbox <- r:
		return nil
	default:
		return ErrOverloaded
	}
}

// maxPooledBatch bounds the command buffer a pooled request keeps.
const maxPooledBatch = 4096

// getRequest and putRequest pool requests and their reply channels.
// INVARIANT: a pooled request's done channel is empty: it is pooled only
// after its one reply was received, or when it was never enqueued.
func (s *Sequencer) getRequest() *request {
	if r, ok := s.reqPool.Get().(*request); ok {
		return r
	}
	return &request{done: make(chan struct{}, 1)}
}

func (s *Sequencer) putRequest(r *request) {
	r.one[0], r.multi, r.res, r.all, r.err = engine.Command{}, nil, nil, nil, nil
	if cap(r.buf) > maxPooledBatch {
		r.buf = nil
	} else {
		clear(r.buf)
		r.buf = r.buf[:0]
	}
	s.reqPool.Put(r)
}

// SubmitBatch journals and applies cmds together and returns their results
// in order. The commands get consecutive seqs and are written in one
// journal batch, so they become durable all together or not at all; other
// submitters' commands never come between them. It is Submit for many
// commands at the cost of one inbox slot, for bulk loads and bursts; a
// batch larger than MaxBatch is written alone. Errors are as for Submit: a
// command of an unknown kind fails the whole call, naming its index.
// SubmitBatch copies cmds: the caller may reuse the slice once it returns,
// even with "outcome unknown".
func (s *Sequencer) SubmitBatch(ctx context.Context, cmds []engine.Command) ([]*Result, error) {
	if len(cmds) == 0 {
		return nil, fmt.Errorf("%w: SubmitBatch needs at least one command", ErrInvalidCommand)
	}
	for i := range cmds {
		if err := validate(&cmds[i]); err != nil {
			return nil, fmt.Errorf("command %d: %w", i, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sequencer: submit: not submitted: %w", err)
	}
	r := s.getRequest()
	// A caller whose ctx ends while the request waits in the inbox gets
	// "outcome unknown" and may reuse its slice, but the writer reads the
	// commands later: the request takes a copy (commands are hundreds of
	// bytes each). A ctx that cannot end (Done is nil) cannot abandon the
	// request, so its slice is only read before SubmitBatch returns.
	if ctx.Done() == nil {
		r.multi = cmds
	} else {
		r.buf = append(r.buf[:0], cmds...)
		r.multi = r.buf
	}
	if err := s.enqueue(r); err != nil {
		s.putRequest(r)
		return nil, err
	}
	select {
	case <-r.done:
		all, err := r.all, r.err
		s.putRequest(r)
		if err != nil {
			return nil, err
		}
		out := make([]*Result, len(all))
		for i := range all {
			out[i] = &all[i]
		}
		return out, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrOutcomeUnknown, ctx.Err())
	}
}

// validate refuses commands that the journal could store but not decode,
// which would make the journal unreplayable.
func validate(c *engine.Command) error {
	if err := c.CheckKind(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidCommand, err)
	}
	return nil
}

// closedErr is ErrClosed, or the fail-stop error if there was one.
func (s *Sequencer) closedErr() error {
	if err := s.Err(); err != nil {
		return err
	}
	return ErrClosed
}

// Query runs fn on the engine goroutine between batches and waits for it.
// fn must only read the engine, and must not retain it. If ctx ends first,
// Query returns its error; fn may still run later.
func (s *Sequencer) Query(ctx context.Context, fn func(e *engine.Engine)) error {
	done := make(chan struct{})
	run := func() { defer close(done); fn(s.eng) }
	if err := s.control(ctx, run); err != nil {
		return err
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sequencer: query: %w", ctx.Err())
	}
}

// control hands fn to the engine goroutine.
func (s *Sequencer) control(ctx context.Context, fn func()) error {
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return s.closedErr()
	}
	select {
	case s.ctl <- fn:
		return nil
	case <-s.stopped:
		return s.closedErr()
	case <-ctx.Done():
		return fmt.Errorf("sequencer: %w", ctx.Err())
	}
}

// Close stops accepting commands, journals and applies those already in the
// inbox (their submitters get results, or ErrClosed after a journal
// failure), waits for background snapshot writes, and returns. It does not
// close the journal. Close is idempotent; it returns the fail-stop error, if
// any.
func (s *Sequencer) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.inbox)
		started := s.started
		s.mu.Unlock()
		if !started {
			for r := range s.inbox {
				s.reply(r, nil, ErrClosed)
			}
			s.subs.closeAll(ErrClosed)
			close(s.stopped)
		}
		s.wg.Wait()
		s.bg.Wait()
		s.log.Info("sequencer: closed", "last_seq", s.eng.LastSeq())
	})
	return s.Err()
}

func (s *Sequencer) reply(r *request, res *Result, err error) {
	r.res, r.err = res, err
	r.done <- struct{}{}
}
