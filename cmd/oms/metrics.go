package main

import (
	"context"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/commerce"
	"github.com/ordercore/oms/sequencer"
	"github.com/prometheus/client_golang/prometheus"
)

// engineCollector reads the sequencer's counters and, through one query per
// scrape, the engine's order counts.
type engineCollector struct {
	seq                          *sequencer.Sequencer
	states                       *orderStates
	commerceOrders               *prometheus.Desc
	commands, batches, maxBatch  *prometheus.Desc
	lastSeq, tradeOrders, levels *prometheus.Desc
}

func newEngineCollector(seq *sequencer.Sequencer, states *orderStates) *engineCollector {
	return &engineCollector{
		seq:            seq,
		states:         states,
		commerceOrders: prometheus.NewDesc("oms_commerce_orders", "Commerce orders by status.", []string{"status"}, nil),
		commands:       prometheus.NewDesc("oms_sequencer_commands_total", "Commands journaled and applied.", nil, nil),
		batches:        prometheus.NewDesc("oms_sequencer_batches_total", "Journal writes (one fsync each); commands/batches is the mean batch size.", nil, nil),
		maxBatch:       prometheus.NewDesc("oms_sequencer_max_batch", "The largest batch so far.", nil, nil),
		lastSeq:        prometheus.NewDesc("oms_engine_last_seq", "Sequence number of the last applied command.", nil, nil),
		tradeOrders:    prometheus.NewDesc("oms_trade_orders", "Live trading orders by state.", []string{"state"}, nil),
		levels:         prometheus.NewDesc("oms_book_levels", "Resting price levels over all instruments.", nil, nil),
	}
}

func (c *engineCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.commands, c.batches, c.maxBatch, c.lastSeq, c.tradeOrders, c.levels, c.commerceOrders} {
		ch <- d
	}
}

func (c *engineCollector) Collect(ch chan<- prometheus.Metric) {
	if counts, ok := c.states.snapshot(); ok {
		for s := commerce.StatusCreated; s <= commerce.StatusCancelled; s++ {
			ch <- prometheus.MustNewConstMetric(c.commerceOrders, prometheus.GaugeValue, float64(counts[s]), s.String())
		}
	}
	st := c.seq.Stats()
	ch <- prometheus.MustNewConstMetric(c.commands, prometheus.CounterValue, float64(st.Commands))
	ch <- prometheus.MustNewConstMetric(c.batches, prometheus.CounterValue, float64(st.Batches))
	ch <- prometheus.MustNewConstMetric(c.maxBatch, prometheus.GaugeValue, float64(st.MaxBatch))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var last uint64
	var live, stops, levels int
	if err := c.seq.Query(ctx, func(e *engine.Engine) {
		last = e.LastSeq()
		bs := e.Book().Stats()
		live, stops, levels = bs.LiveOrders, bs.PendingStops, bs.Levels
	}); err != nil {
		return // the sequencer is stopping: report what we have
	}
	ch <- prometheus.MustNewConstMetric(c.lastSeq, prometheus.GaugeValue, float64(last))
	ch <- prometheus.MustNewConstMetric(c.tradeOrders, prometheus.GaugeValue, float64(live-stops), "live")
	ch <- prometheus.MustNewConstMetric(c.tradeOrders, prometheus.GaugeValue, float64(stops), "pending_trigger")
	ch <- prometheus.MustNewConstMetric(c.levels, prometheus.GaugeValue, float64(levels))
}
