package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/run"
	"github.com/hookflow/hookflow/engine/store"
	"github.com/hookflow/hookflow/engine/workflow"
)

func cmdRun(io IO, args []string) int {
	fs := newFlags(io, "run", "FILE --event EVENT.json [--dry-run] [--db DSN]")
	eventPath := fs.String("event", "", "JSON file with the event's fields (method, headers, query, body, type) or its body")
	dryRun := fs.Bool("dry-run", false, "perform no outside effect; print what would be sent")
	dsn := fs.String("db", "", "database DSN (default: a temporary SQLite file)")
	allow := fs.String("allow-private-networks", envOr(io.Environ, "HOOKFLOW_ALLOW_PRIVATE_NETWORKS", ""), "allow requests to private networks: true or a CIDR list")
	paths, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(paths) != 1 || *eventPath == "" {
		fs.Usage()
		return exitUsage
	}
	ev, err := readEventFile(*eventPath)
	if err != nil {
		fmt.Fprintf(io.Stderr, "hookflow run: %v\n", err)
		return exitUsage
	}
	opts, err := commandOptions(io, *allow)
	if err != nil {
		fmt.Fprintf(io.Stderr, "hookflow run: %v\n", err)
		return exitUsage
	}
	reg, err := newRegistry(io, opts)
	if err != nil {
		fmt.Fprintf(io.Stderr, "hookflow run: %v\n", err)
		return exitUsage
	}
	w, diags := workflow.LoadFile(paths[0], reg)
	if len(diags) > 0 {
		for _, d := range diags {
			fmt.Fprintln(io.Stderr, d.String())
		}
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	shot, err := openOneShot(ctx, *dsn)
	if err != nil {
		fmt.Fprintf(io.Stderr, "hookflow run: %v\n", err)
		return exitUsage
	}
	defer shot.close()
	cfg := run.Config{Registry: reg, Env: userEnv(io.Environ), DryRun: *dryRun, Logger: newLogger(io.Stderr, "warn")}
	res, err := shot.run(ctx, cfg, w, ev)
	if err != nil {
		fmt.Fprintf(io.Stderr, "hookflow run: %v\n", err)
		return exitFailure
	}
	printReport(io.Stdout, isTerminal(io.Stdout), res, *dryRun)
	if res.Run.Status == store.StatusFailed {
		return exitFailure
	}
	return exitOK
}

// readEventFile reads an event file; a JSON syntax error names the file,
// line and column.
func readEventFile(path string) (*engine.Event, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read event: %w", err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(b, int(se.Offset))
			return nil, fmt.Errorf("%s:%d:%d: event is not valid JSON: %v", path, line, col, se)
		}
		return nil, fmt.Errorf("%s: event is not valid JSON: %w", path, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		m = map[string]any{"body": v}
	}
	ev, err := engine.EventFromFields(m)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ev, nil
}

// lineCol turns a byte offset into a 1-based line and column; JSON syntax
// offsets point just past the bad byte.
func lineCol(b []byte, off int) (int, int) {
	if off > len(b) {
		off = len(b)
	}
	if off > 0 {
		off--
	}
	line, col := 1, 1
	for _, c := range b[:off] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// envOr returns the value of key in environ, or def.
func envOr(environ []string, key, def string) string {
	for i := len(environ) - 1; i >= 0; i-- {
		if len(environ[i]) > len(key) && environ[i][:len(key)] == key && environ[i][len(key)] == '=' {
			return environ[i][len(key)+1:]
		}
	}
	return def
}
