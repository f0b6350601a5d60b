package server

import (
	"context"
	"fmt"
	"io"
	goio "io"

	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/run"
	"github.com/hookflow/hookflow/engine/workflow"
)

// testTimeout bounds one workflow test.
const testTimeout = 30 * time.Second

func cmdTest(io IO, args []string) int {
	fs := newFlags(io, "test", "[-v] [PATH...]")
	verbose := fs.Bool("v", false, "show the runs' logs")
	allow := fs.String("allow-private-networks", envOr(io.Environ, "HOOKFLOW_ALLOW_PRIVATE_NETWORKS", ""), "allow requests to private networks: true or a CIDR list")
	paths, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(paths) == 0 {
		paths = []string{"workflows"}
	}
	opts, err := commandOptions(io, *allow)
	if err != nil {
		fmt.Fprintf(io.Stderr, "hookflow test: %v\n", err)
		return exitUsage
	}
	reg, err := newRegistry(io, opts)
	if err != nil {
		fmt.Fprintf(io.Stderr, "hookflow test: %v\n", err)
		return exitUsage
	}
	ws, diags := workflow.LoadPaths(paths, reg)
	if len(diags) > 0 {
		for _, d := range diags {
			fmt.Fprintln(io.Stderr, d.String())
		}
		return exitUsage
	}
	ctx := context.Background()
	shot, err := openOneShot(ctx, "")
	if err != nil {
		fmt.Fprintf(io.Stderr, "hookflow test: %v\n", err)
		return exitUsage
	}
	defer shot.close()
	passed, failed := 0, 0
	for _, w := range ws {
		for _, t := range w.Tests {
			problems := runWorkflowTest(ctx, io, shot, reg, w, t, *verbose)
			if len(problems) == 0 {
				passed++
				fmt.Fprintf(io.Stdout, "ok    %s / %s\n", w.Name, t.Name)
				continue
			}
			failed++
			reportTestFailure(io.Stdout, w, t, problems)
		}
	}
	fmt.Fprintf(io.Stdout, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return exitFailure
	}
	return exitOK
}

// runWorkflowTest runs one test with its mocks (actions that are not pure
// run in dry-run mode, so nothing leaves the process) and returns what did
// not match.
func runWorkflowTest(ctx context.Context, io IO, shot *oneShot, reg *engine.Registry, w *workflow.Workflow, t *workflow.Test, verbose bool) []string {
	ev, err := engine.EventFromFields(t.Event)
	if err != nil {
		return []string{fmt.Sprintf("event: %v", err)}
	}
	mocks := t.Mock
	if mocks == nil {
		mocks = map[string]any{}
	}
	ctx, cancel := context.WithTimeout(ctx, testTimeout)
	defer cancel()
	env := userEnv(io.Environ)
	for k, v := range t.Env {
		env[k] = v
	}
	logger := newLogger(goio.Discard, "error")
	if verbose {
		logger = newLogger(io.Stderr, "debug")
	}
	cfg := run.Config{Registry: reg, Env: env, Mocks: mocks, Logger: logger,
		Now: time.Now, RandN: func(int64) int64 { return 0 }}
	res, err := shot.run(ctx, cfg, withoutRetryDelays(w), ev)
	if err != nil {
		return []string{fmt.Sprintf("run: %v", err)}
	}
	return checkExpect(t.Expect, res)
}

// withoutRetryDelays returns a copy of w whose steps retry at once, so a
// test of a failing step does not wait through its backoff.
func withoutRetryDelays(w *workflow.Workflow) *workflow.Workflow {
	c := *w
	c.Steps = fastSteps(w.Steps)
	c.OnError = fastSteps(w.OnError)
	return &c
}

func fastSteps(steps []*workflow.Step) []*workflow.Step {
	out := make([]*workflow.Step, len(steps))
	for i, s := range steps {
		c := *s
		c.Retry.Delay, c.Retry.MaxDelay = 0, 0
		out[i] = &c
	}
	return out
}

func reportTestFailure(w io.Writer, wf *workflow.Workflow, t *workflow.Test, problems []string) {
	fmt.Fprintf(w, "FAIL  %s / %s  (%s:%d)\n", wf.Name, t.Name, wf.File, t.Pos.Line)
	for _, p := range problems {
		fmt.Fprintf(w, "      %s\n", p)
	}
}
