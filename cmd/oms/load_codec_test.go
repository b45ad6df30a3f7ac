package main

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"

	pb "github.com/ordercore/oms/proto/omsv1"
)

// TestEntryAckReadsIDAndError: the generator's partial decoder agrees with
// the full one on the request id and the error, skips everything else,
// whether the message arrives in one buffer or several.
func TestEntryAckReadsIDAndError(t *testing.T) {
	ok := &pb.EntryResponse{RequestId: 1<<40 + 7, Result: &pb.EntryResponse_Commerce{Commerce: &pb.CommerceCommandResult{
		Seq: 9, OrderId: 3, Events: []*pb.CommerceEvent{{Kind: "order-created", Stock: &pb.StockLevel{OnHand: 5}}, {Kind: "stock"}}}}}
	failed := &pb.EntryResponse{RequestId: 12, Error: &pb.EntryError{Code: 9, Message: "rejected: insufficient_stock",
		Reason: "insufficient_stock", Fields: []string{"lines[0].qty"}}}
	for _, m := range []*pb.EntryResponse{ok, failed} {
		b, err := proto.Marshal(m)
		require.NoError(t, err)
		for _, split := range []int{len(b), 3} {
			data := mem.BufferSlice{mem.SliceBuffer(b[:split])}
			if split < len(b) {
				data = append(data, mem.SliceBuffer(b[split:]))
			}
			var a entryAck
			require.NoError(t, a.parse(data))
			require.Equal(t, m.GetRequestId(), a.requestID)
			if m.GetError() == nil {
				require.NoError(t, a.err())
			} else {
				require.EqualError(t, a.err(), "FailedPrecondition: rejected: insufficient_stock")
			}
		}
	}
	var a entryAck
	require.Error(t, a.parse(mem.BufferSlice{mem.SliceBuffer([]byte{0x08})}), "a truncated varint is an error")
}
