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
func (s *entryServer) Entry(ss pb.OrderEntryService_EntryServer) error {
	ctx := ss.Context()
	reqs := make(chan *pb.EntryRequest)
	recvErr := make(chan error, 1)
	go func() {
		for {
			r, err := ss.Recv()
			if err != nil {
				recvErr <- err
				return
			}
			select {
			case reqs <- r:
			case <-ctx.Done():
				return
			}
		}
	}()
	out := make(chan *pb.EntryResponse, maxEntryInFlight)
	sendDone := make(chan error, 1)
	go func() {
		var err error
		for r := range out {
			if err == nil {
				err = ss.Send(r)
			}
		}
		sendDone <- err
	}()
	end := s.pump(ctx, reqs, recvErr, out)
	if err := <-sendDone; err != nil && end == nil {
		end = err
	}
	return end
}

// pump starts a goroutine per request, at most maxEntryInFlight at once,
// until the stream ends; it waits for them and closes out.
func (s *entryServer) pump(ctx context.Context, reqs <-chan *pb.EntryRequest, recvErr <-chan error, out chan<- *pb.EntryResponse) error {
	sem := make(chan struct{}, maxEntryInFlight)
	var wg sync.WaitGroup
	defer func() { wg.Wait(); close(out) }()
	for {
		select {
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		case <-s.g.drained:
			return status.Error(codes.Unavailable, "server shutting down")
		case err := <-recvErr:
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		case r := <-reqs:
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return status.FromContextError(ctx.Err()).Err()
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				out <- s.handle(ctx, r)
				<-sem
			}()
		}
	}
}

// handle runs one request; a panic becomes INTERNAL, as in a unary call.
func (s *entryServer) handle(ctx context.Context, r *pb.EntryRequest) (resp *pb.EntryResponse) {
	start := time.Now()
	method := "/oms.v1.OrderEntryService/Entry"
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
		method += ":PlaceOrder"
		res, err = s.cs.PlaceOrder(ctx, c.PlaceOrder)
	case *pb.EntryRequest_CancelCommerceOrder:
		method += ":CancelCommerceOrder"
		res, err = s.cs.CancelOrder(ctx, c.CancelCommerceOrder)
	case *pb.EntryRequest_NewOrder:
		method += ":NewOrder"
		res, err = s.ts.NewOrder(ctx, c.NewOrder)
	case *pb.EntryRequest_CancelOrder:
		method += ":CancelOrder"
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
