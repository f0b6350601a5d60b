package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/bench/load"
)

// ptr returns a pointer to v.
func ptr(v float64) *float64 { return &v }

func TestChooseRound(t *testing.T) {
	t.Parallel()
	// r is a round with value v (nil: not measured), failed when failed.
	r := func(v *float64, failed bool) *Round {
		rd := &Round{Primary: v}
		if failed {
			rd.Errors = []string{"ingest/hookflow: boom"}
		}
		return rd
	}
	for _, tc := range []struct {
		name   string
		rounds []*Round
		want   int
		wantOK bool
	}{
		{"no round", nil, -1, false},
		{"one round", []*Round{r(ptr(0.7), false)}, 0, true},
		{"one failed round", []*Round{r(ptr(0.7), true)}, 0, false},
		{"odd", []*Round{r(ptr(0.66), false), r(ptr(0.71), false), r(ptr(0.69), false)}, 2, true},
		{"even takes the lower median", []*Round{r(ptr(0.8), false), r(ptr(0.6), false), r(ptr(0.7), false), r(ptr(0.9), false)}, 2, true},
		{"two rounds", []*Round{r(ptr(0.72), false), r(ptr(0.68), false)}, 1, true},
		{"ties rank in round order", []*Round{r(ptr(0.7), false), r(ptr(0.5), false), r(ptr(0.7), false)}, 0, true},
		{"failed round without values is skipped", []*Round{r(nil, true), r(ptr(0.6), false), r(ptr(0.8), false)}, 1, true},
		{"failed round with a value is skipped", []*Round{r(ptr(0.1), true), r(ptr(0.7), false), r(ptr(0.9), false), r(ptr(0.8), false)}, 3, true},
		{"failed median round is skipped", []*Round{r(ptr(0.6), false), r(ptr(0.7), true), r(ptr(0.8), false)}, 0, true},
		{"round without a value is skipped", []*Round{r(nil, false), r(ptr(0.7), false)}, 1, true},
		{"all failed: median of those with values", []*Round{r(ptr(0.5), true), r(nil, true), r(ptr(0.6), true)}, 0, false},
		{"all failed without values: the first", []*Round{r(nil, true), r(nil, true)}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := chooseRound(tc.rounds)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("chooseRound = %d, %v; want %d, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestRoundValue(t *testing.T) {
	t.Parallel()
	ingest := func(rate float64) *Side { return &Side{Load: &load.Result{PerSecond: rate}} }
	fanout := func(rate float64) *Side {
		return &Side{Load: &load.Result{PerSecond: 1}, Fanout: &FanoutDone{PerSecond: rate}}
	}
	both := []string{baselineName, hookflowName}
	for _, tc := range []struct {
		name     string
		scenario string
		servers  []string
		sides    map[string]*Side
		want     *float64
	}{
		{"ingest ratio", "ingest", both, map[string]*Side{hookflowName: ingest(700), baselineName: ingest(1000)}, ptr(0.7)},
		{"fanout ratio", "fanout", both, map[string]*Side{hookflowName: fanout(300), baselineName: fanout(600)}, ptr(0.5)},
		{"fanout without receiver counts", "fanout", both, map[string]*Side{hookflowName: ingest(300), baselineName: fanout(600)}, nil},
		{"baseline failed", "ingest", both, map[string]*Side{hookflowName: ingest(700), baselineName: nil}, nil},
		{"baseline without load", "ingest", both, map[string]*Side{hookflowName: ingest(700), baselineName: {}}, nil},
		{"baseline zero", "ingest", both, map[string]*Side{hookflowName: ingest(700), baselineName: ingest(0)}, nil},
		{"one server", "ingest", []string{hookflowName}, map[string]*Side{hookflowName: ingest(700)}, ptr(700)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := roundValue(tc.scenario, tc.servers, tc.sides)
			if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
				t.Errorf("roundValue = %v, want %v", num(got), num(tc.want))
			}
		})
	}
}

func TestRoundOrder(t *testing.T) {
	t.Parallel()
	servers := []string{baselineName, hookflowName}
	for _, tc := range []struct {
		n    int
		want []string
	}{
		{1, []string{baselineName, hookflowName}},
		{2, []string{hookflowName, baselineName}},
		{3, []string{baselineName, hookflowName}},
		{4, []string{hookflowName, baselineName}},
	} {
		if got := roundOrder(servers, tc.n); !slices.Equal(got, tc.want) {
			t.Errorf("roundOrder(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
	if got := roundOrder([]string{hookflowName}, 2); !slices.Equal(got, []string{hookflowName}) {
		t.Errorf("roundOrder of one server = %v", got)
	}
	if !slices.Equal(servers, []string{baselineName, hookflowName}) {
		t.Errorf("roundOrder changed its argument: %v", servers)
	}
}

// ingestRound is a round of the ingest scenario in which hookflow reached
// hf and the baseline base req/s; err fails hookflow's measurement.
func ingestRound(n int, hf, base float64, err error) *Round {
	servers := roundOrder([]string{baselineName, hookflowName}, n)
	rd := &Round{Round: n, Order: servers, Sides: map[string]*Side{
		hookflowName: {Load: &load.Result{PerSecond: hf, Requests: 1, OK: 1}},
		baselineName: {Load: &load.Result{PerSecond: base, Requests: 1, OK: 1}},
	}}
	rd.noteError("ingest", hookflowName, fmt.Sprintf(" round %d/3", n), err)
	rd.Primary = roundValue("ingest", servers, rd.Sides)
	return rd
}

func TestRoundsShowTheMedianRound(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		rounds    []*Round
		wantLines []string
		wantRatio string // the table's req/s ratio
		wantErrs  int
	}{
		{"odd", []*Round{ingestRound(1, 660, 1000, nil), ingestRound(2, 710, 1000, nil), ingestRound(3, 690, 1000, nil)},
			[]string{"3 rounds", "ingest rounds: 0.66× 0.71× 0.69× (median 0.69×, round 3 shown)"}, "0.69×", 0},
		{"a failed round", []*Round{ingestRound(1, 660, 1000, nil), ingestRound(2, 700, 1000, errors.New("boom")), ingestRound(3, 690, 1000, nil)},
			[]string{"ingest rounds: 0.66× failed 0.69× (median 0.66×, round 1 shown)", "ERROR: ingest/hookflow round 2/3: boom"}, "0.66×", 1},
		{"every round failed", []*Round{ingestRound(1, 660, 1000, errors.New("a")), ingestRound(2, 700, 1000, errors.New("b"))},
			[]string{"ingest rounds: failed failed (no round succeeded, round 1 shown)"}, "0.66×", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := newResults(options{Duration: time.Second, Rounds: 3})
			res.addRounds("ingest", newScenarioRounds("ingest", []string{baselineName, hookflowName}, tc.rounds))
			res.Checks = checks(res)
			var out bytes.Buffer
			printTable(&out, res)
			for _, want := range tc.wantLines {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
			if c := find(t, res.Checks, "accepted req/s"); ratio(c.Ratio) != tc.wantRatio {
				t.Errorf("table ratio = %s, want %s", ratio(c.Ratio), tc.wantRatio)
			}
			if len(res.Errors) != tc.wantErrs {
				t.Errorf("errors = %q, want %d", res.Errors, tc.wantErrs)
			}
			if sr := res.Rounds["ingest"]; sr == nil || len(sr.Rounds) != len(tc.rounds) {
				t.Errorf("Rounds = %+v, want every round", res.Rounds)
			}
		})
	}
}

func TestOneRoundAddsNothing(t *testing.T) {
	t.Parallel()
	res := newResults(options{Duration: time.Second, Rounds: 1})
	res.addRounds("ingest", newScenarioRounds("ingest", []string{baselineName, hookflowName}, []*Round{ingestRound(1, 700, 1000, nil)}))
	res.Checks = checks(res)
	var out bytes.Buffer
	printTable(&out, res)
	if s := out.String(); strings.Contains(s, "rounds") {
		t.Errorf("a single round prints rounds:\n%s", s)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	if _, ok := top["rounds"]; ok {
		t.Errorf("a single round writes rounds: %s", top["rounds"])
	}
	if _, ok := top["ingest"]; !ok {
		t.Errorf("no ingest in %s", b)
	}
}

func TestParseOptionsRounds(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "bin")
	if err := os.WriteFile(bin, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	bins := []string{"-hookflow", bin, "-baseline", bin, "-receiver", bin}
	for _, tc := range []struct {
		name    string
		args    []string
		want    int
		wantErr bool
	}{
		{"default", nil, 1, false},
		{"one", []string{"-rounds", "1"}, 1, false},
		{"three", []string{"-rounds", "3"}, 3, false},
		{"zero", []string{"-rounds", "0"}, 0, true},
		{"negative", []string{"-rounds=-2"}, 0, true},
		{"not a number", []string{"-rounds", "three"}, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseOptions(append(slices.Clone(bins), tc.args...), io.Discard)
			switch {
			case tc.wantErr && err == nil:
				t.Errorf("parseOptions(%q) = %d rounds, want an error", tc.args, o.Rounds)
			case tc.wantErr && !strings.Contains(err.Error(), "-rounds"):
				t.Errorf("parseOptions(%q): error %q does not name -rounds", tc.args, err)
			case !tc.wantErr && err != nil:
				t.Errorf("parseOptions(%q): %v", tc.args, err)
			case !tc.wantErr && o.Rounds != tc.want:
				t.Errorf("parseOptions(%q) = %d rounds, want %d", tc.args, o.Rounds, tc.want)
			}
		})
	}
}
