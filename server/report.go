package server

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hookflow/hookflow/engine/store"
	"github.com/mattn/go-isatty"
)

// isTerminal reports whether w is a terminal (colour is used only there).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

// newLogger logs text to w at the given level.
func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

var statusColour = map[string]string{
	store.StatusSucceeded: "\x1b[32m", store.StatusFailed: "\x1b[31m",
	store.StatusSkipped: "\x1b[33m", store.StatusCancelled: "\x1b[33m",
}

// printReport writes a run as a table of its steps, then the errors, then
// (for a dry run) every request that would have been sent.
func printReport(w io.Writer, colour bool, res *shotResult, dryRun bool) {
	paint := func(status string) string {
		if c, ok := statusColour[status]; ok && colour {
			return c + status + "\x1b[0m"
		}
		return status
	}
	r := res.Run
	fmt.Fprintf(w, "run %s  workflow %s v%d  %s%s\n\n", r.ID, r.Workflow, r.Version, paint(r.Status), runDuration(r))
	if len(res.Steps) > 0 {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "STEP\tSTATUS\tATTEMPTS\tDURATION\tOUTPUT")
		for _, s := range res.Steps {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", s.StepID, paint(s.Status), s.Attempts, stepDuration(s), short(s.Output, 60))
		}
		tw.Flush()
	}
	for _, s := range res.Steps {
		if s.Error != "" {
			fmt.Fprintf(w, "\n%s: %s", s.StepID, s.Error)
		}
	}
	if r.Error != "" {
		fmt.Fprintf(w, "\nrun error: %s", r.Error)
	}
	fmt.Fprintln(w)
	if dryRun {
		printRequests(w, res.Attempts)
	}
}

// printRequests lists the requests recorded by attempts.
func printRequests(w io.Writer, attempts []*store.AttemptRecord) {
	fmt.Fprintln(w, "\ndry run: nothing was sent; these requests would have been:")
	n := 0
	for _, a := range attempts {
		for _, x := range a.Exchanges {
			if x.Request == nil {
				continue
			}
			n++
			label := a.StepID
			if a.Item >= 0 {
				label = fmt.Sprintf("%s[%d]", a.StepID, a.Item)
			}
			fmt.Fprintf(w, "\n%s: %s %s\n", label, x.Request.Method, x.Request.URL)
			for k, v := range x.Request.Headers {
				fmt.Fprintf(w, "  %s: %s\n", k, v)
			}
			if x.Request.Body != "" {
				fmt.Fprintf(w, "  %s\n", x.Request.Body)
			}
		}
	}
	if n == 0 {
		fmt.Fprintln(w, "  (none)")
	}
}

func runDuration(r *store.Run) string {
	if r.FinishedAt == nil {
		return ""
	}
	return " in " + r.FinishedAt.Sub(r.CreatedAt).Round(time.Millisecond).String()
}

func stepDuration(s *store.StepRecord) string {
	if s.StartedAt == nil || s.FinishedAt == nil {
		return "-"
	}
	return s.FinishedAt.Sub(*s.StartedAt).Round(time.Millisecond).String()
}

// short renders v as compact JSON cut to n runes.
func short(v any, n int) string {
	if v == nil {
		return "-"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := strings.ReplaceAll(string(b), "\n", " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
