package fix

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/sequencer"
	"github.com/quickfixgo/quickfix"
	filelog "github.com/quickfixgo/quickfix/log/file"
	filestore "github.com/quickfixgo/quickfix/store/file"
)

// Sentinel errors.
var (
	// ErrStarted is returned by Start on a gateway already started or closed.
	ErrStarted = errors.New("fix: gateway already started")
	// ErrReportsLost is returned by Start, with Config.FailOnLostReports,
	// when reports missed since the last checkpoint cannot be regenerated.
	ErrReportsLost = errors.New("fix: reports since the checkpoint cannot be regenerated")
)

// session is one configured FIX session and its policy.
type session struct {
	id       quickfix.SessionID
	v        version
	rules    *sessionRules
	limit    *limiter
	loggedOn atomic.Bool
}

// Gateway is the FIX acceptor in front of the sequencer. See the package
// documentation for the data path and its guarantees.
type Gateway struct {
	seq      *sequencer.Sequencer
	cfg      Config
	log      *slog.Logger
	acceptor *quickfix.Acceptor
	sessions map[quickfix.SessionID]*session // immutable after New
	router   *router
	insts    instruments
	ids      localIDs

	mu      sync.Mutex // lifecycle
	started bool
	closed  bool

	stopping atomic.Bool
	// loggingOut is set when Close logs the sessions out: their Logouts
	// carry shutdownText.
	loggingOut atomic.Bool
	published  atomic.Uint64 // last seq whose reports were handed to QuickFIX
	quit       chan struct{}
	wg         sync.WaitGroup

	cp *checkpoint
	// saved is the seq last written to cp. Owned by the checkpoint loop
	// while it runs, then by Close.
	saved uint64
	// resumeUntil is the last seq applied before Start: reports of seqs up
	// to it are regenerated and marked PossResend. Set before the publish
	// loop starts, read-only after.
	resumeUntil uint64
	// crashHook, set by tests, simulates a crash: when it returns true for
	// a result, the publish loop stops without handing its reports to
	// QuickFIX and no checkpoint is written any more.
	crashHook func(*sequencer.Result) bool
	crashed   atomic.Bool
	// unstored is the lowest seq one of whose reports QuickFIX could not
	// store (so never sent) and that is not stored yet, or 0: the
	// checkpoint hold. The checkpoint stays before it, so that a restart
	// regenerates that report (and, marked PossResend, the ones after it)
	// rather than skipping it for good; it lifts when the report is stored
	// on a retry (see unsent). Written by the publish loop.
	unstored atomic.Uint64
	unsent   unsent // owned by the publish loop
}

// New builds a gateway on seq from cfg, validating the settings (errors name
// the key). The QuickFIX sessions are registered at once, so a gateway from
// New must be closed with Close even if it is never started. REQUIRES: seq
// is started before Start is called.
func New(seq *sequencer.Sequencer, cfg Config) (*Gateway, error) {
	if seq == nil {
		return nil, errors.New("fix: New needs a sequencer")
	}
	rules, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	g := &Gateway{
		seq: seq, cfg: cfg, log: cfg.Logger,
		sessions: make(map[quickfix.SessionID]*session, len(rules)),
		quit:     make(chan struct{}),
	}
	g.insts.init()
	g.ids.init(time.Now())
	now := time.Now()
	ids := make([]quickfix.SessionID, 0, len(rules))
	for id, r := range rules {
		v, _ := versionOf(id.BeginString) // validated
		g.sessions[id] = &session{id: id, v: v, rules: r, limit: newLimiter(r.maxPerSecond, now)}
		ids = append(ids, id)
	}
	// The first session, in SessionID order, that lists an account is its
	// default destination.
	slices.SortFunc(ids, func(a, b quickfix.SessionID) int { return strings.Compare(a.String(), b.String()) })
	byAccount := make(map[string]*session)
	for _, id := range ids {
		for _, a := range rules[id].accounts {
			if byAccount[a] == nil {
				byAccount[a] = g.sessions[id]
			}
		}
	}
	g.router = newRouter(byAccount)
	if g.cp, err = newCheckpoint(cfg.Settings); err != nil {
		for _, id := range ids {
			_ = quickfix.UnregisterSession(id)
		}
		return nil, err
	}
	logs, err := filelog.NewLogFactory(cfg.Settings)
	if err != nil {
		return nil, fmt.Errorf("fix: file log (FileLogPath): %w", err)
	}
	var stores quickfix.MessageStoreFactory = lockedStoreFactory{filestore.NewStoreFactory(cfg.Settings)}
	if cfg.wrapStore != nil {
		stores = cfg.wrapStore(stores)
	}
	a, err := quickfix.NewAcceptor(&application{g}, stores, cfg.Settings, logs)
	if err != nil {
		for _, id := range ids {
			_ = quickfix.UnregisterSession(id) // whatever NewAcceptor registered before failing
		}
		return nil, fmt.Errorf("fix: acceptor: %w", err)
	}
	g.acceptor = a
	if cfg.Listener != nil {
		l := cfg.Listener
		a.SetNewListenerCallback(func(string, *tls.Config) (net.Listener, error) { return l, nil })
	}
	return g, nil
}

// Start loads the instrument definitions, subscribes to the sequencer from
// the seq after the checkpoint (regenerating the reports of commands applied
// since, from the journal), and starts accepting connections.
func (g *Gateway) Start() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.started || g.closed {
		return ErrStarted
	}
	ctx, cancel := context.WithTimeout(context.Background(), g.cfg.SubmitTimeout)
	defer cancel()
	var insts []book.Instrument
	var last uint64
	err := g.seq.Query(ctx, func(e *engine.Engine) {
		insts = e.Book().Instruments()
		last = e.LastSeq()
	})
	if err != nil {
		return fmt.Errorf("fix: start: load instruments: %w", err)
	}
	for _, in := range insts {
		g.insts.put(in)
	}
	sub, from, err := g.subscribeResume(last)
	if err != nil {
		return err
	}
	g.published.Store(from - 1)
	g.wg.Add(2)
	go func() { defer g.wg.Done(); g.publishLoop(sub) }()
	go func() { defer g.wg.Done(); g.checkpointLoop() }()
	if err := g.acceptor.Start(); err != nil {
		close(g.quit)
		g.wg.Wait()
		return fmt.Errorf("fix: start acceptor: %w", err)
	}
	g.started = true
	g.log.Info("fix: gateway started", "sessions", len(g.sessions), "from_seq", from, "resend_until", g.resumeUntil)
	return nil
}

// Close stops the gateway, in order: sessions with CancelOnDisconnect have
// their open orders cancelled through the sequencer and the reports handed
// to their stores; then every session is logged out and the acceptor stops;
// then the publisher stops and the checkpoint records the last seq whose
// reports were handed over (an error saving it is returned). Close is
// idempotent and must run before the sequencer is closed.
func (g *Gateway) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil
	}
	g.closed = true
	g.stopping.Store(true)
	if !g.started {
		for id := range g.sessions {
			_ = quickfix.UnregisterSession(id)
		}
		return nil
	}
	var last uint64
	for _, s := range g.sortedSessions() {
		if s.rules.cancelOnDisconnect && s.loggedOn.Load() {
			last = max(last, g.cancelAll(s, "shutdown"))
		}
	}
	if last > 0 {
		g.waitPublished(last, g.cfg.SubmitTimeout)
	}
	g.loggingOut.Store(true)
	g.acceptor.Stop()
	close(g.quit)
	g.wg.Wait()
	err := g.saveCheckpoint()
	g.log.Info("fix: gateway stopped", "published_seq", g.published.Load())
	return err
}

func (g *Gateway) sortedSessions() []*session {
	out := make([]*session, 0, len(g.sessions))
	for _, s := range g.sessions {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *session) int { return strings.Compare(a.id.String(), b.id.String()) })
	return out
}

// waitPublished waits until the reports of seq have been handed to
// QuickFIX, or timeout passes.
func (g *Gateway) waitPublished(seq uint64, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for g.published.Load() < seq {
		select {
		case <-deadline.C:
			return false
		case <-tick.C:
		}
	}
	return true
}

// cancelAll submits a mass cancel of every account of s and returns the
// seq of the last one applied (0 if none was).
func (g *Gateway) cancelAll(s *session, why string) uint64 {
	var last uint64
	for _, acct := range s.rules.accounts {
		c := book.Command{Kind: book.CmdMassCancel, Account: acct, ClOrdID: g.ids.next(codPrefix)}
		k := reqKey{acct, c.ClOrdID}
		if !g.claim(k, pendingReq{s: s, kind: reqCancelOnDisconnect}) { // cannot happen: the id is new
			g.log.Error("fix: cancel on disconnect failed: its ClOrdID is in flight", "session", s.id.String(), "account", acct, "clordid", c.ClOrdID)
			continue
		}
		res, err := g.submit(c)
		if err != nil {
			g.router.forget(k)
			g.log.Error("fix: cancel on disconnect failed", "session", s.id.String(), "account", acct, "why", why, "err", err)
			continue
		}
		last = max(last, res.Seq)
		g.log.Info("fix: cancel on disconnect", "session", s.id.String(), "account", acct, "why", why, "seq", res.Seq)
	}
	return last
}

// submit sends one trading command through the sequencer.
func (g *Gateway) submit(c book.Command) (*sequencer.Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), g.cfg.SubmitTimeout)
	defer cancel()
	return g.seq.Submit(ctx, engine.Command{Kind: engine.KindTrade, Trade: c})
}

// notApplied reports whether a Submit error means the command was certainly
// not applied, so that the request may be refused. An unknown outcome (a
// timeout, or the batch whose journal write failed at a fail-stop: that
// error wraps ErrClosed too, but the write may be on disk and replayed on
// restart) is not: the gateway then sends nothing (see "Unknown outcomes"
// in the package documentation).
func notApplied(err error) bool {
	if errors.Is(err, sequencer.ErrOutcomeUnknown) {
		return false
	}
	return errors.Is(err, sequencer.ErrOverloaded) || errors.Is(err, sequencer.ErrClosed) ||
		errors.Is(err, sequencer.ErrInvalidCommand)
}

// send hands a message to a session's QuickFIX queue; the store keeps it for
// resend if the session is down. QuickFIX stores a message before it queues
// it: an error means it was neither stored nor sent.
func (g *Gateway) send(s *session, m *quickfix.Message) error {
	err := quickfix.SendToTarget(m, s.id)
	if err != nil {
		g.log.Error("fix: send failed", "session", s.id.String(), "err", err)
	}
	return err
}

// instruments caches instrument definitions for price conversion. It is
// filled at Start and kept current from EvInstrument events; a miss falls
// back to a sequencer query.
type instruments struct {
	mu sync.RWMutex
	m  map[string]book.Instrument
}

func (in *instruments) init() { in.m = make(map[string]book.Instrument) }

func (in *instruments) put(i book.Instrument) {
	in.mu.Lock()
	in.m[i.Symbol] = i
	in.mu.Unlock()
}

func (in *instruments) get(symbol string) (book.Instrument, bool) {
	in.mu.RLock()
	defer in.mu.RUnlock()
	i, ok := in.m[symbol]
	return i, ok
}

// instrument returns symbol's definition, asking the engine on a miss.
func (g *Gateway) instrument(symbol string) (book.Instrument, bool) {
	if i, ok := g.insts.get(symbol); ok {
		return i, true
	}
	ctx, cancel := context.WithTimeout(context.Background(), g.cfg.SubmitTimeout)
	defer cancel()
	var spec book.Instrument
	var ok bool
	if err := g.seq.Query(ctx, func(e *engine.Engine) { spec, _, _, ok = e.Book().Instrument(symbol) }); err != nil || !ok {
		return book.Instrument{}, false
	}
	g.insts.put(spec)
	return spec, true
}

// format returns what formatting symbol's prices needs.
func (g *Gateway) format(symbol string) instrumentFormat {
	i, ok := g.insts.get(symbol)
	return instrumentFormat{known: ok, decimals: i.PriceDecimals}
}

// localIDs makes ids for reports the gateway writes itself (rejects before
// the engine, status answers, internal requests): a prefix, the gateway's
// start time and a counter, so they never repeat across restarts and never
// look like the engine's numeric ids. NB: that they never repeat matters
// for the ClOrdIDs of cancels on disconnect: the engine refuses a mass
// cancel whose ClOrdID the account used for one today (duplicate_clordid).
type localIDs struct {
	epoch string
	n     atomic.Uint64
}

func (l *localIDs) init(now time.Time) { l.epoch = strconv.FormatInt(now.UnixNano(), 36) }

func (l *localIDs) next(prefix string) string {
	return prefix + "-" + l.epoch + "-" + strconv.FormatUint(l.n.Add(1), 10)
}
