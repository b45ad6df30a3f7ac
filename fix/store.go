package fix

import (
	"sync"
	"time"

	"github.com/quickfixgo/quickfix"
)

// lockedStoreFactory wraps a message store factory so that every call to a
// session's store is serialised.
//
// Why: QuickFIX/Go v0.9.11 reads a session's next sender sequence number
// while answering a ResendRequest on the session's goroutine without the
// lock that SendToTarget holds while advancing it. The gateway sends reports
// from its publisher goroutine with SendToTarget, so the two race (the race
// detector reports it when a desk's ResendRequest meets a report). Locking the
// store removes the race without patching the library.
type lockedStoreFactory struct {
	f quickfix.MessageStoreFactory
}

func (f lockedStoreFactory) Create(id quickfix.SessionID) (quickfix.MessageStore, error) {
	s, err := f.f.Create(id)
	if err != nil {
		return nil, err
	}
	return &lockedStore{s: s}, nil
}

// lockedStore is a MessageStore whose methods hold one mutex.
//
// NB: IterateMessages copies the messages under the lock and runs the
// callback without it, because QuickFIX's resend callback sends messages,
// which calls back into the store.
type lockedStore struct {
	mu sync.Mutex
	s  quickfix.MessageStore
}

func (l *lockedStore) NextSenderMsgSeqNum() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.NextSenderMsgSeqNum()
}

func (l *lockedStore) NextTargetMsgSeqNum() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.NextTargetMsgSeqNum()
}

func (l *lockedStore) IncrNextSenderMsgSeqNum() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.IncrNextSenderMsgSeqNum()
}

func (l *lockedStore) IncrNextTargetMsgSeqNum() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.IncrNextTargetMsgSeqNum()
}

func (l *lockedStore) SetNextSenderMsgSeqNum(next int) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.SetNextSenderMsgSeqNum(next)
}

func (l *lockedStore) SetNextTargetMsgSeqNum(next int) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.SetNextTargetMsgSeqNum(next)
}

func (l *lockedStore) CreationTime() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.CreationTime()
}

func (l *lockedStore) SetCreationTime(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.s.SetCreationTime(t)
}

func (l *lockedStore) SaveMessage(seqNum int, msg []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.SaveMessage(seqNum, msg)
}

func (l *lockedStore) SaveMessageAndIncrNextSenderMsgSeqNum(seqNum int, msg []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.SaveMessageAndIncrNextSenderMsgSeqNum(seqNum, msg)
}

func (l *lockedStore) GetMessages(begin, end int) ([][]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.GetMessages(begin, end)
}

func (l *lockedStore) IterateMessages(begin, end int, cb func([]byte) error) error {
	msgs, err := l.GetMessages(begin, end)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if err := cb(m); err != nil {
			return err
		}
	}
	return nil
}

func (l *lockedStore) Refresh() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.Refresh()
}

func (l *lockedStore) Reset() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.Reset()
}

func (l *lockedStore) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.Close()
}
