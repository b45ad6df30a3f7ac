package gateway

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/commerce"
	pb "github.com/ordercore/oms/proto/omsv1"
	"github.com/ordercore/oms/sequencer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const (
	// entryBatchers is how many batches one entry stream has in the
	// sequencer at once. More than one, so that orders read while a batch
	// is being journaled go into the next journal write rather than wait
	// for the first batch's answers.
	entryBatchers = 4
	// maxEntryBatch bounds the requests one batcher takes at once (the
	// sequencer writes a SubmitBatch whole, never split).
	maxEntryBatch = 256
	// placeOrderMethod names place orders on entry streams in metrics.
	placeOrderMethod = "/oms.v1.OrderEntryService/Entry:PlaceOrder"
)

// entryStream is one Entry call's state: the queue of requests read and
// not yet taken, and the batchers that answer them.
//
// INVARIANT: whenever pending is not empty, a batcher is running or about
// to take it: enqueue wakes an idle batcher, or starts one, or all
// entryBatchers are busy and each takes the queue when it finishes.
type entryStream struct {
	s     *entryServer
	ss    pb.OrderEntryService_EntryServer
	ctx   context.Context
	view  resultView    // the caller's, for its placements' replies
	slots chan struct{} // a token per request read and not yet answered
	wake  chan struct{} // a token per idle batcher woken by enqueue
	quit  chan struct{} // closed by stop

	mu       sync.Mutex
	pending  []queued
	idle     int // batchers waiting for a wake token
	batchers int
	stopped  bool
	wg       sync.WaitGroup

	sendMu sync.Mutex // one Send at a time
	err    error      // the first Send error; later answers are dropped

	// ids holds the request_id of every request read and not yet
	// answered: a second request with one of them is refused
	// (refuseInFlight). Lock order: sendMu, then idsMu.
	idsMu sync.Mutex
	ids   map[uint64]struct{}
}

func newEntryStream(s *entryServer, ss pb.OrderEntryService_EntryServer) *entryStream {
	return &entryStream{s: s, ss: ss, ctx: ss.Context(), view: resultView{p: principal(ss.Context())}, slots: make(chan struct{}, maxEntryInFlight),
		wake: make(chan struct{}, entryBatchers), quit: make(chan struct{}), ids: make(map[uint64]struct{})}
}

// queued is a request read from the stream, with when it was read: its
// latency metric counts the time it waited for a batcher.
type queued struct {
	r  *pb.EntryRequest
	at time.Time
}

// enqueue queues r for a batcher; it reports false once the stream is
// stopping (r is then not answered).
func (e *entryStream) enqueue(r *pb.EntryRequest, at time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		return false
	}
	e.pending = append(e.pending, queued{r, at})
	switch {
	case e.idle > 0:
		e.idle--
		e.wake <- struct{}{} // never blocks: fewer tokens than batchers
	case e.batchers < entryBatchers:
		e.batchers++
		e.wg.Add(1)
		go e.batcher()
	}
	return true
}

// stop answers the requests already read, then ends the batchers.
func (e *entryStream) stop() {
	e.mu.Lock()
	e.stopped = true
	e.mu.Unlock()
	close(e.quit)
	e.wg.Wait()
}

// batcher takes the queue, a batch at a time, until the stream stops and
// the queue is empty.
func (e *entryStream) batcher() {
	defer e.wg.Done()
	var b entryBatch
	for {
		e.mu.Lock()
		for len(e.pending) == 0 {
			if e.stopped {
				e.mu.Unlock()
				return
			}
			e.idle++
			e.mu.Unlock()
			select {
			case <-e.wake:
			case <-e.quit: // stopped is set: nothing reads idle any more
			}
			e.mu.Lock()
		}
		n := min(len(e.pending), maxEntryBatch)
		b.reqs = append(b.reqs[:0], e.pending[:n]...)
		clear(e.pending[:n])
		e.pending = e.pending[n:]
		if len(e.pending) == 0 {
			e.pending = e.pending[:0:0] // let the backing array go
		}
		e.mu.Unlock()
		// Requests handed to their own goroutines free their slots
		// themselves.
		for range n - e.run(&b) {
			<-e.slots
		}
	}
}

// entryBatch is a batcher's reusable state for one batch.
type entryBatch struct {
	reqs     []queued
	placed   []queued // the place orders among reqs, in cmds order
	cmds     []engine.Command
	next     int // of reqs: the first not yet sorted out
	answered int // of placed
	reply    replyBuf
}

// replyBuf is the storage of one place order's answer, reused for the next
// once it is sent. The reply of a placement is its result and events (five
// for one line), several kilobytes of protobuf structs: built afresh for
// each answer they were the largest share of the server's allocation.
//
// Reuse is safe because Send marshals the message before it returns and
// nothing keeps it: the gateway installs no stats handler (binary logging
// copies the encoded bytes). gRPC's request tracing (grpc.EnableTracing)
// does keep sent messages, to format them when /debug/requests is read:
// with it on, every reply gets storage of its own.
type replyBuf struct {
	resp  pb.EntryResponse
	wrap  pb.EntryResponse_Commerce
	res   pb.CommerceCommandResult
	boxes []eventBox
	ptrs  []*pb.CommerceEvent
}

// commerce builds the answer to a placement from its result, as v may see
// it; it is valid until the next call.
func (rb *replyBuf) commerce(id uint64, res *sequencer.Result, v resultView) *pb.EntryResponse {
	if grpc.EnableTracing {
		rb = new(replyBuf)
	}
	n := len(res.Commerce)
	if cap(rb.boxes) < n {
		rb.boxes = make([]eventBox, n)
		rb.ptrs = make([]*pb.CommerceEvent, n)
	}
	rb.boxes, rb.ptrs = rb.boxes[:n], rb.ptrs[:n]
	clear(rb.boxes)
	rb.res = pb.CommerceCommandResult{}
	fillCommerceResult(&rb.res, res, rb.boxes, rb.ptrs, v)
	rb.wrap = pb.EntryResponse_Commerce{Commerce: &rb.res}
	rb.resp = pb.EntryResponse{RequestId: id, Result: &rb.wrap}
	return &rb.resp
}

// run answers every request of b and returns how many it handed to
// goroutines of their own (which free their slots when answered). Place
// orders go to the sequencer through one SubmitBatch; anything else (or
// everything while draining) runs on its own goroutine as its unary call
// would, so that cancels and trading orders on one stream share journal
// writes rather than wait for one each. A panic (each request's
// translation and handling recovers its own) answers with INTERNAL every
// request of the batch not yet answered or handed off, as in a unary call.
func (e *entryStream) run(b *entryBatch) (async int) {
	b.placed, b.cmds, b.next, b.answered = b.placed[:0], b.cmds[:0], 0, 0
	defer func() {
		if p := recover(); p != nil {
			e.s.g.log.Error("panic in entry batch", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			internal := status.Error(codes.Internal, "internal error")
			for _, q := range b.placed[b.answered:] {
				e.answer(q, internal)
			}
			for _, q := range b.reqs[b.next:] {
				e.answer(q, internal)
			}
		}
		clear(b.reqs)
		clear(b.placed)
		clear(b.cmds)
	}()
	draining := e.s.g.draining.Load()
	for ; b.next < len(b.reqs); b.next++ {
		q := b.reqs[b.next]
		po, ok := q.r.GetCommand().(*pb.EntryRequest_PlaceOrder)
		if !ok || draining {
			async++
			e.wg.Add(1) // the batcher's own count keeps the group above zero
			go func() {
				defer e.wg.Done()
				e.send(e.s.handle(e.ctx, q.r, q.at))
				<-e.slots
			}()
			continue
		}
		c, err := e.check(po.PlaceOrder)
		if err != nil {
			e.answer(q, err)
			continue
		}
		b.placed = append(b.placed, q)
		b.cmds = append(b.cmds, engine.Command{Kind: engine.KindCommerce, Commerce: c})
	}
	if len(b.cmds) == 0 {
		return async
	}
	results, err := e.s.g.seq.SubmitBatch(e.ctx, b.cmds)
	if err != nil {
		err = placeErr(err)
	}
	for i, q := range b.placed {
		qerr := err // the batch's error, else this placement's own rejection
		if qerr == nil {
			qerr = commerceRejected(results[i], &b.cmds[i].Commerce)
		}
		if qerr != nil {
			e.answer(q, qerr)
		} else {
			e.observe(q, nil)
			e.send(b.reply.commerce(q.r.GetRequestId(), results[i], e.view))
		}
		b.answered = i + 1
	}
	return async
}

// check translates a place order; a panic becomes INTERNAL.
func (e *entryStream) check(r *pb.PlaceOrderRequest) (c commerce.Command, err error) {
	defer func() {
		if p := recover(); p != nil {
			e.s.g.log.Error("panic in entry handler", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = status.Error(codes.Internal, "internal error")
		}
	}()
	return checkedPlaceOrder(e.ctx, r)
}

// answer sends a place order's error and records its metrics.
func (e *entryStream) answer(q queued, err error) {
	e.observe(q, err)
	e.send(&pb.EntryResponse{RequestId: q.r.GetRequestId(), Error: entryError(err)})
}

// observe records a place order's metrics, its latency counted from when
// the request was read.
func (e *entryStream) observe(q queued, err error) {
	e.s.g.observe(e.ctx, placeOrderMethod, q.at, err)
}
