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
// OrderCancelReject (9) with CxlRejReason, OrderMassCancelReport (r) on
// FIX 4.4 (see below for 4.2).
//
// Every value sent is one the stock QuickFIX data dictionary of the
// session's version (FIX42.xml, FIX44.xml) accepts, so a counterparty that
// validates strictly never rejects a report (dictionary_test.go validates
// every kind of outgoing message against both). A triggered stop is reported
// as Restated (ExecType D) in both versions, with ExecRestatementReason
// (378) Other (99) in 4.4 or Broker option (4) in 4.2, which has no Other,
// and Text "triggered": Triggered (L) is not a FIX 4.4 value (it came with
// extension pack EP22). Reject reasons a version has no value for are
// Broker option (OrdRejReason 0, CxlRejReason 2) on 4.2 and Other (99) on
// 4.4, which among others covers an off-tick price and one outside the
// price band (Invalid price increment, 18, and Price exceeds current price
// band, 16, are not 4.4 values); Text always carries the engine's reason.
// OrderMassCancelReport has no Account (1) in 4.4: its Text names the
// account instead ("account DESK1", then the reason of a rejection), which
// tells apart the reports of a session trading several accounts.
//
// # Re-sent requests (PossDupFlag, PossResend)
//
// A NewOrderSingle (D), OrderCancelRequest (F) or OrderCancelReplaceRequest
// (G) flagged PossDupFlag (43) = Y or PossResend (97) = Y whose ClOrdID the
// engine has already taken for the account (an order, cancel or replace
// it accepted today, live or finished) is not processed again and not
// rejected: the gateway answers it with the order's current status, the
// ExecutionReport an OrderStatusRequest gets (ExecType I, Order Status, on
// 4.4; ExecTransType 3, Status, with ExecType = OrdStatus on 4.2), looked
// up by a sequencer query. A flagged request whose ClOrdID the engine does
// not know is processed as new; one without either flag whose ClOrdID is
// taken is refused as before (Text duplicate_clordid). A desk therefore
// never sees a Rejected report under the ClOrdID of an order that lives
// or filled. QuickFIX itself drops a PossDupFlag=Y message that reuses a
// MsgSeqNum already received; this rule is for a re-send under a new one.
// If the look-up fails (sequencer stopped or overloaded), the request gets
// a BusinessMessageReject (j) "status unavailable, retry".
//
// The answer does not depend on timing within the gateway: a request
// (flagged or not) whose account and ClOrdID are those of a request still
// in flight from any of its sessions waits for that one to be applied and
// its reports handed over, then is looked up and submitted while no other
// request with them can be, so a re-send racing its original gets the
// status, after the original's reports, and the original's reports go to
// its sender. A wait is bounded by SubmitTimeout; a request still in
// flight then (its submit timed out) makes a flagged re-send get the
// BusinessMessageReject above and an unflagged request a reject "not
// accepted, retry" naming ClOrdID (11).
//
// Limit: the gateway tells the reports that answer a request by the
// account and ClOrdID they carry (a sequencer result does not say which
// gateway submitted its command), and waits only for its own requests. A
// command with the same account and ClOrdID from another gateway (gRPC)
// applied while a request of this gateway is in flight — for a re-send,
// between its look-up and its submit — is taken for the request's answer:
// its reports (a new order's acceptance and fills as taker, a cancel's or
// replace's report or OrderCancelReject, a mass cancel's cancels and
// OrderMassCancelReport) go to the request's sender, with the other
// command's terms. The request itself then reaches the engine, which
// refuses it as duplicate_clordid (and so changes nothing): a D's
// ExecutionReport 39=8 goes to the account's default session as a drop
// copy, the refusal of an F, G or q is not sent. So a re-send that races a
// gRPC command with its ClOrdID gets that command's reports, then possibly
// a plain duplicate reject, rather than its order's status
// (TestForeignSameClOrdIDRacingResend pins it). It takes a desk using one
// ClOrdID on two gateways at once for one account, which the ClOrdID
// uniqueness per account (see engine/book) already forbids; the engine's
// state is right whatever the routing. Telling the two apart would need the
// sequencer to tag each result with its submitter, seen by the publisher
// before the session's Submit returns: not done.
//
// An OrderMassCancelRequest (q) flagged the same way whose ClOrdID is that
// of a mass cancel the engine accepted for the account today (on a request
// of any session or gateway) is not processed again, which would cancel
// the orders entered since: on FIX 4.4 the original OrderMassCancelReport
// (r) is sent again, identical (OrderID, TotalAffectedOrders, Symbol,
// TransactTime) and marked PossResend=Y; on FIX 4.2, where the cancelled
// orders' ExecutionReports were the answer and were sent, nothing new is
// sent. The engine remembers each account's mass cancels by ClOrdID until
// the end of day, in its journal and snapshot, so this holds across a
// restart of the gateway or the core; an account's memory holds its last
// 4096 mass cancels of the day (book.MaxMassCancelIDs), and a re-send of
// one pushed out is processed again. The answer is looked up by a
// sequencer query, as for D, F and G (a failed look-up gets the
// BusinessMessageReject "status unavailable, retry"). A flagged q never
// accepted (refused, or never received) is processed as new. An unflagged
// q reusing the ClOrdID of a mass cancel accepted today is refused by the
// engine and cancels nothing: an OrderMassCancelReport rejected
// (MassCancelResponse 0, MassCancelRejectReason Other, 99) on 4.4, a
// BusinessMessageReject on 4.2, Text "account <account>: duplicate_clordid".
// Mass-cancel ClOrdIDs are a namespace of their own: a q may reuse the
// ClOrdID of an order, and an order that of a q.
//
// An accepted mass cancel's OrderID (37) is "MC-<n>", n the engine's
// number for it (book.MassCancelID); a rejected one's "MCR-<seq>", or a
// gateway-made id for one refused before the engine.
//
// # Mass cancel on FIX 4.2
//
// OrderMassCancelRequest (q) and OrderMassCancelReport (r) do not exist
// before FIX 4.3. The gateway accepts q on a 4.2 session as an extension
// (QuickFIX hands it over: the gateway's sessions do not validate against a
// data dictionary; one configured with DataDictionary=FIX42.xml refuses q
// with a session Reject, Invalid MsgType, before the gateway sees it), and a
// 4.2 session never receives an r: an accepted mass cancel is answered by
// the ExecutionReports (ExecType 4, Text "mass_cancel") of the orders it
// cancelled, and nothing else, so one that finds no open order sends
// nothing; a rejected one (unsupported MassCancelRequestType, an account not
// the session's, an unknown symbol) gets a BusinessMessageReject (j) with
// RefMsgType q, BusinessRejectRefID the request's ClOrdID and
// BusinessRejectReason Unknown security (2) for an unknown symbol, Other (0)
// otherwise, Text saying why. A desk that needs a completion report for
// every mass cancel uses FIX 4.4.
//
// # Ids on mass-cancelled orders
//
// In both versions the ExecutionReport of each order a mass cancel
// cancelled carries, as for an OrderCancelRequest, ClOrdID (11) = the mass
// cancel's ClOrdID and OrigClOrdID (41) = the order's ClOrdID, so a desk
// ties it to its order and to its q (on 4.2, where no r follows, to nothing
// else). The mass cancel's ClOrdID is the q's for a FIX request, the
// cl_ord_id of a gRPC MassCancel (a drop copy, see Routing under
// Guarantees), and a
// gateway-made "COD-..." id for a cancel on disconnect; a gRPC mass cancel
// without one keeps the order's ClOrdID in 11. The engine's events keep the
// order's own ids (the engine cannot give one ClOrdID to many orders); the
// gateway maps them when it writes the reports, including regenerated ones.
//
// # Cancel on disconnect and shutdown
//
// A session with CancelOnDisconnect=Y has its accounts' open orders
// cancelled when it logs out or drops, and when the gateway closes. Each
// cancel's ExecutionReport (ExecType 4) carries Text "cancel_on_disconnect"
// (the engine's reason is mass_cancel, which a desk's own mass cancel keeps
// in its reports), ClOrdID the gateway-made "COD-..." id and OrigClOrdID the
// order's; it is sent to the session's store, so the desk gets it by resend
// when it logs on again. A regenerated report is told by its "COD-" id, so a
// gRPC mass cancel whose cl_ord_id starts with "COD-" reads as one after a
// restart. When the gateway closes, every session gets a Logout with Text
// "server shutting down".
//
// # Configuration
//
// Sessions are configured in the QuickFIX settings format; testdata/sample.cfg
// is the documented sample (and the demo). The gateway reads four keys of
// its own per session: Accounts (required), LogonPassword,
// CancelOnDisconnect and MaxMessagesPerSecond. The message store is the
// QuickFIX file store and logs are files. The gateway keeps its checkpoint
// (CheckpointFile) in the [DEFAULT] FileStorePath directory.
//
// # Crash recovery
//
// The gateway records in CheckpointFile the last sequencer seq whose
// reports it handed to QuickFIX (SendToTarget stores each message in the
// session's file store before returning, fsynced unless FileStoreSync=N).
// The file is replaced atomically (temporary file, fsync, rename, directory
// fsync) at most every Config.CheckpointInterval (100ms by default) when it
// moved, and on Close: one fsync per interval, not one per report. A report
// the session's store refused (a disk error: QuickFIX then does not send
// it either) is retried every CheckpointInterval and before the next
// result's reports, with the session's later reports queued behind it so
// that the session gets them in order; until it is stored it holds the
// checkpoint before its seq, so that a crash or a Close before then makes
// the next Start regenerate it, and those after it, rather than skip it.
// Once it is stored (and so sent, or kept for resend) the hold lifts. More
// than 65536 reports waiting are let go (logged), and the hold then stays
// until the next Start.
//
// Start subscribes from the seq after the checkpoint. Results older than
// the sequencer's ring (always the case after a restart) are rebuilt from
// the journal, which needs sequencer.Options.ResumeFromJournal (`oms serve`
// sets it) and a journal not pruned past the checkpoint. The rebuilt
// results are identical to the originals (the engine is deterministic),
// so regenerated reports carry the original ExecIDs. When they cannot be
// rebuilt, Start logs the lost seq range at error level and goes on from the
// next command, or, with Config.FailOnLostReports, fails with
// ErrReportsLost; it never skips them silently. Close records the checkpoint
// at the last report handed over, so a clean restart sends again nothing
// that was sent; the reports of commands applied after Close (through
// other gateways, say) are sent on the next Start, marked like the rest.
//
// Every report regenerated for a seq applied before Start is marked
// PossResend (97) = Y: it may have been sent before the crash (between the
// last checkpoint and the crash) or not (applied but never handed over),
// and the gateway cannot tell which. PossResend, not PossDupFlag (43), is
// the FIX flag for this: PossDupFlag marks a session-level retransmission of
// the same message under its original MsgSeqNum (QuickFIX sets it when it
// answers a ResendRequest), while a regenerated report is a new message with
// a new MsgSeqNum whose content may have been sent under another one, which
// is what PossResend means. A desk de-duplicates a PossResend=Y report by its
// ExecID (17): one it has already processed is a duplicate.
//
// # Unknown outcomes
//
// A request is refused (ExecutionReport 39=8, OrderCancelReject or
// OrderMassCancelReport with "not accepted, retry") only when the sequencer
// certainly did not take it: overloaded, stopped before the request reached
// the journal, or invalid. When the outcome is unknown — the submit timed
// out (Config.SubmitTimeout), or the sequencer fail-stopped on the journal
// write of that very request (sequencer.ErrOutcomeUnknown: a failed fsync
// may still have reached the disk, and recovery then replays the command)
// — the gateway sends nothing about the request, as no message would be
// true: a reject would make a desk that retries with a new ClOrdID enter
// the order twice, and a BusinessMessageReject reads as a refusal too. The
// desk learns the outcome from the order's own reports: if the command was
// applied, its ExecutionReport follows, at once for a timeout, or after
// the restart that a fail-stop needs, regenerated from the journal and
// marked PossResend=Y (see Crash recovery). A desk that has had no answer
// sends an OrderStatusRequest (H) for the ClOrdID once the gateway answers
// again; an order the engine does not know is answered with OrdStatus=8,
// and only then is it safe to enter it again.
//
// # Usage
//
//	settings, err := fix.LoadSettings("fix.cfg") // or fix.DemoConfig(dir, "DESK1", "DESK2")
//	gw, err := fix.New(seq, fix.Config{Settings: settings})
//	err = gw.Start()       // after seq.Start()
//	...
//	err = gw.Close()       // before seq.Close(); records the checkpoint
//
// # Guarantees
//
//   - Prices and quantities convert exactly: a price with more decimals than
//     the instrument's, or off its tick, and a quantity off the lot, are
//     rejected with a reason, never rounded. AvgPx is CumNotional/CumQty in
//     integers (exact when it terminates within the price decimals + 8).
//   - A session trades only its accounts; anything it sends for another
//     account is refused before the engine.
//   - Routing (router.go). A report that answers a request goes to the
//     session that sent it. Every other report about an order (fills as
//     maker, expiries on ticks, triggered stops, the cancels of a mass cancel
//     or of a cancel on disconnect) goes to the session that entered the
//     order, while it is live; when no session of this gateway entered it —
//     an order entered over gRPC or by another gateway, or before a restart —
//     it goes to the account's default session: the first, in SessionID
//     order, whose Accounts lists the account. That is a drop copy: a desk's
//     session sees the acceptance, fills, cancel, replace and reject of
//     every order of its account, wherever it was entered. A refused cancel,
//     replace or mass cancel from elsewhere is not sent (it answers no
//     request of this gateway), and an account no session lists gets no
//     report. Reports are handed to QuickFIX, which stores them with their
//     sequence numbers, so a session that was down receives what it missed
//     by resend on logon.
//   - One session's messages are handled in order: each is submitted and
//     applied before the next is read.
//
// # Limits
//
//   - After a crash, the reports of up to CheckpointInterval of results
//     handed to QuickFIX after the last checkpoint are sent again (marked
//     PossResend=Y, same ExecIDs). With FileStoreSync=N a power failure can
//     also lose stored messages the checkpoint already covers; a process
//     crash cannot.
//   - Regenerated reports go to the order's account's default session (the
//     first, in SessionID order, that lists it), as the requests in flight
//     at the crash are forgotten. For the same reason, the answers that exist only for a
//     request, OrderCancelReject (9) and OrderMassCancelReport (r), are not
//     regenerated; the ExecutionReports of the orders they touched are, and
//     an OrderStatusRequest answers from the engine.
//   - One session has one request in flight (that is what keeps its order);
//     its throughput is bounded by the sequencer's commit latency, and many
//     sessions share each group commit.
//   - FIX 4.2 has no OrderMassCancelRequest and no Password field; the
//     gateway accepts both on 4.2 sessions as an extension, and answers a
//     4.2 mass cancel without an OrderMassCancelReport (see above).
//   - QuickFIX/Go keeps sessions in a process-wide registry: two gateways
//     with the same session ids cannot be open at once in one process.
package fix
