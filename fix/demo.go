package fix

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Demo defaults (`oms serve --demo`).
const (
	DemoAddress      = "127.0.0.1:9878"
	DemoSenderCompID = "OMS"
	DemoDesk1        = "DESK1" // FIX.4.4 TargetCompID and its account
	DemoDesk2        = "DESK2" // FIX.4.2 TargetCompID and its account
)

// DemoSettings returns the settings of the demo gateway: the acceptor on
// 127.0.0.1:9878, a FIX.4.4 session OMS->DESK1 trading account desk1Account
// and a FIX.4.2 session OMS->DESK2 trading desk2Account, with the file store
// and file logs under dir. It is testdata/sample.cfg with dir substituted.
func DemoSettings(dir, desk1Account, desk2Account string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptHost=127.0.0.1\nSocketAcceptPort=9878\n")
	fmt.Fprintf(&b, "SenderCompID=%s\nHeartBtInt=30\n", DemoSenderCompID)
	fmt.Fprintf(&b, "FileStorePath=%s\nFileStoreSync=Y\nFileLogPath=%s\n",
		filepath.Join(dir, "store"), filepath.Join(dir, "log"))
	fmt.Fprintf(&b, "ResetOnLogon=N\nResetOnLogout=N\nResetOnDisconnect=N\nMaxMessagesPerSecond=%d\n",
		DefaultMaxMessagesPerSecond)
	fmt.Fprintf(&b, "\n[SESSION]\nBeginString=FIX.4.4\nTargetCompID=%s\nAccounts=%s\nCancelOnDisconnect=N\n",
		DemoDesk1, desk1Account)
	fmt.Fprintf(&b, "\n[SESSION]\nBeginString=FIX.4.2\nTargetCompID=%s\nAccounts=%s\nCancelOnDisconnect=N\n",
		DemoDesk2, desk2Account)
	return b.String()
}

// DemoConfig returns the Config of the demo gateway (see DemoSettings).
func DemoConfig(dir, desk1Account, desk2Account string) (Config, error) {
	s, err := ParseSettings(strings.NewReader(DemoSettings(dir, desk1Account, desk2Account)))
	if err != nil {
		return Config{}, err
	}
	return Config{Settings: s}, nil
}
