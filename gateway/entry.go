package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
	"time"

	pb "github.com/ordercore/oms/proto/omsv1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// maxEntryInFlight bounds the commands one entry stream has in the
// sequencer at once; the stream stops reading until one completes, which
// pushes back on the client through HTTP/2 flow control.
const maxEntryInFlight = 1024

type entryServer struct {
	pb.UnimplementedOrderEntryServiceServer
	g  *Gateway
	ts *tradingServer
	cs *commerceServer
}

// Entry runs every request of the stream as its unary call would, with the
// rights of the stream's token, many at a time, and answers each as it
// completes. The stream ends when the client closes its side and every
// answer is sent, or with UNAVAILABLE when the gateway drains (requests
// already read are still answered first).
//
// One goroutine reads and hands each request to an idle worker of the
// stream's pool, starting a worker when none is idle (up to
// maxEntryInFlight); a worker answers on the stream itself. Pooled workers
// keep their grown stacks and save a hand-off per request, which matter
// at tens of thousands of orders a second.
func (s *entryServer) Entry(ss pb.OrderEntryService_EntryServer) error {
	e := &entryStream{s: s, ss: ss, ctx: ss.Context(), work: make(chan *pb.EntryRequest), quit: make(chan struct{})}
	recvErr := make(chan error, 1)
	go func() { recvErr <- e.receive() }()
	var end error
	select {
	case <-e.ctx.Done():
		end = status.FromContextError(e.ctx.Err()).Err()
	case <-s.g.drained:
		end = status.Error(codes.Unavailable, "server shutting down")
	case err := <-recvErr:
		if !errors.Is(err, io.EOF) {
			end = err
		}
	}
	e.stop()
	if err := e.sendErr(); err != nil && end == nil {
		end = err
	}
	return end
}

// entryStream is one Entry call's state.
type entryStream struct {
	s    *entryServer
	ss   pb.OrderEntryService_EntryServer
	ctx  context.Context
	work chan *pb.EntryRequest // to an idle worker; unbuffered
	quit chan struct{}         // closed by stop: workers end

	mu      sync.Mutex // guards stopped and wg.Add against stop's wg.Wait
	stopped bool
	workers int // started; receive goroutine only
	wg      sync.WaitGroup

	sendMu sync.Mutex // one Send at a time
	err    error      // the first Send error; later answers are dropped
}

// receive reads requests and hands them to workers until the stream or
// the gateway ends.
func (e *entryStream) receive() error {
	for {
		r, err := e.ss.Recv()
		if err != nil {
			return err
		}
		if !e.dispatch(r) {
			return nil
		}
	}
}

// dispatch hands r to an idle worker, or to a new one, or waits for one
// when maxEntryInFlight are busy. It reports false once the stream is
// stopping (r is then not answered).
func (e *entryStream) dispatch(r *pb.EntryRequest) bool {
	select {
	case e.work <- r:
		return true
	default:
	}
	if e.workers < maxEntryInFlight {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.stopped {
			return false
		}
		e.workers++
		e.wg.Add(1)
		go e.worker(r)
		return true
	}
	select {
	case e.work <- r:
		return true
	case <-e.quit:
		return false
	}
}

// worker answers r, then each request it is handed, until stop.
func (e *entryStream) worker(r *pb.EntryRequest) {
	defer e.wg.Done()
	for {
		e.send(e.s.handle(e.ctx, r))
		select {
		case r = <-e.work:
		case <-e.quit:
			return
		}
	}
}

func (e *entryStream) send(r *pb.EntryResponse) {
	e.sendMu.Lock()
	defer e.sendMu.Unlock()
	if e.err == nil {
		e.err = e.ss.Send(r)
	}
}

// stop lets the requests being handled finish and be answered, then ends
// the workers; no request is dispatched after it.
func (e *entryStream) stop() {
	e.mu.Lock()
	e.stopped = true
	e.mu.Unlock()
	close(e.quit)
	e.wg.Wait()
}

func (e *entryStream) sendErr() error {
	e.sendMu.Lock()
	defer e.sendMu.Unlock()
	return e.err
}

// handle runs one request; a panic becomes INTERNAL, as in a unary call.
func (s *entryServer) handle(ctx context.Context, r *pb.EntryRequest) (resp *pb.EntryResponse) {
	start := time.Now()
	const entry = "/oms.v1.OrderEntryService/Entry"
	method := entry // constants below: no concatenation per request
	var err error
	defer func() {
		if p := recover(); p != nil {
			s.g.log.Error("panic in entry handler", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = status.Error(codes.Internal, "internal error")
			resp = &pb.EntryResponse{RequestId: r.GetRequestId()}
		}
		if err != nil {
			resp.Error = entryError(err)
		}
		s.g.observe(ctx, method, start, err)
	}()
	resp = &pb.EntryResponse{RequestId: r.GetRequestId()}
	if s.g.draining.Load() {
		err = status.Error(codes.Unavailable, "server shutting down")
		return resp
	}
	var res proto.Message
	switch c := r.GetCommand().(type) {
	case *pb.EntryRequest_PlaceOrder:
		method = entry + ":PlaceOrder"
		res, err = s.cs.PlaceOrder(ctx, c.PlaceOrder)
	case *pb.EntryRequest_CancelCommerceOrder:
		method = entry + ":CancelCommerceOrder"
		res, err = s.cs.CancelOrder(ctx, c.CancelCommerceOrder)
	case *pb.EntryRequest_NewOrder:
		method = entry + ":NewOrder"
		res, err = s.ts.NewOrder(ctx, c.NewOrder)
	case *pb.EntryRequest_CancelOrder:
		method = entry + ":CancelOrder"
		res, err = s.ts.CancelOrder(ctx, c.CancelOrder)
	default:
		err = invalidField("command", "set one of place_order, new_order, cancel_order, cancel_commerce_order")
	}
	if err != nil {
		return resp
	}
	switch v := res.(type) {
	case *pb.CommerceCommandResult:
		resp.Result = &pb.EntryResponse_Commerce{Commerce: v}
	case *pb.TradeCommandResult:
		resp.Result = &pb.EntryResponse_Trade{Trade: v}
	}
	return resp
}

// entryError flattens a status into the stream's error message.
func entryError(err error) *pb.EntryError {
	st := status.Convert(err)
	out := &pb.EntryError{Code: int32(st.Code()), Message: st.Message()}
	for _, d := range st.Details() {
		switch v := d.(type) {
		case *errdetails.ErrorInfo:
			out.Reason = v.GetReason()
		case *errdetails.BadRequest:
			for _, f := range v.GetFieldViolations() {
				out.Fields = append(out.Fields, f.GetField())
			}
		}
	}
	return out
}
