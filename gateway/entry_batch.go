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
	slots chan struct{} // a token per request read and not yet answered
	wake  chan struct{} // a token per idle batcher woken by enqueue
	quit  chan struct{} // closed by stop

	mu       sync.Mutex
	pending  []*pb.EntryRequest
	idle     int // batchers waiting for a wake token
	batchers int
	stopped  bool
	wg       sync.WaitGroup

	sendMu sync.Mutex // one Send at a time
	err    error      // the first Send error; later answers are dropped
}

func newEntryStream(s *entryServer, ss pb.OrderEntryService_EntryServer) *entryStream {
	return &entryStream{s: s, ss: ss, ctx: ss.Context(), slots: make(chan struct{}, maxEntryInFlight),
		wake: make(chan struct{}, entryBatchers), quit: make(chan struct{})}
}

// enqueue queues r for a batcher; it reports false once the stream is
// stopping (r is then not answered).
func (e *entryStream) enqueue(r *pb.EntryRequest) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		return false
	}
	e.pending = append(e.pending, r)
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
		e.run(&b)
		for range n {
			<-e.slots
		}
	}
}

// entryBatch is a batcher's reusable state for one batch.
type entryBatch struct {
	reqs     []*pb.EntryRequest
	placed   []*pb.EntryRequest // the place orders among reqs, in cmds order
	cmds     []engine.Command
	answered int // of placed
}

// run answers every request of b: place orders through one SubmitBatch,
// anything else (or everything while draining) one at a time as its unary
// call would. A panic (each request's translation and handling recovers
// its own) answers the submitted place orders not yet answered with
// INTERNAL, as in a unary call.
func (e *entryStream) run(b *entryBatch) {
	start := time.Now()
	b.placed, b.cmds, b.answered = b.placed[:0], b.cmds[:0], 0
	defer func() {
		if p := recover(); p != nil {
			e.s.g.log.Error("panic in entry batch", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			for _, r := range b.placed[b.answered:] {
				e.answer(r, nil, status.Error(codes.Internal, "internal error"), start)
			}
		}
		clear(b.reqs)
		clear(b.placed)
		clear(b.cmds)
	}()
	draining := e.s.g.draining.Load()
	for _, r := range b.reqs {
		po, ok := r.GetCommand().(*pb.EntryRequest_PlaceOrder)
		if !ok || draining {
			e.send(e.s.handle(e.ctx, r))
			continue
		}
		c, err := e.check(po.PlaceOrder)
		if err != nil {
			e.answer(r, nil, err, start)
			continue
		}
		b.placed = append(b.placed, r)
		b.cmds = append(b.cmds, engine.Command{Kind: engine.KindCommerce, Commerce: c})
	}
	if len(b.cmds) == 0 {
		return
	}
	results, err := e.s.g.seq.SubmitBatch(e.ctx, b.cmds)
	if err != nil {
		err = seqErr(err)
	}
	for i, r := range b.placed {
		if err != nil {
			e.answer(r, nil, err, start)
		} else {
			res, rerr := commerceResult(results[i])
			e.answer(r, res, rerr, start)
		}
		b.answered = i + 1
	}
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

// answer sends a place order's response and records its metrics.
func (e *entryStream) answer(r *pb.EntryRequest, res *pb.CommerceCommandResult, err error, start time.Time) {
	resp := &pb.EntryResponse{RequestId: r.GetRequestId()}
	if err != nil {
		resp.Error = entryError(err)
	} else {
		resp.Result = &pb.EntryResponse_Commerce{Commerce: res}
	}
	e.s.g.observe(e.ctx, placeOrderMethod, start, err)
	e.send(resp)
}
