package main

import (
	"errors"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/ordercore/oms/gateway"
)

// ackCodec is the load generator's gRPC codec. Requests are marshalled by
// the gateway's codec (generated vtproto code); replies are read only as far as the generator
// needs them: an entry response's request id and error, and nothing of a
// unary reply (a failed call is a gRPC status). Decoding the events of
// every reply in full was the largest part of the generator's CPU, which
// runs on the same two cores as the server it measures.
type ackCodec struct{ proto encoding.CodecV2 }

// Name must be "proto": it is the content subtype the server decodes by.
func (ackCodec) Name() string { return "proto" }

func (c ackCodec) Marshal(v any) (mem.BufferSlice, error) { return c.proto.Marshal(v) }

func (c ackCodec) Unmarshal(data mem.BufferSlice, v any) error {
	switch a := v.(type) {
	case *entryAck:
		return a.parse(data)
	case *unaryAck:
		return nil
	}
	return c.proto.Unmarshal(data, v)
}

// loadCodec is the call option that selects ackCodec.
func loadCodec() grpc.CallOption {
	return grpc.ForceCodecV2(ackCodec{proto: gateway.Codec()})
}

// unaryAck stands for a unary reply the generator does not read.
type unaryAck struct{}

// entryAck is what the generator reads of an oms.v1.EntryResponse: field
// 1, request_id, and field 2, error (its code and message).
type entryAck struct {
	requestID uint64
	code      int32  // 0 when the response carries no error
	message   string // the error's message
	buf       []byte // reused when a message arrives in several buffers
}

func (a *entryAck) err() error {
	if a.code == 0 {
		return nil
	}
	return fmt.Errorf("%s: %s", codes.Code(a.code), a.message)
}

var errNoErrorCode = errors.New("entry response: error without a code")

func (a *entryAck) parse(data mem.BufferSlice) error {
	var b []byte
	if len(data) == 1 {
		b = data[0].ReadOnlyData()
	} else {
		a.buf = a.buf[:0]
		for _, d := range data {
			a.buf = append(a.buf, d.ReadOnlyData()...)
		}
		b = a.buf
	}
	*a = entryAck{buf: a.buf}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("entry response: %w", protowire.ParseError(n))
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.VarintType:
			a.requestID, n = protowire.ConsumeVarint(b)
		case num == 2 && typ == protowire.BytesType:
			var e []byte
			if e, n = protowire.ConsumeBytes(b); n >= 0 {
				if err := a.parseError(e); err != nil {
					return err
				}
			}
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("entry response field %d: %w", num, protowire.ParseError(n))
		}
		b = b[n:]
	}
	return nil
}

// parseError reads an oms.v1.EntryError: code (1) and message (2).
func (a *entryAck) parseError(b []byte) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("entry error: %w", protowire.ParseError(n))
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.VarintType:
			var v uint64
			v, n = protowire.ConsumeVarint(b)
			a.code = int32(v)
		case num == 2 && typ == protowire.BytesType:
			var m []byte
			m, n = protowire.ConsumeBytes(b)
			a.message = string(m)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("entry error field %d: %w", num, protowire.ParseError(n))
		}
		b = b[n:]
	}
	if a.code == 0 {
		return errNoErrorCode
	}
	return nil
}
