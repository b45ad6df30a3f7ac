package fix

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/quickfix/config"
	"github.com/stretchr/testify/require"
)

func sessionByTarget(t *testing.T, rules map[quickfix.SessionID]*sessionRules, target string) (quickfix.SessionID, *sessionRules) {
	t.Helper()
	for id, r := range rules {
		if id.TargetCompID == target {
			return id, r
		}
	}
	t.Fatalf("no session with TargetCompID %s", target)
	return quickfix.SessionID{}, nil
}

func TestSampleSettings(t *testing.T) {
	s, err := LoadSettings(filepath.Join("testdata", "sample.cfg"))
	require.NoError(t, err)
	cfg := Config{Settings: s}
	rules, err := cfg.validate()
	require.NoError(t, err)
	require.Len(t, rules, 2)
	id1, r1 := sessionByTarget(t, rules, "DESK1")
	require.Equal(t, "FIX.4.4", id1.BeginString)
	require.Equal(t, "OMS", id1.SenderCompID)
	require.Equal(t, []string{"DESK1"}, r1.accounts)
	require.False(t, r1.cancelOnDisconnect)
	require.Equal(t, 1000, r1.maxPerSecond)
	id2, r2 := sessionByTarget(t, rules, "DESK2")
	require.Equal(t, "FIX.4.2", id2.BeginString)
	require.True(t, r2.allows("DESK2"))
	require.False(t, r2.allows("DESK1"))
	port, err := s.GlobalSettings().IntSetting(config.SocketAcceptPort)
	require.NoError(t, err)
	require.Equal(t, 9878, port)
}

func TestDemoSettingsMatchSample(t *testing.T) {
	cfg, err := DemoConfig(t.TempDir(), "DESK1", "DESK2")
	require.NoError(t, err)
	demo, err := cfg.validate()
	require.NoError(t, err)
	s, err := LoadSettings(filepath.Join("testdata", "sample.cfg"))
	require.NoError(t, err)
	sample, err := (&Config{Settings: s}).validate()
	require.NoError(t, err)
	require.Equal(t, sample, demo)
	host, err := cfg.Settings.GlobalSettings().Setting(config.SocketAcceptHost)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1", host)
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	base := "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptPort=1\nFileStorePath=s\nFileLogPath=l\nSenderCompID=OMS\n"
	for _, tc := range []struct {
		name, text, want string
	}{
		{"no accounts", base + "[SESSION]\nBeginString=FIX.4.4\nTargetCompID=A\n", "Accounts: required"},
		{"empty account", base + "[SESSION]\nBeginString=FIX.4.4\nTargetCompID=A\nAccounts=X,,Y\n", "empty account"},
		{"bad rate", base + "[SESSION]\nBeginString=FIX.4.4\nTargetCompID=A\nAccounts=X\nMaxMessagesPerSecond=0\n", "MaxMessagesPerSecond"},
		{"bad bool", base + "[SESSION]\nBeginString=FIX.4.4\nTargetCompID=A\nAccounts=X\nCancelOnDisconnect=maybe\n", "CancelOnDisconnect"},
		{"bad version", base + "[SESSION]\nBeginString=FIX.4.1\nTargetCompID=A\nAccounts=X\n", "BeginString"},
		{"initiator", strings.Replace(base, "acceptor", "initiator", 1) + "[SESSION]\nBeginString=FIX.4.4\nTargetCompID=A\nAccounts=X\n", "ConnectionType"},
		{"no store", strings.Replace(base, "FileStorePath=s\n", "", 1) + "[SESSION]\nBeginString=FIX.4.4\nTargetCompID=A\nAccounts=X\n", "FileStorePath"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSettings(strings.NewReader(tc.text))
			require.NoError(t, err)
			_, err = (&Config{Settings: s}).validate()
			require.ErrorContains(t, err, tc.want)
		})
	}
	_, err := (&Config{}).validate()
	require.ErrorContains(t, err, "Settings")
	_, err = LoadSettings(filepath.Join(t.TempDir(), "missing.cfg"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestParseRulesPassword(t *testing.T) {
	s, err := ParseSettings(strings.NewReader("[DEFAULT]\nSenderCompID=OMS\n[SESSION]\nBeginString=FIX.4.4\nTargetCompID=A\nAccounts= B , A ,B\nLogonPassword=pw\nCancelOnDisconnect=Y\nMaxMessagesPerSecond=5\n"))
	require.NoError(t, err)
	for _, ss := range s.SessionSettings() {
		r, err := parseRules(ss)
		require.NoError(t, err)
		require.Equal(t, &sessionRules{accounts: []string{"A", "B"}, password: "pw", cancelOnDisconnect: true, maxPerSecond: 5}, r)
	}
}

func TestConfigListenerPort(t *testing.T) {
	l, port := listen(t, 0)
	defer l.Close()
	text := gatewaySettings(t.TempDir(), port+1, "", "")
	s, err := ParseSettings(strings.NewReader(text))
	require.NoError(t, err)
	_, err = (&Config{Settings: s, Listener: l}).validate()
	require.ErrorContains(t, err, "SocketAcceptPort must be the Listener's port")
	s, err = ParseSettings(strings.NewReader(gatewaySettings(t.TempDir(), port, "", "")))
	require.NoError(t, err)
	_, err = (&Config{Settings: s, Listener: l}).validate()
	require.NoError(t, err)
}
