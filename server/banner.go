package server

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// newProcessLogger logs text on a terminal and JSON otherwise.
func newProcessLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: l}
	if isTerminal(w) {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// printBanner prints the editor URL with the token, the token when it was
// generated, and every inbound URL.
func (a *App) printBanner() {
	w := a.io.Stdout
	base := a.URL()
	fmt.Fprintf(w, "hookflow %s listening on %s (database %s)\n", version, base, redactDSN(a.cfg.DB))
	switch {
	case a.tokenGenerated:
		fmt.Fprintf(w, "editor:    %s/#token=%s\n", base, a.token)
		fmt.Fprintf(w, "API token: %s  (generated and shown once; only its hash is stored — set --api-token to choose one)\n", a.token)
	case a.token != "":
		fmt.Fprintf(w, "editor:    %s/#token=%s\n", base, a.token)
		fmt.Fprintf(w, "API token: %s  (from --api-token / HOOKFLOW_API_TOKEN)\n", a.token)
	default:
		fmt.Fprintf(w, "editor:    %s/  (sign in with the API token shown at the first start, or set --api-token)\n", base)
	}
	fmt.Fprintln(w, "inbound URLs:")
	n := 0
	for _, t := range a.catalog.List() {
		hook := t.Workflow.On.Webhook
		if hook == nil {
			continue
		}
		methods := "ANY"
		if len(hook.Methods) > 0 {
			methods = strings.Join(hook.Methods, ",")
		}
		fmt.Fprintf(w, "  %-8s %s/hooks/%s  -> %s\n", methods, base, hook.Path, t.Workflow.Name)
		n++
	}
	if n == 0 {
		fmt.Fprintln(w, "  (none: no workflow has on.webhook)")
	}
	for file, diags := range a.loader.Errors() {
		fmt.Fprintf(w, "not loaded: %s (%d problems; first: %s)\n", file, len(diags), diags[0].String())
	}
}
