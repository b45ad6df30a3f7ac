package gateway

import (
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
)

// metrics are the gateway's own Prometheus collectors. The sequencer and
// journal metrics are registered by their owners (see cmd/oms).
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// methods caches each method's latency observer and OK counter
	// (string -> *methodMetrics): resolving labels hashes them on every
	// call otherwise.
	methods sync.Map
}

type methodMetrics struct {
	latency prometheus.Observer
	ok      prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "oms", Subsystem: "grpc", Name: "requests_total",
			Help: "gRPC calls by method and status code.",
		}, []string{"method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "oms", Subsystem: "grpc", Name: "request_duration_seconds",
			Help:    "gRPC call latency by method (streams: their lifetime).",
			Buckets: prometheus.ExponentialBuckets(50e-6, 2, 18), // 50us .. ~6.5s
		}, []string{"method"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("gateway: register metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) observe(method string, code codes.Code, d time.Duration) {
	v, ok := m.methods.Load(method)
	if !ok {
		v, _ = m.methods.LoadOrStore(method, &methodMetrics{latency: m.latency.WithLabelValues(method),
			ok: m.requests.WithLabelValues(method, codes.OK.String())})
	}
	mm := v.(*methodMetrics)
	if code == codes.OK {
		mm.ok.Inc()
	} else {
		m.requests.WithLabelValues(method, code.String()).Inc()
	}
	mm.latency.Observe(d.Seconds())
}
