package fix

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/quickfixgo/quickfix"
	filestore "github.com/quickfixgo/quickfix/store/file"
	"github.com/stretchr/testify/require"
)

// TestLockedStoreConcurrent does what QuickFIX and the gateway do at once:
// one goroutine saves sent messages (SendToTarget) while another reads the
// next sender sequence number and iterates stored messages (a
// ResendRequest). Under -race the unwrapped file store fails this test.
func TestLockedStoreConcurrent(t *testing.T) {
	settings, err := quickfix.ParseSettings(strings.NewReader(fmt.Sprintf(`[DEFAULT]
FileStorePath=%s
[SESSION]
BeginString=FIX.4.4
SenderCompID=OMS
TargetCompID=DESK1
`, t.TempDir())))
	require.NoError(t, err)
	id := quickfix.SessionID{BeginString: "FIX.4.4", SenderCompID: "OMS", TargetCompID: "DESK1"}
	s, err := lockedStoreFactory{filestore.NewStoreFactory(settings)}.Create(id)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	const n = 200
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 1; i <= n; i++ {
			require.NoError(t, s.SaveMessageAndIncrNextSenderMsgSeqNum(s.NextSenderMsgSeqNum(), []byte("8=FIX.4.4\x01")))
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < n; i++ {
			_ = s.NextSenderMsgSeqNum()
			require.NoError(t, s.IterateMessages(1, n, func([]byte) error {
				_ = s.NextSenderMsgSeqNum() // re-entering the store from the callback must not deadlock
				return nil
			}))
		}
	}()
	wg.Wait()
	require.Equal(t, n+1, s.NextSenderMsgSeqNum())
	msgs, err := s.GetMessages(1, n)
	require.NoError(t, err)
	require.Len(t, msgs, n)
}
