package fix

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ordercore/oms/engine/book"
	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/quickfix/config"
)

// The gateway's own settings keys. They sit beside the QuickFIX keys in the
// same file, in [DEFAULT] or in a [SESSION] block (a session's value wins).
const (
	// KeyAccounts lists, comma separated, the accounts a session may trade.
	// Required. The first session (in SessionID order) that lists an account
	// also receives that account's reports when the entering session is not
	// known (orders entered before a restart).
	KeyAccounts = "Accounts"
	// KeyLogonPassword, when set, must equal Password (554) on the Logon.
	KeyLogonPassword = "LogonPassword"
	// KeyCancelOnDisconnect (Y/N, default N) cancels the session's open
	// orders, through the sequencer, when the session logs out or drops.
	KeyCancelOnDisconnect = "CancelOnDisconnect"
	// KeyMaxMessagesPerSecond bounds the application messages a session may
	// send per second (a token bucket with a one-second burst). Messages
	// beyond it get a BusinessMessageReject. Default 1000.
	KeyMaxMessagesPerSecond = "MaxMessagesPerSecond"
)

// DefaultMaxMessagesPerSecond is the rate limit of a session that does not
// set MaxMessagesPerSecond.
const DefaultMaxMessagesPerSecond = 1000

// Defaults of Config's tuning fields.
const (
	DefaultSubmitTimeout   = 5 * time.Second
	DefaultSubscribeBuffer = 4096
	// DefaultCheckpointInterval is how often, at most, the gateway records
	// its last published seq (see the package documentation, Limits).
	DefaultCheckpointInterval = 100 * time.Millisecond
)

// keyConnectionType is QuickFIX's ConnectionType key (the Go port reads no
// constant for it, but the settings files of every QuickFIX carry it).
const keyConnectionType = "ConnectionType"

// Config configures a Gateway.
type Config struct {
	// Settings is the acceptor's QuickFIX settings (ConnectionType=acceptor)
	// with the gateway's keys; see testdata/sample.cfg.
	Settings *quickfix.Settings
	// Listener, when non-nil, is the socket the acceptor accepts on instead
	// of opening SocketAcceptHost:SocketAcceptPort itself. REQUIRES: its
	// port equals SocketAcceptPort (QuickFIX drops logons arriving on any
	// other local port). Tests use it to listen on port 0.
	Listener net.Listener
	// SubmitTimeout bounds one submission to the sequencer.
	SubmitTimeout time.Duration
	// SubscribeBuffer is the buffer of the gateway's sequencer subscription.
	SubscribeBuffer int
	// CheckpointInterval is how often, at most, the last seq whose reports
	// were handed to QuickFIX is written to CheckpointFile. After a crash,
	// the reports of up to this interval's results are sent again, marked
	// PossResend=Y. Default DefaultCheckpointInterval.
	CheckpointInterval time.Duration
	// FailOnLostReports makes Start fail with ErrReportsLost when the
	// reports missed since the checkpoint cannot be regenerated (the
	// sequencer lacks Options.ResumeFromJournal, or the journal was pruned
	// past the checkpoint). Without it Start logs the lost seq range at
	// error level and goes on from the next command.
	FailOnLostReports bool
	// Logger receives the gateway's own events (QuickFIX logs go to
	// FileLogPath); nil means slog.Default().
	Logger *slog.Logger

	// wrapStore, set by tests, wraps the sessions' message store factory
	// (fault injection).
	wrapStore func(quickfix.MessageStoreFactory) quickfix.MessageStoreFactory
	// submitHook, set by tests, runs on a session's goroutine just before
	// a request from it is submitted (holding a request in flight).
	submitHook func(*book.Command)
}

// withDefaults returns cfg with zero tuning fields set to their defaults.
func (cfg Config) withDefaults() Config {
	if cfg.SubmitTimeout == 0 {
		cfg.SubmitTimeout = DefaultSubmitTimeout
	}
	if cfg.SubscribeBuffer == 0 {
		cfg.SubscribeBuffer = DefaultSubscribeBuffer
	}
	if cfg.CheckpointInterval == 0 {
		cfg.CheckpointInterval = DefaultCheckpointInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg
}

// ParseSettings reads QuickFIX settings text.
func ParseSettings(r io.Reader) (*quickfix.Settings, error) {
	s, err := quickfix.ParseSettings(r)
	if err != nil {
		return nil, fmt.Errorf("fix: parse settings: %w", err)
	}
	return s, nil
}

// LoadSettings reads a QuickFIX settings file.
func LoadSettings(path string) (*quickfix.Settings, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("fix: settings: %w", err)
	}
	defer f.Close()
	s, err := ParseSettings(f)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return s, nil
}

// sessionRules is the gateway's policy for one session.
type sessionRules struct {
	accounts           []string // sorted, unique
	password           string
	cancelOnDisconnect bool
	maxPerSecond       int
}

// allows reports whether the session may trade acct.
func (r *sessionRules) allows(acct string) bool {
	_, ok := slices.BinarySearch(r.accounts, acct)
	return ok
}

// validate checks cfg and returns the rules of every session, by SessionID.
func (cfg *Config) validate() (map[quickfix.SessionID]*sessionRules, error) {
	if cfg.Settings == nil {
		return nil, errors.New("fix: config: Settings is required")
	}
	if cfg.SubmitTimeout < 0 {
		return nil, fmt.Errorf("fix: config: SubmitTimeout %v: must be >= 0", cfg.SubmitTimeout)
	}
	if cfg.SubscribeBuffer < 0 {
		return nil, fmt.Errorf("fix: config: SubscribeBuffer %d: must be >= 0", cfg.SubscribeBuffer)
	}
	if cfg.CheckpointInterval < 0 {
		return nil, fmt.Errorf("fix: config: CheckpointInterval %v: must be >= 0", cfg.CheckpointInterval)
	}
	global := cfg.Settings.GlobalSettings()
	if global.HasSetting(keyConnectionType) {
		if ct, _ := global.Setting(keyConnectionType); ct != "acceptor" {
			return nil, fmt.Errorf("fix: settings [DEFAULT] %s %q: must be acceptor", keyConnectionType, ct)
		}
	}
	for _, key := range []string{config.FileStorePath, config.FileLogPath, config.SocketAcceptPort} {
		if !global.HasSetting(key) {
			return nil, fmt.Errorf("fix: settings [DEFAULT] %s: required", key)
		}
	}
	sessions := cfg.Settings.SessionSettings()
	if len(sessions) == 0 {
		return nil, errors.New("fix: settings: at least one [SESSION] is required")
	}
	if err := cfg.checkListener(); err != nil {
		return nil, err
	}
	rules := make(map[quickfix.SessionID]*sessionRules, len(sessions))
	for id, s := range sessions {
		if _, err := versionOf(id.BeginString); err != nil {
			return nil, fmt.Errorf("fix: settings session %s: %s: %w", id, config.BeginString, err)
		}
		r, err := parseRules(s)
		if err != nil {
			return nil, fmt.Errorf("fix: settings session %s: %w", id, err)
		}
		rules[id] = r
	}
	return rules, nil
}

// parseRules reads the gateway's keys of one session (QuickFIX has already
// overlaid [DEFAULT] on it).
func parseRules(s *quickfix.SessionSettings) (*sessionRules, error) {
	r := &sessionRules{maxPerSecond: DefaultMaxMessagesPerSecond}
	raw, err := s.Setting(KeyAccounts)
	if err != nil {
		return nil, fmt.Errorf("%s: required (comma-separated account ids)", KeyAccounts)
	}
	for a := range strings.SplitSeq(raw, ",") {
		if a = strings.TrimSpace(a); a == "" {
			return nil, fmt.Errorf("%s %q: empty account id", KeyAccounts, raw)
		}
		r.accounts = append(r.accounts, a)
	}
	slices.Sort(r.accounts)
	r.accounts = slices.Compact(r.accounts)
	if s.HasSetting(KeyLogonPassword) {
		if r.password, err = s.Setting(KeyLogonPassword); err != nil {
			return nil, fmt.Errorf("%s: %w", KeyLogonPassword, err)
		}
	}
	if s.HasSetting(KeyCancelOnDisconnect) {
		if r.cancelOnDisconnect, err = s.BoolSetting(KeyCancelOnDisconnect); err != nil {
			return nil, fmt.Errorf("%s: must be Y or N", KeyCancelOnDisconnect)
		}
	}
	if s.HasSetting(KeyMaxMessagesPerSecond) {
		v, err := s.Setting(KeyMaxMessagesPerSecond)
		n, perr := strconv.Atoi(v)
		if err != nil || perr != nil || n <= 0 {
			return nil, fmt.Errorf("%s %q: must be a positive integer", KeyMaxMessagesPerSecond, v)
		}
		r.maxPerSecond = n
	}
	return r, nil
}

// checkListener refuses a Listener whose port differs from a session's
// SocketAcceptPort: QuickFIX would silently drop that session's logons.
func (cfg *Config) checkListener() error {
	if cfg.Listener == nil {
		return nil
	}
	addr, ok := cfg.Listener.Addr().(*net.TCPAddr)
	if !ok {
		return fmt.Errorf("fix: config: Listener %v: must be a TCP listener", cfg.Listener.Addr())
	}
	for id, s := range cfg.Settings.SessionSettings() {
		port, err := s.IntSetting(config.SocketAcceptPort)
		if err != nil || port != addr.Port {
			return fmt.Errorf("fix: settings session %s: %s must be the Listener's port %d", id, config.SocketAcceptPort, addr.Port)
		}
	}
	return nil
}
