package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// The targets of issues 4 (ingest) and 5 (fanout).
const (
	targetRatio  = 0.7 // hookflow's rate ≥ 0.7 × the baseline's
	targetP99    = 25  // ms, ingest p99
	targetIdleMB = 40  // MiB resident when idle
	targetLoadMB = 200 // MiB resident under the ingest load
)

// Results is everything one `make bench` measured; it is written as JSON.
type Results struct {
	Date      string           `json:"date"`
	GoVersion string           `json:"go_version"`
	OS        string           `json:"os"`
	Arch      string           `json:"arch"`
	CPUs      int              `json:"cpus"`
	Hookflow  string           `json:"hookflow_version"`
	Params    Params           `json:"params"`
	Ingest    map[string]*Side `json:"ingest,omitempty"`
	Fanout    map[string]*Side `json:"fanout,omitempty"`
	// Rounds keeps every round of each scenario when -rounds is more than
	// 1; Ingest and Fanout hold the round shown.
	Rounds map[string]*ScenarioRounds `json:"rounds,omitempty"`
	Checks []Check                    `json:"checks"`
	Errors []string                   `json:"errors,omitempty"`
}

// Params are the run's parameters and targets.
type Params struct {
	options
	Duration     string         `json:"duration"`
	Warmup       string         `json:"ingest_warmup"`
	Settle       string         `json:"settle"`
	DrainTimeout string         `json:"drain_timeout"`
	CatchUp      string         `json:"catch_up"`
	Targets      map[string]any `json:"targets"`
}

// Check is one row of the table: a metric of both servers, their ratio
// when it matters, and the target. Pass is nil for rows that only inform.
type Check struct {
	Scenario string   `json:"scenario"`
	Metric   string   `json:"metric"`
	Hookflow *float64 `json:"hookflow"`
	Baseline *float64 `json:"baseline"`
	Ratio    *float64 `json:"ratio,omitempty"`
	Target   string   `json:"target,omitempty"`
	Pass     *bool    `json:"pass,omitempty"`
}

// newResults starts the results of a run with opt.
func newResults(opt options) *Results {
	return &Results{
		Date: time.Now().UTC().Format(time.RFC3339), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		CPUs: runtime.NumCPU(), Hookflow: hookflowVersion(opt.Hookflow),
		Params: Params{options: opt, Duration: opt.Duration.String(), Warmup: opt.Warmup.String(), Settle: opt.Settle.String(),
			DrainTimeout: opt.DrainTimeout.String(), CatchUp: opt.CatchUp.String(),
			Targets: map[string]any{"ratio_min": targetRatio, "ingest_p99_ms_max": targetP99, "idle_rss_mb_max": targetIdleMB,
				"load_rss_mb_max": targetLoadMB, "lost": 0, "bad_signatures": 0}},
		Ingest: map[string]*Side{}, Fanout: map[string]*Side{}, Rounds: map[string]*ScenarioRounds{},
	}
}

// hookflowVersion is the first line of `hookflow version`.
func hookflowVersion(bin string) string {
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		return "unknown: " + err.Error()
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return line
}

// checks builds the rows of the table from what was measured.
func checks(res *Results) []Check {
	var rows []Check
	if hf, base := res.Ingest[hookflowName], res.Ingest[baselineName]; hf != nil || base != nil {
		rows = append(rows, ingestChecks(hf, base)...)
	}
	if hf, base := res.Fanout[hookflowName], res.Fanout[baselineName]; hf != nil || base != nil {
		rows = append(rows, fanoutChecks(hf, base)...)
	}
	return rows
}

// ingestChecks are the rows of issue 4.
func ingestChecks(hf, base *Side) []Check {
	ld := func(f func(*Side) float64) func(*Side) float64 {
		return func(s *Side) float64 {
			if s.Load == nil {
				return 0
			}
			return f(s)
		}
	}
	rows := []Check{
		ratioRow("ingest", "accepted req/s", hf, base, ld(func(s *Side) float64 { return s.Load.PerSecond })),
		infoRow("ingest", "p50 latency ms", hf, base, ld(func(s *Side) float64 { return s.Load.P50 })),
		maxRow("ingest", "p99 latency ms", hf, base, ld(func(s *Side) float64 { return s.Load.P99 }), targetP99, "≤ 25 ms"),
		maxRow("ingest", "idle RSS MiB", hf, base, func(s *Side) float64 { return s.IdleRSS }, targetIdleMB, "≤ 40 MiB"),
		maxRow("ingest", "peak RSS MiB (VmHWM)", hf, base, func(s *Side) float64 { return s.HWM }, targetLoadMB, "≤ 200 MiB"),
		maxRow("ingest", "not accepted (non-2xx, errors)", hf, base, ld(func(s *Side) float64 { return float64(s.Load.Requests - s.Load.OK) }), 0, "0"),
		infoRow("ingest", "server CPU ms per 1k req", hf, base, func(s *Side) float64 { return s.CPUPerK }),
		infoRow("ingest", "database size MiB at load end", hf, base, func(s *Side) float64 { return s.DBSize }),
		infoRow("ingest", "other processes' CPU, cores", hf, base, func(s *Side) float64 { return s.CPU.OutsideCores }),
	}
	if hf != nil && hf.Runs != nil {
		rows = append(rows,
			infoRow("ingest", "runs unfinished at load end", hf, nil, func(s *Side) float64 { return float64(s.Runs.UnfinishedAtEnd) }),
			infoRow("ingest", "runs catch-up s", hf, nil, func(s *Side) float64 { return s.Runs.CatchUpSeconds }))
	}
	return rows
}

// fanoutChecks are the rows of issue 5.
func fanoutChecks(hf, base *Side) []Check {
	fo := func(f func(*FanoutDone) float64) func(*Side) float64 {
		return func(s *Side) float64 {
			if s.Fanout == nil {
				return 0
			}
			return f(s.Fanout)
		}
	}
	lost := func(f *FanoutDone) float64 {
		if f.Accepted == 0 {
			return 1 // nothing accepted proves nothing
		}
		return float64(f.Lost)
	}
	return []Check{
		ratioRow("fanout", "deliveries/s (first request → last delivery)", hf, base, fo(func(f *FanoutDone) float64 { return f.PerSecond })),
		infoRow("fanout", "accepted events", hf, base, fo(func(f *FanoutDone) float64 { return float64(f.Accepted) })),
		infoRow("fanout", "ingest req/s during fan-out", hf, base, func(s *Side) float64 {
			if s.Load == nil {
				return 0
			}
			return s.Load.PerSecond
		}),
		maxRow("fanout", "lost (accepted, not delivered ×3)", hf, base, fo(lost), 0, "0"),
		maxRow("fanout", "bad signatures at receiver", hf, nil, fo(func(f *FanoutDone) float64 { return float64(f.BadSignature) }), 0, "0"),
		infoRow("fanout", "drain after last answer s", hf, base, fo(func(f *FanoutDone) float64 { return f.Drain })),
		infoRow("fanout", "peak RSS MiB (VmHWM)", hf, base, func(s *Side) float64 { return s.HWM }),
		infoRow("fanout", "server CPU ms per 1k events", hf, base, func(s *Side) float64 { return s.CPUPerK }),
		infoRow("fanout", "other processes' CPU, cores", hf, base, func(s *Side) float64 { return s.CPU.OutsideCores }),
	}
}

// values applies f to each side that was measured.
func values(hf, base *Side, f func(*Side) float64) (h, b *float64) {
	if hf != nil {
		v := f(hf)
		h = &v
	}
	if base != nil {
		v := f(base)
		b = &v
	}
	return h, b
}

// infoRow is a row without a target.
func infoRow(scenario, metric string, hf, base *Side, f func(*Side) float64) Check {
	h, b := values(hf, base, f)
	return Check{Scenario: scenario, Metric: metric, Hookflow: h, Baseline: b}
}

// ratioRow passes when hookflow reaches targetRatio × the baseline.
func ratioRow(scenario, metric string, hf, base *Side, f func(*Side) float64) Check {
	c := infoRow(scenario, metric, hf, base, f)
	c.Target = fmt.Sprintf("≥ %.2f× baseline", targetRatio)
	pass := false
	if c.Hookflow != nil && c.Baseline != nil && *c.Baseline > 0 {
		r := *c.Hookflow / *c.Baseline
		c.Ratio, pass = &r, r >= targetRatio
	}
	c.Pass = &pass
	return c
}

// maxRow passes when hookflow's value is at most limit.
func maxRow(scenario, metric string, hf, base *Side, f func(*Side) float64, limit float64, target string) Check {
	c := infoRow(scenario, metric, hf, base, f)
	c.Target = target
	pass := c.Hookflow != nil && *c.Hookflow <= limit
	c.Pass = &pass
	return c
}

// printTable prints the rows, each scenario's rounds when there are
// several, and a verdict line.
func printTable(w io.Writer, res *Results) {
	rounds := ""
	if res.Params.Rounds > 1 {
		rounds = fmt.Sprintf(", %d rounds", res.Params.Rounds)
	}
	fmt.Fprintf(w, "\nhookflow bench — %s, %s, %d CPUs, %s; %s per server and scenario%s\n\n",
		res.Date, res.GoVersion, res.CPUs, res.Hookflow, res.Params.Duration, rounds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tMETRIC\tHOOKFLOW\tBASELINE\tRATIO\tTARGET\tRESULT")
	met, total := 0, 0
	var missed []string
	for _, c := range res.Checks {
		verdict := "-"
		if c.Pass != nil {
			total++
			verdict = "pass"
			if *c.Pass {
				met++
			} else {
				verdict = "MISSED"
				missed = append(missed, c.Scenario+" "+c.Metric)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Scenario, c.Metric, num(c.Hookflow), num(c.Baseline), ratio(c.Ratio), c.Target, verdict)
	}
	tw.Flush()
	printRounds(w, res.Rounds)
	fmt.Fprintf(w, "\ntargets met: %d of %d\n", met, total)
	if len(missed) > 0 {
		fmt.Fprintf(w, "MISSED: %s\n", strings.Join(missed, "; "))
	}
	for _, e := range res.Errors {
		fmt.Fprintf(w, "ERROR: %s\n", e)
	}
}

// num formats a value with precision that suits its size; n/a when it was
// not measured.
func num(v *float64) string {
	switch {
	case v == nil:
		return "n/a"
	case *v == float64(int64(*v)) && *v < 10000:
		return fmt.Sprint(int64(*v))
	case *v >= 10000:
		return thousands(int64(*v + 0.5))
	case *v >= 100:
		return fmt.Sprintf("%.0f", *v)
	case *v >= 10:
		return fmt.Sprintf("%.1f", *v)
	default:
		return fmt.Sprintf("%.2f", *v)
	}
}

// thousands formats n with commas.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// ratio formats a ratio; empty when there is none.
func ratio(r *float64) string {
	if r == nil {
		return ""
	}
	return fmt.Sprintf("%.2f×", *r)
}

// writeResults writes res as indented JSON to path.
func writeResults(path string, res *Results) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}
