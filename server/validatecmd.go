package server

import (
	"fmt"

	"github.com/hookflow/hookflow/engine/workflow"
)

func cmdValidate(io IO, args []string) int {
	fs := newFlags(io, "validate", "[PATH...]")
	paths, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(paths) == 0 {
		paths = []string{"workflows"}
	}
	ws, diags := workflow.LoadPaths(paths, staticRegistry(io))
	for _, d := range diags {
		fmt.Fprintln(io.Stdout, d.String())
	}
	if len(diags) > 0 {
		fmt.Fprintf(io.Stderr, "%d problem(s) in %s\n", len(diags), plural(len(ws)+countFiles(diags), "file"))
		return exitFailure
	}
	fmt.Fprintf(io.Stderr, "%s ok\n", plural(len(ws), "workflow"))
	return exitOK
}

func cmdSchema(io IO, args []string) int {
	fs := newFlags(io, "schema", "")
	if _, code, ok := parseFlags(fs, args); !ok {
		return code
	}
	b, err := workflow.Schema(staticRegistry(io))
	if err != nil {
		fmt.Fprintf(io.Stderr, "hookflow schema: %v\n", err)
		return exitFailure
	}
	fmt.Fprintln(io.Stdout, string(b))
	return exitOK
}

// countFiles counts the distinct files that diagnostics name.
func countFiles(diags workflow.Diagnostics) int {
	seen := map[string]bool{}
	for _, d := range diags {
		seen[d.File] = true
	}
	return len(seen)
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
