package gateway

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/sequencer"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Domains of the google.rpc.ErrorInfo detail that carries an engine reason.
const (
	domainTrading  = "oms.trading"
	domainCommerce = "oms.commerce"
)

// violations collects google.rpc.BadRequest field violations while a request
// is translated, so that a client learns every bad field at once.
type violations []*errdetails.BadRequest_FieldViolation

func (v *violations) add(field, desc string) {
	*v = append(*v, &errdetails.BadRequest_FieldViolation{Field: field, Description: desc})
}

// err returns nil when there are no violations, else an InvalidArgument
// status whose message names the fields and whose details list them.
func (v violations) err() error {
	if len(v) == 0 {
		return nil
	}
	msg := "invalid request: " + v[0].Field + ": " + v[0].Description
	if len(v) > 1 {
		msg += " (and " + strconv.Itoa(len(v)-1) + " more)"
	}
	st := status.New(codes.InvalidArgument, msg)
	st, _ = st.WithDetails(&errdetails.BadRequest{FieldViolations: v})
	return st.Err()
}

func invalidField(field, desc string) error {
	var v violations
	v.add(field, desc)
	return v.err()
}

// Messages of the status for a command whose outcome is unknown.
const (
	outcomeUnknownMsg = "outcome unknown: the server stopped on a storage failure while committing this command, " +
		"which may still take effect when the server restarts: read the state it affects once the server is back " +
		"before submitting it again"
	outcomeUnknownPlaceMsg = "outcome unknown: the server stopped on a storage failure while committing this placement, " +
		"which may still take effect when the server restarts: placing an order is idempotent by channel and " +
		"channel_order_id, so once the server is back re-send it with the same channel_order_id (never a new one) " +
		"or look the order up by it"
)

// seqErr maps an error from the sequencer to a status.
//
// A command whose journal write failed at a fail-stop has an unknown
// outcome (sequencer.ErrOutcomeUnknown: the write may be on disk and
// applied on recovery). It must not be UNAVAILABLE, which gRPC retry
// policies and clients treat as "not processed, safe to retry": a retry
// of a non-idempotent command could then apply it twice. It is UNKNOWN,
// the code for an error whose effect the server cannot describe, which no
// retry policy should list; the message tells the client to check the
// state (see outcomeUnknownMsg). INTERNAL would read as a server bug, and
// DATA_LOSS as lost data, neither of which is what happened. An
// ErrClosed without ErrOutcomeUnknown (the command never reached the
// journal) stays UNAVAILABLE. A Submit abandoned when the call's own
// context ended is outcome-unknown too, and keeps the context's code
// (DEADLINE_EXCEEDED already means "may have completed").
func seqErr(err error) error { return seqErrMsg(err, outcomeUnknownMsg) }

// placeErr is seqErr for an order placement, whose unknown outcome is
// resolved by re-sending it with the same channel order id.
func placeErr(err error) error { return seqErrMsg(err, outcomeUnknownPlaceMsg) }

func seqErrMsg(err error, unknown string) error {
	switch {
	case errors.Is(err, sequencer.ErrOverloaded):
		st := status.New(codes.ResourceExhausted, "server overloaded: retry with backoff")
		st, _ = st.WithDetails(&errdetails.RetryInfo{})
		return st.Err()
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	case errors.Is(err, sequencer.ErrOutcomeUnknown):
		st := status.New(codes.Unknown, unknown)
		st, _ = st.WithDetails(&errdetails.ErrorInfo{Reason: "OUTCOME_UNKNOWN", Domain: "oms.sequencer"})
		return st.Err()
	case errors.Is(err, sequencer.ErrClosed):
		return status.Error(codes.Unavailable, "server shutting down")
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	return status.Error(codes.Internal, "internal error")
}

// tradeReasonCode maps an engine reason to the status code that says what
// it means: bad input is InvalidArgument, a missing entity NotFound, an
// existing one AlreadyExists, and a state or limit conflict
// FailedPrecondition.
func tradeReasonCode(r book.Reason) codes.Code {
	switch r {
	case book.ReasonInvalidQty, book.ReasonInvalidPrice, book.ReasonOffTick, book.ReasonOffLot,
		book.ReasonInvalidSide, book.ReasonInvalidType, book.ReasonInvalidTIF, book.ReasonInvalidExpiry,
		book.ReasonInvalidDisplay, book.ReasonInvalidStopPrice, book.ReasonInvalidInstrument,
		book.ReasonInvalidAccount, book.ReasonInvalidCommand, book.ReasonMissingClOrdID,
		book.ReasonNotionalOverflow:
		return codes.InvalidArgument
	case book.ReasonUnknownInstrument, book.ReasonUnknownAccount, book.ReasonUnknownOrder:
		return codes.NotFound
	case book.ReasonDuplicateClOrdID, book.ReasonDuplicateInstrument, book.ReasonDuplicateAccount:
		return codes.AlreadyExists
	}
	// The rest, replace_mismatch among them (the order exists and the
	// request contradicts it), are state conflicts.
	return codes.FailedPrecondition
}

// tradeReasonField names the request field an InvalidArgument reason is
// about, for the BadRequest detail.
func tradeReasonField(r book.Reason) string {
	switch r {
	case book.ReasonInvalidQty, book.ReasonOffLot:
		return "qty"
	case book.ReasonInvalidPrice, book.ReasonOffTick, book.ReasonNotionalOverflow:
		return "price"
	case book.ReasonInvalidSide:
		return "side"
	case book.ReasonInvalidType:
		return "type"
	case book.ReasonInvalidTIF:
		return "tif"
	case book.ReasonInvalidExpiry:
		return "expire_time_unix_nano"
	case book.ReasonInvalidDisplay:
		return "display_qty"
	case book.ReasonInvalidStopPrice:
		return "stop_price"
	case book.ReasonInvalidInstrument:
		return "instrument"
	case book.ReasonInvalidAccount:
		return "account"
	case book.ReasonMissingClOrdID:
		return "cl_ord_id"
	}
	return ""
}

// reasonErr builds the status for a rejection by the engine: the code from
// code, the engine's reason in a google.rpc.ErrorInfo, the sequence number
// of the journaled command in its metadata, and, when the reason is about
// one field, the field in the message and the metadata ("field") and, for
// InvalidArgument, a google.rpc.BadRequest field violation. order, when
// not 0, is an order the reason names (metadata "order_id": the order
// holding a conflicting channel order id).
func reasonErr(c codes.Code, domain, reason, field string, seq, order uint64) error {
	msg := "rejected: " + reason
	md := map[string]string{"seq": strconv.FormatUint(seq, 10)}
	if field != "" {
		msg += " (" + field + ")"
		md["field"] = field
	}
	if order != 0 {
		md["order_id"] = strconv.FormatUint(order, 10)
		msg += fmt.Sprintf(", held by order %d", order)
	}
	st := status.New(c, msg)
	info := &errdetails.ErrorInfo{Reason: reason, Domain: domain, Metadata: md}
	var err error
	if c == codes.InvalidArgument && field != "" {
		st, err = st.WithDetails(info, &errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: field, Description: reason}}})
	} else {
		st, err = st.WithDetails(info)
	}
	if err != nil {
		return status.Error(c, msg)
	}
	return st.Err()
}

func tradeReject(r book.Reason, seq uint64) error {
	c := tradeReasonCode(r)
	return reasonErr(c, domainTrading, r.String(), tradeReasonField(r), seq, 0)
}
