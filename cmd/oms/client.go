package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/ordercore/oms/gateway"
)

// clientFlags are the connection and output flags every client subcommand
// shares.
type clientFlags struct {
	addr      string
	token     string
	tokenFile string
	tls       bool
	ca        string
	json      bool
	timeout   time.Duration
	// getenv reads OMS_TOKEN once the flags are parsed (see token).
	getenv func(string) string
}

func (c *clientFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	addr := getenv("OMS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:50051"
	}
	fs.StringVar(&c.addr, "addr", addr, "server address (env OMS_ADDR)")
	// NB: the token's default is never the environment's value, which
	// -h would print; token reads OMS_TOKEN after parsing.
	c.getenv = getenv
	fs.StringVar(&c.token, "token", "", "bearer token (default: env OMS_TOKEN)")
	fs.StringVar(&c.tokenFile, "token-file", filepath.Join("data", "admin.token"), "read the token from this file when neither --token nor OMS_TOKEN is set (oms serve writes <data_dir>/admin.token)")
	fs.BoolVar(&c.tls, "tls", false, "connect with TLS")
	fs.StringVar(&c.ca, "ca", "", "CA certificate (PEM) to verify the server with TLS (default: system roots)")
	fs.BoolVar(&c.json, "json", false, "print JSON (one object per line) instead of a table")
	fs.DurationVar(&c.timeout, "timeout", 10*time.Second, "deadline of each call (streams: none)")
}

// getenvOS reads the process environment; tests call runVerbs' pieces
// with their own.
func getenvOS(k string) string { return os.Getenv(k) }

// client is a connection plus the output settings.
type client struct {
	conn  *grpc.ClientConn
	token string
	json  bool
	tmo   time.Duration
	out   io.Writer
}

// bearer returns the bearer token: --token, else OMS_TOKEN, else the
// contents of --token-file.
func (c *clientFlags) bearer() (string, error) {
	if c.token != "" {
		return c.token, nil
	}
	if c.getenv != nil {
		if tok := c.getenv("OMS_TOKEN"); tok != "" {
			return tok, nil
		}
	}
	path := c.tokenFile
	if abs, err := filepath.Abs(path); err == nil && abs != path {
		path = fmt.Sprintf("%s (%s)", c.tokenFile, abs)
	}
	hint := "set --token or OMS_TOKEN, or --token-file <data_dir>/admin.token (oms serve writes it when no tokens are configured)"
	b, err := os.ReadFile(c.tokenFile)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("no token: --token-file %s does not exist; %s", path, hint)
		}
		return "", fmt.Errorf("no token: --token-file: %w; %s", err, hint)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("no token: --token-file %s is empty; %s", path, hint)
	}
	return tok, nil
}

func (c *clientFlags) dial(out io.Writer, opts ...grpc.DialOption) (*client, error) {
	tok, err := c.bearer()
	if err != nil {
		return nil, err
	}
	creds := insecure.NewCredentials()
	if c.tls {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if c.ca != "" {
			pem, err := os.ReadFile(c.ca)
			if err != nil {
				return nil, fmt.Errorf("--ca: %w", err)
			}
			cfg.RootCAs = x509.NewCertPool()
			if !cfg.RootCAs.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("--ca: no certificate in %s", c.ca)
			}
		}
		creds = credentials.NewTLS(cfg)
	}
	conn, err := grpc.NewClient(c.addr, append(opts, grpc.WithTransportCredentials(creds), gateway.ClientCodec())...)
	if err != nil {
		return nil, fmt.Errorf("--addr: %w", err)
	}
	return &client{conn: conn, token: tok, json: c.json, tmo: c.timeout, out: out}, nil
}

// call returns a context for one unary call: the token and the deadline.
func (c *client) call(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+c.token)
	return context.WithTimeout(ctx, c.tmo)
}

// stream returns a context for a stream: the token, no deadline.
func (c *client) stream(ctx context.Context) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+c.token)
}

func (c *client) close() { _ = c.conn.Close() }

var jsonOut = protojson.MarshalOptions{UseProtoNames: true}

// printJSON writes m as one line of JSON.
func (c *client) printJSON(m proto.Message) error {
	b, err := jsonOut.Marshal(m)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.out, "%s\n", b)
	return err
}

// table writes rows under a header, aligned, without trailing blanks.
func (c *client) table(header []string, rows [][]string) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var out []byte
	for line := range bytes.Lines(buf.Bytes()) {
		out = append(append(out, bytes.TrimRight(line, " \n")...), '\n')
	}
	_, err := c.out.Write(out)
	return err
}

// streamTable prints the rows of a stream as they come: the header before
// the first row (so an error has none above it), columns padded to widths
// that only grow, so rows line up without waiting for the stream's end.
type streamTable struct {
	out    io.Writer
	header []string
	widths []int
}

// streamMinWidth keeps short columns (SEQ, QTY) steady as numbers grow.
const streamMinWidth = 8

// streamEventWidth is the EVENT column's width from the start: the longest
// event kind names (fulfilment-cancelled, reservation-released), so that
// the header lines up with the rows.
const streamEventWidth = 20

func (s *streamTable) row(cells []string) error {
	var b strings.Builder
	if s.widths == nil {
		s.widths = make([]int, len(s.header))
		for i, h := range s.header {
			s.widths[i] = max(len(h), streamMinWidth)
			if h == "EVENT" {
				s.widths[i] = max(s.widths[i], streamEventWidth)
			}
		}
		s.line(&b, s.header)
	}
	s.line(&b, cells)
	_, err := io.WriteString(s.out, b.String())
	return err
}

func (s *streamTable) line(b *strings.Builder, cells []string) {
	var ln strings.Builder
	for i, v := range cells {
		if i < len(s.widths) {
			s.widths[i] = max(s.widths[i], len(v))
		}
		ln.WriteString(v)
		if i < len(cells)-1 && i < len(s.widths) {
			ln.WriteString(strings.Repeat(" ", s.widths[i]-len(v)+2))
		}
	}
	b.WriteString(strings.TrimRight(ln.String(), " "))
	b.WriteByte('\n')
}

// show prints m as JSON with --json, else as the rows rows gives.
func (c *client) show(m proto.Message, header []string, rows func() [][]string) error {
	if c.json {
		return c.printJSON(m)
	}
	return c.table(header, rows())
}

// callErr makes a gRPC error readable: code, message and the details.
func callErr(err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	msg := fmt.Sprintf("%s: %s", st.Code(), st.Message())
	for _, d := range st.Details() {
		if m, ok := d.(proto.Message); ok {
			if b, err := jsonOut.Marshal(m); err == nil {
				msg += " " + string(b)
			}
		}
	}
	return errors.New(msg)
}

// verb is one action of a client subcommand (oms order place). setup
// registers the verb's flags and returns the action to run once they are
// parsed and the connection is up.
type verb struct {
	name, synopsis, summary string
	setup                   func(fs *flag.FlagSet) func(ctx context.Context, c *client) error
}

// runVerbs dispatches `oms <cmd> <verb> [flags]`.
func runVerbs(ctx context.Context, cmd string, verbs []verb, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(stderr, "usage: oms %s <verb> [flags]\n\nverbs:\n", cmd)
		for _, v := range verbs {
			fmt.Fprintf(stderr, "  %-10s %s\n", v.name, v.summary)
		}
		fmt.Fprintf(stderr, "\nRun `oms %s <verb> -h` for its flags.\n", cmd)
		if len(args) == 0 {
			return errUsage
		}
		return flag.ErrHelp
	}
	for _, v := range verbs {
		if v.name != args[0] {
			continue
		}
		fs := newFlagSet(cmd+" "+v.name, v.synopsis, stderr)
		var cf clientFlags
		cf.register(fs, getenvOS)
		action := v.setup(fs)
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		c, err := cf.dial(stdout)
		if err != nil {
			return err
		}
		defer c.close()
		return action(ctx, c)
	}
	fmt.Fprintf(stderr, "oms %s: unknown verb %q (try oms %s -h)\n", cmd, args[0], cmd)
	return errUsage
}
