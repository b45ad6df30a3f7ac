package gateway

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/ordercore/oms/proto/omsv1"
)

// TestCodecMarshalsAsProtobufGo fills every oms.v1 message type with
// random values, many times, and checks that Codec marshals each to the
// same bytes as protobuf-go, and that its bytes decode back to an equal
// message. Messages from elsewhere (health) take the fallback.
func TestCodecMarshalsAsProtobufGo(t *testing.T) {
	c := Codec()
	require.Equal(t, "proto", c.Name())
	r := rand.New(rand.NewPCG(1, 2))
	var types []protoreflect.MessageType
	protoregistry.GlobalTypes.RangeMessages(func(mt protoreflect.MessageType) bool {
		if mt.Descriptor().ParentFile().Package() == "oms.v1" {
			types = append(types, mt)
		}
		return true
	})
	require.Greater(t, len(types), 50, "the oms.v1 messages are registered")
	checked := 0
	for _, mt := range types {
		for range 40 {
			m := mt.New()
			fill(m, r, 0)
			_, fast := m.Interface().(vtMessage)
			require.True(t, fast, "%s has generated vtproto code (make proto)", mt.Descriptor().FullName())
			checkSameBytes(t, c, m.Interface())
			checked++
		}
	}
	checkSameBytes(t, c, &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING})
	t.Logf("%d messages of %d types", checked, len(types))
}

func checkSameBytes(t *testing.T, c interface {
	Marshal(any) (mem.BufferSlice, error)
	Unmarshal(mem.BufferSlice, any) error
}, m proto.Message) {
	t.Helper()
	want, err := proto.Marshal(m)
	require.NoError(t, err)
	got, err := c.Marshal(m)
	require.NoError(t, err)
	require.Equal(t, append([]byte{}, want...), append([]byte{}, got.Materialize()...), "%T: %v", m, m)
	back := m.ProtoReflect().New().Interface()
	require.NoError(t, c.Unmarshal(got, back))
	require.True(t, proto.Equal(m, back), "%T round trip", m)
	got.Free()
}

// TestCodecLargeMessageUsesThePool covers the pooled-buffer path.
func TestCodecLargeMessageUsesThePool(t *testing.T) {
	res := &omsv1.CommerceCommandResult{Seq: 7}
	for i := range 2000 {
		res.Events = append(res.Events, &omsv1.CommerceEvent{Kind: "allocated", OrderId: uint64(i), Sku: "SKU-000123", Qty: 3})
	}
	m := &omsv1.EntryResponse{RequestId: 1, Result: &omsv1.EntryResponse_Commerce{Commerce: res}}
	require.False(t, mem.IsBelowBufferPoolingThreshold(proto.Size(m)))
	checkSameBytes(t, Codec(), m)
}

// TestCodecRefusesInvalidUTF8 checks that decoding still validates strings
// (the vtproto decoder would not).
func TestCodecRefusesInvalidUTF8(t *testing.T) {
	// Field 2 (channel_order_id) of PlaceOrderRequest, holding 0xff.
	bad := []byte{0x12, 0x01, 0xff}
	err := Codec().Unmarshal(mem.BufferSlice{mem.SliceBuffer(bad)}, &omsv1.PlaceOrderRequest{})
	require.ErrorContains(t, err, "UTF-8")
}

// fill sets every field of m to random values (a random member of each
// oneof, lists of 0 to 3 elements, nested messages to depth 3).
func fill(m protoreflect.Message, r *rand.Rand, depth int) {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			if r.IntN(od.Fields().Len()+1) != 0 {
				continue // at most a few members get set; the last one wins
			}
		}
		switch {
		case fd.IsList():
			l := m.Mutable(fd).List()
			for range r.IntN(4) {
				if fd.Kind() == protoreflect.MessageKind {
					if depth < 3 {
						e := l.NewElement()
						fill(e.Message(), r, depth+1)
						l.Append(e)
					}
					continue
				}
				l.Append(scalar(fd, r))
			}
		case fd.IsMap():
			panic("oms.v1 has no map fields; fill needs extending")
		case fd.Kind() == protoreflect.MessageKind:
			if depth < 3 && r.IntN(3) != 0 {
				fill(m.Mutable(fd).Message(), r, depth+1)
			}
		default:
			if r.IntN(4) != 0 { // some fields keep their zero value
				m.Set(fd, scalar(fd, r))
			}
		}
	}
}

func scalar(fd protoreflect.FieldDescriptor, r *rand.Rand) protoreflect.Value {
	n := r.Int64()
	if r.IntN(2) == 0 {
		n = r.Int64N(300) - 100 // small values and negatives
	}
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(n%2 != 0)
	case protoreflect.EnumKind:
		return protoreflect.ValueOfEnum(protoreflect.EnumNumber(int32(n % 8)))
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(n))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(n)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(n))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(uint64(n))
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(float32(n) / 7)
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(float64(n) / 7)
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(randString(r))
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes([]byte(randString(r)))
	}
	panic("unhandled kind " + fd.Kind().String())
}

func randString(r *rand.Rand) string {
	const alphabet = "abcXYZ019-_ é€漢"
	rs := []rune(alphabet)
	out := make([]rune, r.IntN(12))
	for i := range out {
		out[i] = rs[r.IntN(len(rs))]
	}
	return string(out)
}

// TestCodecOneofEdgeCases: a oneof member holding a nil message (which
// the pinned vtproto code sizes one byte too large) and a typed-nil oneof
// wrapper (on which it panics) marshal as protobuf-go marshals them.
func TestCodecOneofEdgeCases(t *testing.T) {
	for _, m := range []*omsv1.EntryResponse{
		{RequestId: 1, Result: &omsv1.EntryResponse_Commerce{}},
		{RequestId: 2, Result: &omsv1.EntryResponse_Trade{}},
		{RequestId: 3, Result: (*omsv1.EntryResponse_Commerce)(nil)},
	} {
		want, err := proto.Marshal(m)
		require.NoError(t, err)
		got, err := Codec().Marshal(m)
		require.NoError(t, err, "%v", m)
		require.Equal(t, want, got.Materialize(), "%v", m)
	}
}
