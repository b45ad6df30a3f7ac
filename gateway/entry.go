package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"time"

	pb "github.com/ordercore/oms/proto/omsv1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// maxEntryInFlight bounds the requests one entry stream has read and not
// yet answered; the stream stops reading until one is answered, which
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
// One goroutine reads requests into the stream's queue; a few batchers
// (see entryBatchers) each take everything queued, submit its place orders
// to the sequencer as one SubmitBatch, and answer on the stream. A batch
// thus costs one inbox slot and one wake-up however many orders it holds,
// and its answers go out back to back, so gRPC writes them together.
func (s *entryServer) Entry(ss pb.OrderEntryService_EntryServer) error {
	e := newEntryStream(s, ss)
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

// receive reads requests into the queue until the stream or the gateway
// ends.
func (e *entryStream) receive() error {
	for {
		r, err := e.ss.Recv()
		if err != nil {
			return err
		}
		at := time.Now() // a wait for a slot below is latency too
		if !e.claimID(r.GetRequestId()) {
			e.refuseInFlight(r, at)
			continue
		}
		select {
		case e.slots <- struct{}{}:
		case <-e.quit:
			return nil
		}
		if !e.enqueue(r, at) {
			return nil
		}
	}
}

// send sends the answer to a request read from the stream, which frees
// its request id for reuse.
//
// NB: the id is freed just before the answer is sent, not after: once
// Send has handed the answer to the transport the client may read it and
// reuse the id before Send returns, and that request must not be refused.
// A request reusing the id in between comes after the first's command
// completed, so it is never in flight at the same time.
func (e *entryStream) send(r *pb.EntryResponse) {
	e.sendMu.Lock()
	defer e.sendMu.Unlock()
	e.releaseID(r.GetRequestId())
	if e.err == nil {
		e.err = e.ss.Send(r)
	}
}

// claimID records id as in flight, unless it already is.
func (e *entryStream) claimID(id uint64) bool {
	e.idsMu.Lock()
	defer e.idsMu.Unlock()
	if _, busy := e.ids[id]; busy {
		return false
	}
	e.ids[id] = struct{}{}
	return true
}

func (e *entryStream) releaseID(id uint64) {
	e.idsMu.Lock()
	delete(e.ids, id)
	e.idsMu.Unlock()
}

// refuseInFlight answers, at once and without running it, a request whose
// request_id is that of a request of the stream still in flight: two
// answers with one id could not be told apart, and its command is not
// submitted (it is most likely a client's double send). The refusal is
// INVALID_ARGUMENT naming the field request_id, with the reason
// request_id_in_flight (reasonInFlight), so the client tells it from the
// first request's answer and from a command's own request_id field that
// is malformed. It does not free the id: the first request still holds it.
func (e *entryStream) refuseInFlight(r *pb.EntryRequest, at time.Time) {
	id := r.GetRequestId()
	err := invalidField("request_id", fmt.Sprintf("request_id %d is in flight on this stream: "+
		"reuse a request_id only once its answer has arrived", id))
	e.s.g.observe(e.ctx, "/oms.v1.OrderEntryService/Entry", at, err)
	ee := entryError(err)
	ee.Reason = reasonInFlight
	e.sendMu.Lock()
	defer e.sendMu.Unlock()
	if e.err == nil {
		e.err = e.ss.Send(&pb.EntryResponse{RequestId: id, Error: ee})
	}
}

// reasonInFlight is the EntryError reason of a request refused because its
// request_id is in flight on the stream.
const reasonInFlight = "request_id_in_flight"

func (e *entryStream) sendErr() error {
	e.sendMu.Lock()
	defer e.sendMu.Unlock()
	return e.err
}

// handle runs one request read at start; a panic becomes INTERNAL, as in
// a unary call.
func (s *entryServer) handle(ctx context.Context, r *pb.EntryRequest, start time.Time) (resp *pb.EntryResponse) {
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
