// Command run is the runner behind `make bench`. In one run it measures
// hookflow against the baseline (bench/baseline) on the same machine:
//
//   - ingest (issue 4): signed 1 KiB JSON at -ingest-conns connections into
//     a workflow of transform steps, against the baseline's group commit;
//     req/s, p50, p99, and hookflow's resident memory idle and under load.
//   - fanout (issue 5): signed inbound webhook → if: → three signed http
//     steps to the counting receiver (bench/receiver), against the baseline
//     with -fanout; deliveries/s from the first request to the last
//     delivery, and a check that every accepted event arrived three times.
//
// With -rounds N it measures each scenario N times, alternating which
// server goes first, and shows the round whose ratio is the median.
//
// It builds nothing: the Makefile builds ./hookflow and the bench programs
// and passes their paths. It prints a table, writes -out (JSON), and exits
// 0 even when a target is missed; 1 only when it could not measure.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// options is the command line.
type options struct {
	Hookflow     string        `json:"-"`
	Baseline     string        `json:"-"`
	Receiver     string        `json:"-"`
	Scenarios    []string      `json:"scenarios"`
	Servers      []string      `json:"servers"`
	Duration     time.Duration `json:"-"`
	Warmup       time.Duration `json:"-"`
	Settle       time.Duration `json:"-"`
	DrainTimeout time.Duration `json:"-"`
	CatchUp      time.Duration `json:"-"`
	IngestConns  int           `json:"ingest_conns"`
	FanoutConns  int           `json:"fanout_conns"`
	MaxRequests  int64         `json:"max_requests"`
	BodySize     int           `json:"body_size"`
	BaselineSign bool          `json:"baseline_signs_fanout"`
	BaselineArgs []string      `json:"baseline_args,omitempty"`
	Secret       string        `json:"-"`
	Out          string        `json:"-"`
	Keep         bool          `json:"-"`
	Rounds       int           `json:"rounds"`
}

// parseOptions reads the command line.
func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Hookflow, "hookflow", "./hookflow", "the hookflow binary")
	fs.StringVar(&o.Baseline, "baseline", "bench/bin/baseline", "the baseline binary (bench/baseline)")
	fs.StringVar(&o.Receiver, "receiver", "bench/bin/receiver", "the receiver binary (bench/receiver)")
	scenarios := fs.String("scenarios", "ingest,fanout", "which scenarios to run, comma-separated")
	servers := fs.String("servers", "baseline,hookflow", "which servers to measure, comma-separated")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "measured load per server and scenario")
	fs.DurationVar(&o.Warmup, "warmup", time.Second, "unmeasured load before the ingest measurement")
	fs.DurationVar(&o.Settle, "settle", time.Second, "idle time after start, before the idle memory reading")
	fs.DurationVar(&o.DrainTimeout, "drain-timeout", 60*time.Second, "fanout: longest wait after the load for the last deliveries")
	fs.DurationVar(&o.CatchUp, "catch-up", 15*time.Second, "ingest: longest wait after the load for hookflow's runs to finish (0: do not wait)")
	fs.IntVar(&o.IngestConns, "ingest-conns", 64, "ingest: concurrent connections")
	fs.IntVar(&o.FanoutConns, "fanout-conns", 32, "fanout: concurrent connections")
	fs.Int64Var(&o.MaxRequests, "max-requests", 2_000_000, "most measured requests per server and scenario")
	fs.IntVar(&o.BodySize, "body-size", 1024, "request body size in bytes")
	fs.BoolVar(&o.BaselineSign, "baseline-sign", false, "fanout: the baseline signs its POSTs too (X-Signature)")
	baselineArgs := fs.String("baseline-args", "", "extra flags for the baseline, space-separated (such as \"-linger 0\")")
	fs.StringVar(&o.Out, "out", "bench/results.json", "where to write the results (empty: do not write)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the temporary directories (databases and logs)")
	fs.IntVar(&o.Rounds, "rounds", 1, "measure each scenario this many times, alternating which server goes first; the table shows the round with the median ratio")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.Rounds < 1 {
		return o, fmt.Errorf("-rounds: %d, want 1 or more", o.Rounds)
	}
	o.Secret = "bench-secret"
	o.BaselineArgs = strings.Fields(*baselineArgs)
	var err error
	if o.Scenarios, err = list("-scenarios", *scenarios, "ingest", "fanout"); err != nil {
		return o, err
	}
	if o.Servers, err = list("-servers", *servers, baselineName, hookflowName); err != nil {
		return o, err
	}
	return o, o.checkBinaries()
}

// list splits a comma-separated flag value and checks each item is one of
// known.
func list(flag, value string, known ...string) ([]string, error) {
	var out []string
	for _, s := range strings.Split(value, ",") {
		s = strings.TrimSpace(s)
		if !slices.Contains(known, s) {
			return nil, fmt.Errorf("%s: unknown value %q (want %s)", flag, s, strings.Join(known, ", "))
		}
		out = append(out, s)
	}
	return out, nil
}

// checkBinaries makes the binary paths absolute and checks they exist.
func (o *options) checkBinaries() error {
	for _, p := range []*string{&o.Hookflow, &o.Baseline, &o.Receiver} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return fmt.Errorf("binary %s: %w", *p, err)
		}
		if _, err := os.Stat(abs); err != nil {
			return fmt.Errorf("binary %s: %w (run `make bench`, which builds it)", *p, err)
		}
		*p = abs
	}
	return nil
}

// run is the whole command; it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	opt, err := parseOptions(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "bench:", err)
		}
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	r, err := newRunner(opt, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	defer r.close()
	res := r.runAll(ctx)
	res.Checks = checks(res)
	printTable(stdout, res)
	if opt.Out != "" {
		if err := writeResults(opt.Out, res); err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 1
		}
		fmt.Fprintf(stdout, "\nwrote %s\n", opt.Out)
	}
	if len(res.Errors) > 0 {
		fmt.Fprintln(stderr, "bench: some measurements failed:\n  "+strings.Join(res.Errors, "\n  "))
		return 1
	}
	return 0
}

// runner runs the scenarios: it owns the child processes and the
// temporary directory.
type runner struct {
	opt   options
	procs *procs
	root  string
	log   io.Writer
}

// newRunner makes the temporary directory.
func newRunner(opt options, log io.Writer) (*runner, error) {
	root, err := os.MkdirTemp("", "hookflow-bench-")
	if err != nil {
		return nil, fmt.Errorf("make temporary directory: %w", err)
	}
	return &runner{opt: opt, procs: &procs{}, root: root, log: log}, nil
}

// close stops every child process and removes the temporary directory
// unless -keep.
func (r *runner) close() {
	r.procs.stopAll()
	if r.opt.Keep {
		fmt.Fprintf(r.log, "bench: kept %s\n", r.root)
		return
	}
	_ = os.RemoveAll(r.root)
}

// dir makes a fresh directory for one server of one scenario in one round.
func (r *runner) dir(name string) (string, error) {
	d := filepath.Join(r.root, name)
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", fmt.Errorf("make directory: %w", err)
	}
	return d, nil
}

// logf prints progress on stderr.
func (r *runner) logf(format string, args ...any) {
	fmt.Fprintf(r.log, "bench: "+format+"\n", args...)
}

// runAll measures each chosen scenario -rounds times, each round every
// server once (which goes first alternates), and collects what they
// measured; a failure is recorded and the run goes on.
func (r *runner) runAll(ctx context.Context) *Results {
	res := newResults(r.opt)
	for _, scenario := range []string{"ingest", "fanout"} {
		if slices.Contains(r.opt.Scenarios, scenario) {
			res.addRounds(scenario, r.measureRounds(ctx, scenario))
		}
	}
	return res
}

// roundTag names round n in progress and error lines; empty with a
// single round, so that its lines read as before -rounds existed.
func (r *runner) roundTag(n int) string {
	if r.opt.Rounds <= 1 {
		return ""
	}
	return fmt.Sprintf(" round %d/%d", n, r.opt.Rounds)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
