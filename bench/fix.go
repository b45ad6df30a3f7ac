package bench

import (
	"context"
	"errors"
)

func newFIXTarget(ctx context.Context, s *stream, o *Options) (target, error) {
	return nil, errors.New("bench: fix scenario: not yet")
}
