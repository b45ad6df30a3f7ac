// Package fix is the FIX gateway for trading desks: a QuickFIX/Go acceptor
// that turns FIX 4.2 and FIX 4.4 messages into engine commands submitted to
// the sequencer, and the sequencer's results back into FIX reports.
//
// # Data path
//
//	desk --FIX--> acceptor --> check, convert --> sequencer.Submit (journal, apply)
//	desk <--FIX-- QuickFIX store/queue <-- reports <-- sequencer.Subscribe (every result)
//
// In: NewOrderSingle (D), OrderCancelRequest (F), OrderCancelReplaceRequest
// (G), OrderStatusRequest (H, answered from the engine by a sequencer
// query) and OrderMassCancelRequest (q). Any other application message gets
// a BusinessMessageReject (j, reason 3); a missing required field or a
// malformed value gets a session-level Reject (3) with the tag; a wrong
// CompID or sequence problem is handled by QuickFIX as the standard says
// (Reject and Logout, ResendRequest).
//
// Out: ExecutionReport (8) for every state change of an order (ExecType,
// OrdStatus and, in 4.2, ExecTransType per version; CumQty, LeavesQty,
// AvgPx, LastQty/LastPx, OrderID, ExecID, ClOrdID, OrigClOrdID),
// OrderCancelReject (9) with CxlRejReason, OrderMassCancelReport (r).
//
// # Configuration
//
// Sessions are configured in the QuickFIX settings format; testdata/sample.cfg
// is the documented sample (and the demo). The gateway reads four keys of
// its own per session: Accounts (required), LogonPassword,
// CancelOnDisconnect and MaxMessagesPerSecond. The message store is the
// QuickFIX file store and logs are files.
//
// # Usage
//
//	settings, err := fix.LoadSettings("fix.cfg") // or fix.DemoConfig(dir, "DESK1", "DESK2")
//	gw, err := fix.New(seq, fix.Config{Settings: settings})
//	err = gw.Start()       // after seq.Start()
//	...
//	err = gw.Close()       // before seq.Close()
//
// # Guarantees
//
//   - Prices and quantities convert exactly: a price with more decimals than
//     the instrument's, or off its tick, and a quantity off the lot, are
//     rejected with a reason, never rounded. AvgPx is CumNotional/CumQty in
//     integers (exact when it terminates within the price decimals + 8).
//   - A session trades only its accounts; anything it sends for another
//     account is refused before the engine.
//   - A report about a request goes to the session that sent it; every other
//     report about an order (fills as maker, expiries on ticks, cancels on
//     disconnect) goes to the session that entered it, or after a restart to
//     the first session configured for the order's account. Reports are
//     handed to QuickFIX, which stores them with their sequence numbers, so a
//     session that was down receives what it missed by resend on logon.
//   - One session's messages are handled in order: each is submitted and
//     applied before the next is read.
//
// # Limits
//
//   - Reports are produced from the sequencer's live feed. Close drains it;
//     after a crash, reports of commands applied but not yet handed to
//     QuickFIX are not regenerated (the orders' state is right, and an
//     OrderStatusRequest answers from it).
//   - One session has one request in flight (that is what keeps its order);
//     its throughput is bounded by the sequencer's commit latency, and many
//     sessions share each group commit.
//   - FIX 4.2 has no OrderMassCancelRequest and no Password field; the
//     gateway accepts both on 4.2 sessions as an extension.
//   - QuickFIX/Go keeps sessions in a process-wide registry: two gateways
//     with the same session ids cannot be open at once in one process.
package fix
