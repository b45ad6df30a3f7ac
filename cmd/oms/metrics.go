package main

import (
	"context"
	"time"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/engine/commerce"
	"github.com/ordercore/oms/sequencer"
	"github.com/prometheus/client_golang/prometheus"
)

// batchMetrics are the writer's per-batch histograms, fed by the
// sequencer's OnBatch observer on its writer goroutine (an Observe is a few
// atomic adds, so the writer is not slowed).
type batchMetrics struct {
	sync      prometheus.Histogram // journal append + fsync, seconds
	batchSize prometheus.Histogram // commands per journal write
}

func newBatchMetrics() *batchMetrics {
	return &batchMetrics{
		sync: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "oms", Subsystem: "journal", Name: "sync_seconds",
			Help:    "Time to write and fsync one batch of commands to the journal.",
			Buckets: prometheus.ExponentialBuckets(25e-6, 2, 16), // 25us .. ~0.8s
		}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "oms", Subsystem: "sequencer", Name: "batch_size",
			Help:    "Commands per journal write (group commit).",
			Buckets: prometheus.ExponentialBuckets(1, 2, 14), // 1 .. 8192
		}),
	}
}

// observe is the sequencer's OnBatch.
func (m *batchMetrics) observe(n int, d time.Duration) {
	m.batchSize.Observe(float64(n))
	m.sync.Observe(d.Seconds())
}

func (m *batchMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.sync, m.batchSize}
}

// engineCollector reads the sequencer's counters and, through one query per
// scrape, the engine's order counts.
type engineCollector struct {
	seq                          *sequencer.Sequencer
	states                       *orderStates
	commerceOrders               *prometheus.Desc
	commands, batches, maxBatch  *prometheus.Desc
	inboxDepth                   *prometheus.Desc
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
		inboxDepth:     prometheus.NewDesc("oms_sequencer_inbox_depth", "Submissions waiting for the journal writer now; at inbox_size calls fail with RESOURCE_EXHAUSTED.", nil, nil),
		lastSeq:        prometheus.NewDesc("oms_engine_last_seq", "Sequence number of the last applied command.", nil, nil),
		tradeOrders:    prometheus.NewDesc("oms_trade_orders", "Live trading orders by state.", []string{"state"}, nil),
		levels:         prometheus.NewDesc("oms_book_levels", "Resting price levels over all instruments.", nil, nil),
	}
}

func (c *engineCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.commands, c.batches, c.maxBatch, c.inboxDepth, c.lastSeq, c.tradeOrders, c.levels, c.commerceOrders} {
		ch <- d
	}
}

func (c *engineCollector) Collect(ch chan<- prometheus.Metric) {
	if counts, ok := c.states.snapshot(); ok {
		for s := commerce.StatusCreated; s <= commerce.LastStatus; s++ {
			ch <- prometheus.MustNewConstMetric(c.commerceOrders, prometheus.GaugeValue, float64(counts[s]), s.String())
		}
	}
	st := c.seq.Stats()
	ch <- prometheus.MustNewConstMetric(c.commands, prometheus.CounterValue, float64(st.Commands))
	ch <- prometheus.MustNewConstMetric(c.batches, prometheus.CounterValue, float64(st.Batches))
	ch <- prometheus.MustNewConstMetric(c.maxBatch, prometheus.GaugeValue, float64(st.MaxBatch))
	ch <- prometheus.MustNewConstMetric(c.inboxDepth, prometheus.GaugeValue, float64(st.InboxDepth))
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
