// Package gateway serves the oms.v1 gRPC API (proto/oms/v1) on top of the
// sequencer: it authenticates each call, translates requests into engine
// commands, submits them, and maps the engine's events back to responses,
// streams and status codes.
//
// Usage:
//
//	auth, err := gateway.NewAuthenticator(tokens)
//	gw, err := gateway.New(gateway.Options{Sequencer: seq, Auth: auth, Log: log, Registry: reg})
//	srv := grpc.NewServer(gw.ServerOptions()...)
//	gw.Register(srv) // oms.v1 services, grpc.health.v1, reflection
//	go srv.Serve(lis)
//	...
//	gw.Drain()        // new calls: UNAVAILABLE; streams end with a resume point
//	srv.GracefulStop()
//
// Guarantees:
//   - Every call but health and reflection needs "authorization: Bearer
//     <token>". A token is an administrator, a commerce channel or a set of
//     trading accounts. A channel sees and changes only its own orders (an
//     order of another channel is NOT_FOUND, so ids cannot be probed); a
//     desk only its accounts'; administration needs an administrator.
//   - Malformed requests fail with INVALID_ARGUMENT before reaching the
//     sequencer, with a google.rpc.BadRequest listing every bad field by its
//     proto name (lines[2].qty). Nothing malformed is journaled.
//   - A command the engine rejects is journaled all the same; the call fails
//     with the code its reason means (INVALID_ARGUMENT, NOT_FOUND,
//     ALREADY_EXISTS, FAILED_PRECONDITION) and a google.rpc.ErrorInfo whose
//     reason is the engine's reason code and whose metadata holds the seq
//     and the request field, a line's indexed by its entry's position in
//     the request (lines[0] for the first entry, whatever order line it
//     names).
//   - RESOURCE_EXHAUSTED when the sequencer's inbox is full; UNAVAILABLE
//     once draining or after the sequencer closed (the command was not
//     processed); UNKNOWN for the command whose journal write failed when
//     the sequencer fail-stopped (it may still be applied on restart, so it
//     is not safe to retry blindly: see seqErr); a handler panic is
//     INTERNAL with no stack trace (the stack is logged).
//   - A reply is sent only after the command is durable and applied.
//   - Trading commands are safe to retry under the same client id: a
//     NewOrder, CancelOrder or ReplaceOrder whose cl_ord_id the account
//     used today, and a MassCancel whose cl_ord_id is that of one of the
//     account's mass cancels accepted today (its last
//     book.MaxMassCancelIDs), fail with ALREADY_EXISTS (duplicate_clordid)
//     and change nothing: a retried mass cancel does not cancel the orders
//     entered since, across restarts too (the engine remembers it in its
//     journal and snapshot). A MassCancel without cl_ord_id is processed
//     every time: nothing identifies a retry of it.
//   - Commerce commands that are not idempotent by themselves
//     (ConfirmShipment, AdjustStock, ReceiveStock, AddInbound, Reserve,
//     CancelOrder, MarkReadyForPickup, ConfirmPickup, CreateReturn,
//     ReceiveReturn) take an optional request_id, scoped by
//     the token (the principal's name goes into the journaled command): a
//     retry within the dedup window gets the first result with duplicate
//     set and changes nothing; the same id for another request is
//     ALREADY_EXISTS, request_id_conflict, field request_id
//     (engine/commerce reqid.go).
//   - OrderEntryService carries many commands on one stream, authenticated
//     once and pipelined (up to 1024 in flight per stream); each is checked
//     and answered exactly as its unary call would be, by request id. A
//     request whose request_id is that of one still in flight on the stream
//     is not run: it is answered at once with INVALID_ARGUMENT naming the
//     field request_id, reason request_id_in_flight (a commerce command's
//     own request_id field, when malformed, has no such reason). An id whose
//     answer was sent is free again: a request reusing it is a new command
//     (the stream remembers no answered id; idempotency is the command's
//     own, channel_order_id for a placement).
//   - Streams carry each result's seq, and number the messages of one seq
//     (seq_index, the last marked seq_last); a client resumes with from_seq
//     = last seq + 1 after a seq_last message, else from that seq, skipping
//     the messages it has, and misses nothing: from the sequencer's ring of
//     recent results, or, for an older seq (after a restart), from the journal when
//     the sequencer has sequencer.Options.ResumeFromJournal (it replays on
//     a private engine, then joins the live stream with no gap). A seq that
//     cannot be rebuilt (no ResumeFromJournal, or pruned) fails with
//     OUT_OF_RANGE.
package gateway
