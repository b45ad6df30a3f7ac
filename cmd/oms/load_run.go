package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ordercore/oms/bench"
	pb "github.com/ordercore/oms/proto/omsv1"
	"google.golang.org/grpc"
)

// maxPipeline bounds --pipeline: a request id carries its slot in its low
// bits.
const maxPipeline = 1024

// loadSchedule is one run's timing, as durations since origin.
type loadSchedule struct {
	origin   time.Time
	warmEnd  time.Duration // sends scheduled from here on are measured
	end      time.Duration // no send is scheduled from here on
	interval time.Duration // between one client's sends; 0: unpaced
	maxLag   time.Duration
}

func (s *loadSchedule) now() time.Duration { return time.Since(s.origin) }

// loadClient is one concurrent client: it sends its orders at its own
// fixed schedule (client i of n sends at i/rate, (i+n)/rate, ...) and
// never has more than its pipeline in flight. Latency runs from the
// scheduled send time when the client was held back by its own earlier
// orders (so a slow response counts against the orders queued behind it:
// no coordinated omission), and from the actual send when the client had
// slept until the schedule (a late timer wake-up is the generator's, not
// the server's). Each client owns its messages and reuses them.
type loadClient struct {
	idx    int
	offset time.Duration
	prefix string   // channel order ids: prefix + counter
	skus   []string // shared, read-only
	req    *pb.PlaceOrderRequest
	idBuf  []byte
	n      int // orders built

	hist      *hdrhistogram.Histogram
	total     int64 // completions, warm-up included
	done      int64 // completions in the measured window, failed ones included
	errs      int64 // failures in the measured window
	firstErr  error
	lastEnd   time.Duration
	saturated bool
}

func newLoadClient(idx int, tag string, skus []string, offset time.Duration) *loadClient {
	return &loadClient{idx: idx, offset: offset, prefix: tag + "-" + strconv.Itoa(idx) + "-", skus: skus,
		hist: bench.NewHistogram(), idBuf: make([]byte, 0, 48),
		req: &pb.PlaceOrderRequest{Channel: pb.Channel_CHANNEL_WEB, Customer: "load-" + strconv.Itoa(idx),
			ShipTo: &pb.Coord{Lat: 48_850_000, Lon: 2_350_000},
			Lines:  []*pb.OrderLineInput{{Qty: 1, UnitPrice: 1999, Currency: "EUR"}}}}
}

// next fills c.req with the client's next order: a fresh channel order id
// and the next SKU round robin.
func (c *loadClient) next() *pb.PlaceOrderRequest {
	c.idBuf = strconv.AppendInt(append(c.idBuf[:0], c.prefix...), int64(c.n), 10)
	c.req.ChannelOrderId = string(c.idBuf)
	c.req.Lines[0].Sku = c.skus[(c.idx+c.n*7919)%len(c.skus)]
	c.n++
	return c.req
}

// record counts one completion: towards throughput when it ended in the
// measured window (an order scheduled in the warm-up but answered later
// is work the server did then), and in the histogram when its send was
// scheduled in that window.
func (c *loadClient) record(s *loadSchedule, lat, end time.Duration, measured bool, err error) {
	c.total++
	if end >= s.warmEnd {
		c.done++
		c.lastEnd = max(c.lastEnd, end)
		if err != nil {
			c.errs++
			if c.firstErr == nil {
				c.firstErr = err
			}
		}
	}
	if measured && err == nil {
		_ = c.hist.RecordValue(max(int64(lat), 1)) // beyond 100s: dropped
	}
}

// sendTime waits for the client's k-th send time and returns the time its
// latency is measured from and whether it is measured; ok is false when
// the run is over or the client is too far behind (saturated).
func (c *loadClient) sendTime(s *loadSchedule, k int) (from time.Duration, measured, ok bool) {
	now := s.now()
	if s.interval == 0 {
		return now, now >= s.warmEnd, now < s.end
	}
	at := c.offset + time.Duration(k)*s.interval
	if at >= s.end {
		return 0, false, false
	}
	if now < at {
		time.Sleep(at - now)
		return s.now(), at >= s.warmEnd, true
	}
	if now-at > s.maxLag {
		c.saturated = true
		return 0, false, false
	}
	return at, at >= s.warmEnd, true
}

// runUnary drives the client with unary PlaceOrder calls on conn, one at
// a time, reusing the request and the reply.
func (c *loadClient) runUnary(ctx context.Context, conn *grpc.ClientConn, s *loadSchedule) {
	reply, codec := new(unaryAck), loadCodec()
	for k := 0; ctx.Err() == nil; k++ {
		from, measured, ok := c.sendTime(s, k)
		if !ok {
			return
		}
		err := conn.Invoke(ctx, pb.CommerceService_PlaceOrder_FullMethodName, c.next(), reply, codec)
		end := s.now()
		c.record(s, end-from, end, measured, err)
	}
}

// runStream drives the client over its own entry stream with one order in
// flight.
func (c *loadClient) runStream(ctx context.Context, st grpc.BidiStreamingClient[pb.EntryRequest, pb.EntryResponse], s *loadSchedule) {
	req := &pb.EntryRequest{Command: &pb.EntryRequest_PlaceOrder{PlaceOrder: c.req}}
	resp := new(entryAck)
	for k := 0; ctx.Err() == nil; k++ {
		from, measured, ok := c.sendTime(s, k)
		if !ok {
			return
		}
		c.next()
		req.RequestId = uint64(k)
		broken := st.Send(req)
		if broken == nil {
			broken = st.RecvMsg(resp)
		}
		err := broken
		if err == nil {
			err = resp.err()
		}
		end := s.now()
		c.record(s, end-from, end, measured, err)
		if broken != nil {
			return // the stream broke: resp is not this request's answer
		}
	}
}

// runPipelined drives the client over its own entry stream with up to
// pipeline orders in flight: this goroutine sends, another receives.
func (c *loadClient) runPipelined(ctx context.Context, st grpc.BidiStreamingClient[pb.EntryRequest, pb.EntryResponse], s *loadSchedule, pipeline int) {
	free := make(chan int, pipeline)
	for i := range pipeline {
		free <- i
	}
	starts := make([]atomic.Int64, pipeline) // send time; negated and less 1 when not measured
	recvDone := make(chan struct{})
	go func() {
		defer close(recvDone)
		resp := new(entryAck)
		for {
			if err := st.RecvMsg(resp); err != nil {
				return
			}
			slot := int(resp.requestID % maxPipeline)
			if slot >= pipeline {
				continue
			}
			from, measured := starts[slot].Load(), true
			if from < 0 {
				from, measured = -from-1, false
			}
			end := s.now()
			c.record(s, end-time.Duration(from), end, measured, resp.err()) // this goroutine only
			free <- slot
		}
	}()
	req := &pb.EntryRequest{Command: &pb.EntryRequest_PlaceOrder{PlaceOrder: c.req}}
	for k := 0; ctx.Err() == nil; k++ {
		var slot int
		select {
		case slot = <-free:
		case <-recvDone:
			return
		}
		from, measured, ok := c.sendTime(s, k)
		if !ok {
			break
		}
		if !measured {
			from = -from - 1
		}
		starts[slot].Store(int64(from))
		c.next()
		req.RequestId = uint64(k)*maxPipeline + uint64(slot)
		if err := st.Send(req); err != nil {
			break
		}
	}
	_ = st.CloseSend()
	<-recvDone
}

// loadRun drives one offered rate (0: unpaced) and prints its line. Calls
// carry no deadline of their own (a timer per call would cost the
// generator more than the call): the whole run ends at the latest timeout
// after its last scheduled send.
func loadRun(ctx context.Context, conns []*client, f *loadFlags, timeout time.Duration, rate float64, stdout io.Writer) error {
	skus := []string{"LOAD-0"}
	if !f.hot {
		skus = make([]string, f.skus)
		for i := range skus {
			skus[i] = "LOAD-" + strconv.Itoa(i)
		}
	}
	tag := strconv.FormatInt(time.Now().UnixNano(), 36)
	s := &loadSchedule{warmEnd: f.warmup, end: f.warmup + f.duration, maxLag: f.maxLag}
	if rate > 0 {
		s.interval = time.Duration(float64(f.clients) * float64(time.Second) / rate)
	}
	clients := make([]*loadClient, f.clients)
	for i := range clients {
		clients[i] = newLoadClient(i, tag, skus, time.Duration(float64(i)*float64(time.Second)/max(rate, 1)))
	}
	rctx, cancel := context.WithTimeout(ctx, s.end+s.maxLag+timeout)
	defer cancel()
	streams, err := openLoadStreams(rctx, conns, f)
	if err != nil {
		return err
	}
	cpu0, srv0 := selfCPU(), procCPU(f.serverPID)
	s.origin = time.Now()
	var wg sync.WaitGroup
	for i, c := range clients {
		conn := conns[i%len(conns)]
		wg.Go(func() {
			switch {
			case f.mode == "unary":
				c.runUnary(conn.stream(rctx), conn.conn, s)
			case f.pipeline == 1:
				c.runStream(rctx, streams[i], s)
			default:
				c.runPipelined(rctx, streams[i], s, f.pipeline)
			}
		})
	}
	wg.Wait()
	wall := time.Since(s.origin)
	cpu1, srv1 := selfCPU(), procCPU(f.serverPID)
	cancel()
	printLoadLine(stdout, rate, clients, s, cpuUse{wall: wall, gen: cpu1 - cpu0, srv: srv1 - srv0, srvKnown: srv0 >= 0 && srv1 >= 0})
	return ctx.Err()
}

// openLoadStreams opens one entry stream per client in stream mode.
func openLoadStreams(ctx context.Context, conns []*client, f *loadFlags) ([]grpc.BidiStreamingClient[pb.EntryRequest, pb.EntryResponse], error) {
	if f.mode != "stream" {
		return nil, nil
	}
	streams := make([]grpc.BidiStreamingClient[pb.EntryRequest, pb.EntryResponse], f.clients)
	for i := range streams {
		c := conns[i%len(conns)]
		st, err := pb.NewOrderEntryServiceClient(c.conn).Entry(c.stream(ctx), loadCodec())
		if err != nil {
			return nil, callErr(err)
		}
		streams[i] = st
	}
	return streams, nil
}

// printLoadLine merges the clients' results and prints one table row.
func printLoadLine(w io.Writer, rate float64, clients []*loadClient, s *loadSchedule, cpu cpuUse) {
	h := bench.NewHistogram()
	var total, done, errs int64
	var lastEnd time.Duration
	var firstErr error
	saturated := false
	for _, c := range clients {
		h.Merge(c.hist)
		total += c.total
		done += c.done
		errs += c.errs
		lastEnd = max(lastEnd, c.lastEnd)
		if firstErr == nil {
			firstErr = c.firstErr
		}
		saturated = saturated || c.saturated
	}
	achieved := 0.0
	if lastEnd > s.warmEnd {
		achieved = float64(done) / (lastEnd - s.warmEnd).Seconds()
	}
	offered := "max"
	if rate > 0 {
		offered = strconv.FormatFloat(rate, 'f', 0, 64)
	}
	sum := bench.Summarise(h)
	note := ""
	if saturated {
		note = "  saturated"
	}
	fmt.Fprintf(w, "%9s %10.0f %7d %8s %8s %8s %8s %8s %s%s\n", offered, achieved, errs,
		bench.FormatLatency(sum.P50), bench.FormatLatency(sum.P90), bench.FormatLatency(sum.P99),
		bench.FormatLatency(sum.P999), bench.FormatLatency(sum.Max), cpu.format(total), note)
	if firstErr != nil {
		fmt.Fprintf(w, "first error: %v\n", firstErr)
	}
}

// selfCPU is the CPU time this process has used, user plus system.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU is the CPU time process pid has used (Linux /proc, in clock
// ticks of 10ms), or -1 when pid is 0 or unreadable.
func procCPU(pid int) time.Duration {
	if pid == 0 {
		return -1
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return -1
	}
	// The command name may hold spaces: fields count from after its ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return -1
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 13 {
		return -1
	}
	ut, err1 := strconv.ParseInt(fields[11], 10, 64)
	st, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return -1
	}
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// cpuUse is the CPU the generator and the server used during a run.
type cpuUse struct {
	wall, gen, srv time.Duration
	srvKnown       bool
}

// format gives each side's CPU as a share of one core and per order.
func (u cpuUse) format(orders int64) string {
	share := func(d time.Duration) string {
		return strconv.FormatFloat(100*d.Seconds()/u.wall.Seconds(), 'f', 0, 64) + "%"
	}
	per := func(d time.Duration) string {
		if orders == 0 {
			return "-"
		}
		return strconv.FormatFloat(float64(d.Microseconds())/float64(orders), 'f', 1, 64) + "µs"
	}
	srv, srvPer := "-", "-"
	if u.srvKnown {
		srv, srvPer = share(u.srv), per(u.srv)
	}
	return fmt.Sprintf("%7s %8s %7s %8s", share(u.gen), per(u.gen), srv, srvPer)
}
