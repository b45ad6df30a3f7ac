package fix

import (
	"sync"
	"time"
)

// limiter is a token bucket: rate tokens a second, at most rate in the
// bucket (a one-second burst). It is safe for concurrent use.
type limiter struct {
	mu     sync.Mutex
	rate   float64
	tokens float64
	last   time.Time
}

func newLimiter(perSecond int, now time.Time) *limiter {
	return &limiter{rate: float64(perSecond), tokens: float64(perSecond), last: now}
}

// allow takes one token at time now, reporting false when none is left.
func (l *limiter) allow(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if dt := now.Sub(l.last); dt > 0 {
		l.tokens = min(l.rate, l.tokens+dt.Seconds()*l.rate)
		l.last = now
	}
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}
