package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/ordercore/oms/bench/workload"
	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/book"
	"github.com/ordercore/oms/engine/commerce"
)

// Workload names.
const (
	Trade    = "trade"
	Commerce = "commerce"
)

// Scenario names.
const (
	ScenarioEngine  = "engine"
	ScenarioDurable = "durable"
	ScenarioGRPC    = "grpc"
	ScenarioFIX     = "fix"
)

// target is one system under test running one workload's stream.
type target interface {
	// setup brings the system to the stream's starting state; untimed.
	setup(ctx context.Context) error
	// op performs steady command i and returns when its response is in.
	op(i int) error
	close() error
}

// stream is a generated workload with the driver-side state that concurrent
// targets share: the commerce order ids actually assigned, and the count of
// rejected measured commands.
type stream struct {
	kind     string
	trade    *workload.Trade
	commerce *workload.Commerce
	warmup   int
	ids      []atomic.Uint64 // commerce: steady index of a PlaceOrder -> its order id
	rejected atomic.Int64
}

// WorkloadConfig sizes the generated streams.
type WorkloadConfig struct {
	Seed    uint64
	Resting int // trade: resting orders in the book [5000]
	SKUs    int // commerce: catalogue size [2000]
}

func newStream(kind string, cfg WorkloadConfig, steady, warmup int) (*stream, error) {
	s := &stream{kind: kind, warmup: warmup}
	switch kind {
	case Trade:
		resting := cfg.Resting
		if resting <= 0 {
			resting = 5000
		}
		s.trade = workload.NewTrade(workload.TradeConfig{Seed: cfg.Seed, Resting: resting, Commands: steady})
	case Commerce:
		s.commerce = workload.NewCommerce(workload.CommerceConfig{Seed: cfg.Seed, SKUs: cfg.SKUs, Commands: steady})
		s.ids = make([]atomic.Uint64, steady)
	default:
		return nil, fmt.Errorf("bench: workload %q: want %s or %s", kind, Trade, Commerce)
	}
	return s, nil
}

func (s *stream) len() int {
	if s.trade != nil {
		return len(s.trade.Steady)
	}
	return len(s.commerce.Steady)
}

// command fills c with steady command i; a commerce cancel addresses the
// order id its placement actually got, once that placement has answered.
func (s *stream) command(i int, c *engine.Command) {
	if s.trade != nil {
		c.Kind, c.Trade = engine.KindTrade, s.trade.Steady[i]
		return
	}
	c.Kind, c.Commerce = engine.KindCommerce, s.commerce.Steady[i]
	s.resolve(i, &c.Commerce)
}

func (s *stream) resolve(i int, c *commerce.Command) {
	if ref := s.commerce.PlacedBy[i]; ref >= 0 {
		if id := s.ids[ref].Load(); id != 0 {
			c.Order = commerce.OrderID(id)
		}
	}
}

// placed records the order id a steady PlaceOrder got.
func (s *stream) placed(i int, id uint64) {
	if s.ids != nil && id != 0 {
		s.ids[i].Store(id)
	}
}

// observe notes the outcome of steady command i from the engine's events.
func (s *stream) observe(i int, trade []book.Event, com []commerce.Event) {
	rejected := false
	for k := range trade {
		rejected = rejected || trade[k].Kind == book.EvRejected
	}
	for k := range com {
		switch com[k].Kind {
		case commerce.EvRejected:
			rejected = true
		case commerce.EvOrderCreated:
			s.placed(i, uint64(com[k].Order))
		}
	}
	s.reject(i, rejected)
}

func (s *stream) reject(i int, rejected bool) {
	if rejected && i >= s.warmup {
		s.rejected.Add(1)
	}
}

// setupPhases splits the setup into runs of one command kind: the
// instrument, then accounts, then resting orders; or locations, then stock.
// Commands within a phase are independent and may be submitted
// concurrently; phases must run in order.
func (s *stream) setupPhases() [][]engine.Command {
	var cmds []engine.Command
	var key func(c *engine.Command) uint8
	if s.trade != nil {
		for i := range s.trade.Setup {
			cmds = append(cmds, engine.Command{Kind: engine.KindTrade, Trade: s.trade.Setup[i]})
		}
		key = func(c *engine.Command) uint8 { return uint8(c.Trade.Kind) }
	} else {
		for i := range s.commerce.Setup {
			cmds = append(cmds, engine.Command{Kind: engine.KindCommerce, Commerce: s.commerce.Setup[i]})
		}
		key = func(c *engine.Command) uint8 { return uint8(c.Commerce.Kind) }
	}
	var phases [][]engine.Command
	for i := 0; i < len(cmds); {
		j := i + 1
		for j < len(cmds) && key(&cmds[j]) == key(&cmds[i]) {
			j++
		}
		phases = append(phases, cmds[i:j])
		i = j
	}
	return phases
}

// runPhases runs each phase's commands on up to workers goroutines, phase
// after phase, and returns the first error.
func runPhases(ctx context.Context, phases [][]engine.Command, workers int, do func(ctx context.Context, c *engine.Command) error) error {
	for _, ph := range phases {
		var next atomic.Int64
		var once sync.Once
		var first error
		var wg sync.WaitGroup
		for range min(workers, len(ph)) {
			wg.Go(func() {
				for {
					k := int(next.Add(1)) - 1
					if k >= len(ph) || ctx.Err() != nil {
						return
					}
					if err := do(ctx, &ph[k]); err != nil {
						once.Do(func() { first = fmt.Errorf("bench: setup: %w", err) })
						return
					}
				}
			})
		}
		wg.Wait()
		if first != nil {
			return first
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// setupRejected reports a rejection during setup as an error: the stream's
// starting state would be wrong.
func setupRejected(trade []book.Event, com []commerce.Event) error {
	for k := range trade {
		if trade[k].Kind == book.EvRejected {
			return fmt.Errorf("setup command rejected: %s", trade[k].Reason)
		}
	}
	for k := range com {
		if com[k].Kind == commerce.EvRejected {
			return fmt.Errorf("setup command rejected: %s (field %s)", com[k].Reason, com[k].Field)
		}
	}
	return nil
}
