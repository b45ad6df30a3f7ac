package engine

import (
	"fmt"

	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/engine/commerce"
	"github.com/ordercore/oms/engine/wire"
)

// Kind selects the domain a command belongs to.
type Kind uint8

// Command kinds. Append only: the journal stores them.
const (
	KindTrade    Kind = iota + 1 // Trade holds the command
	KindCommerce                 // Commerce holds the command
	KindTick                     // advances time: GTD orders and reservations expire
)

func (k Kind) String() string {
	switch k {
	case KindTrade:
		return "trade"
	case KindCommerce:
		return "commerce"
	case KindTick:
		return "tick"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Command is one input to the engine. Seq and Time are stamped by the
// sequencer; everything else comes from a gateway.
type Command struct {
	// Seq is the command's position in the journal, starting at 1.
	Seq uint64
	// Time is the sequencer's wall clock at stamping, in unix nanoseconds:
	// the engine's only notion of time.
	Time     int64
	Kind     Kind
	Trade    book.Command
	Commerce commerce.Command
}

// CheckKind reports a command that could be encoded but not decoded (an
// unknown kind, or an unknown trade or commerce command kind, which both
// domains' String methods name "cmd?"): journaling one would make the
// journal unreplayable.
func (c *Command) CheckKind() error {
	switch c.Kind {
	case KindTick:
		return nil
	case KindTrade:
		if c.Trade.Kind.String() == "cmd?" {
			return fmt.Errorf("trade command kind %d is unknown", c.Trade.Kind)
		}
		return nil
	case KindCommerce:
		if c.Commerce.Kind.String() == "cmd?" {
			return fmt.Errorf("commerce command kind %d is unknown", c.Commerce.Kind)
		}
		return nil
	}
	return fmt.Errorf("kind %d: want trade, commerce or tick", c.Kind)
}

// codecVersion is the version of the command payload encoding, one number
// for both halves (book.CodecVersion and commerce.CodecVersion agree:
// TestCodecVersionsAgree). The journal frames each payload with its own
// record version and checksum. Version 2 adds a replace's Symbol, Side, Type
// and TIF, and a reservation's channel; version 1 still decodes, so
// journals written before version 2 replay.
const (
	codecVersion    = book.CodecVersion
	codecVersionMin = book.CodecV1
)

// AppendCommand appends the canonical encoding of c to buf.
func AppendCommand(buf []byte, c *Command) []byte {
	w := wire.NewWriter(buf)
	w.Byte(codecVersion)
	w.Uvarint(c.Seq)
	w.Varint(c.Time)
	w.Byte(byte(c.Kind))
	switch c.Kind {
	case KindTrade:
		book.EncodeCommand(w, &c.Trade)
	case KindCommerce:
		commerce.EncodeCommand(w, &c.Commerce)
	}
	return w.Bytes()
}

// DecodeCommand decodes what AppendCommand wrote into c. Strings are copied,
// so c does not alias b.
func DecodeCommand(b []byte, c *Command) error { return DecodeCommandInterned(b, c, nil) }

// DecodeCommandInterned is DecodeCommand with the names that recur across
// commands (accounts, symbols, SKUs, currencies, customers) interned
// through names (see wire.Interner), for decoding a stream of commands, as
// replay does, with fewer allocations. The command is the same either way.
func DecodeCommandInterned(b []byte, c *Command, names *wire.Interner) error {
	*c = Command{}
	r := wire.NewReader(b)
	r.SetInterner(names)
	v := r.Byte()
	if r.Err() == nil && (v < codecVersionMin || v > codecVersion) {
		return fmt.Errorf("engine: command encoding version %d, want %d..%d", v, codecVersionMin, codecVersion)
	}
	c.Seq = r.Uvarint()
	c.Time = r.Varint()
	c.Kind = Kind(r.Byte())
	switch c.Kind {
	case KindTrade:
		book.DecodeCommandVersion(r, &c.Trade, v)
	case KindCommerce:
		commerce.DecodeCommandVersion(r, &c.Commerce, v)
	case KindTick:
	default:
		r.Fail(fmt.Errorf("%w: command kind %d", wire.ErrCorrupt, c.Kind))
	}
	if err := r.Done(); err != nil {
		return fmt.Errorf("engine: decode command: %w", err)
	}
	return nil
}
