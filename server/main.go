// Package server is the hookflow process: the command line, the serve
// lifecycle (start, reload, drain), the HTTP routes and the wiring of
// engine, triggers and actions. Only this package (and main.go) imports
// everything.
package server

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
)

// Set at link time by the Makefile (-ldflags -X).
var (
	version = "dev"
	commit  = "none"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // a run failed, a test failed, a file did not validate
	exitUsage   = 2 // bad command, flag or input file
)

// IO is where a command reads and writes; tests pass buffers.
type IO struct {
	Stdout io.Writer
	Stderr io.Writer
	// Environ is the process environment as KEY=VALUE lines.
	Environ []string
}

type command struct {
	summary string
	run     func(io IO, args []string) int
}

func commands() map[string]command {
	return map[string]command{
		"serve":    {"the server: inbound URLs, REST API, editor, scheduler, workers", cmdServe},
		"validate": {"check workflow files; each problem as FILE:LINE:COL: message", cmdValidate},
		"run":      {"run one workflow once on a sample event", cmdRun},
		"test":     {"run the tests: of workflow files", cmdTest},
		"schema":   {"print the JSON Schema of a workflow file", cmdSchema},
		"version":  {"print version, commit and Go version", cmdVersion},
	}
}

// Main runs the hookflow command line and returns the exit code.
func Main(args []string) int {
	return MainIO(IO{Stdout: os.Stdout, Stderr: os.Stderr, Environ: os.Environ()}, args)
}

// MainIO is Main with explicit streams and environment, for tests.
func MainIO(io IO, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(io.Stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(io.Stderr, "hookflow: unknown command %q\n\n", args[0])
		usage(io.Stderr)
		return exitUsage
	}
	return cmd.run(io, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: hookflow <command> [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'hookflow <command> -h' for a command's flags.")
}

// newFlags returns a flag set that reports errors to io.Stderr.
func newFlags(io IO, name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(io.Stderr, "usage: hookflow %s %s\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and turns a parse failure into an exit code:
// -h gives 0, anything else 2. Flags may follow positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) (rest []string, code int, ok bool) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK, false
			}
			return nil, exitUsage, false
		}
		if fs.NArg() == 0 {
			return pos, 0, true
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func cmdVersion(io IO, args []string) int {
	fs := newFlags(io, "version", "")
	if _, code, ok := parseFlags(fs, args); !ok {
		return code
	}
	fmt.Fprintf(io.Stdout, "hookflow %s (commit %s, %s %s/%s)\n", version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return exitOK
}

// userEnv is the environment that expressions see as env: the process
// environment less HOOKFLOW_* variables.
func userEnv(environ []string) map[string]string {
	env := make(map[string]string, len(environ))
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.HasPrefix(k, "HOOKFLOW_") {
			continue
		}
		env[k] = v
	}
	return env
}
