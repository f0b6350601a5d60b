package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"syscall"
)

// Round is one round of one scenario: each server measured once, in
// Order, and the value the round is ranked by.
type Round struct {
	Round int              `json:"round"` // from 1
	Order []string         `json:"order"`
	Sides map[string]*Side `json:"sides"`
	// Primary is hookflow's primary metric (ingest: accepted req/s,
	// fanout: deliveries/s) over the baseline's, or the one server's
	// metric when only one is measured; nil when it was not measured.
	Primary *float64 `json:"primary"`
	Errors  []string `json:"errors,omitempty"`
}

// ScenarioRounds is every round of one scenario and the one the table
// shows.
type ScenarioRounds struct {
	RankedBy string `json:"ranked_by"`
	// Median is the shown round's Primary; nil when no round succeeded.
	Median *float64 `json:"median"`
	Shown  int      `json:"shown_round"`
	Rounds []*Round `json:"rounds"`
	ratio  bool     // Primary is a ratio, not one server's metric
}

// measureRounds measures scenario -rounds times, stopping early only when
// ctx ends, and picks the round to show.
func (r *runner) measureRounds(ctx context.Context, scenario string) *ScenarioRounds {
	var rounds []*Round
	for n := 1; n <= r.opt.Rounds; n++ {
		if n > 1 && ctx.Err() != nil {
			break
		}
		rounds = append(rounds, r.round(ctx, scenario, n))
	}
	return newScenarioRounds(scenario, r.opt.Servers, rounds)
}

// round measures each server once on scenario, in round n's order; a
// failure is recorded and the round goes on.
func (r *runner) round(ctx context.Context, scenario string, n int) *Round {
	rd := &Round{Round: n, Order: roundOrder(r.opt.Servers, n), Sides: map[string]*Side{}}
	for _, name := range rd.Order {
		s, err := r.measure(ctx, scenario, name, n)
		rd.Sides[name] = s
		rd.noteError(scenario, name, r.roundTag(n), err)
	}
	rd.Primary = roundValue(scenario, r.opt.Servers, rd.Sides)
	return rd
}

// measure measures one server once on scenario in round n, in a fresh
// directory. Each measurement writes hundreds of MiB to its database, and
// the kernel writes dirty pages back whenever it sees fit: so the disks
// are synced before the server starts, and the directory is removed once
// it stops (unless -keep), so that no measurement pays for an earlier
// one's writeback.
func (r *runner) measure(ctx context.Context, scenario, name string, n int) (*Side, error) {
	dir, err := r.dir(fmt.Sprintf("%s-%s-%d", scenario, name, n))
	if err != nil {
		return nil, err
	}
	if !r.opt.Keep {
		defer os.RemoveAll(dir)
	}
	syscall.Sync()
	if scenario == "fanout" {
		return r.fanout(ctx, name, n, dir)
	}
	return r.ingest(ctx, name, n, dir)
}

// roundOrder is the order of the servers in round n (from 1): as given in
// odd rounds, reversed in even ones, so that neither always goes first.
func roundOrder(servers []string, n int) []string {
	order := slices.Clone(servers)
	if n%2 == 0 {
		slices.Reverse(order)
	}
	return order
}

// noteError records a server's failure in the round; tag tells the round
// apart when there are several.
func (rd *Round) noteError(scenario, name, tag string, err error) {
	if err != nil {
		rd.Errors = append(rd.Errors, fmt.Sprintf("%s/%s%s: %v", scenario, name, tag, err))
	}
}

// succeeded tells whether the round measured without an error and has a
// value to rank it by.
func (rd *Round) succeeded() bool { return len(rd.Errors) == 0 && rd.Primary != nil }

// primaryMetric names a scenario's primary metric.
func primaryMetric(scenario string) string {
	if scenario == "fanout" {
		return "deliveries/s"
	}
	return "accepted req/s"
}

// primary is a side's primary metric in scenario (ingest: accepted req/s,
// fanout: deliveries/s); nil when it was not measured.
func primary(scenario string, s *Side) *float64 {
	var v float64
	switch {
	case s == nil:
		return nil
	case scenario == "fanout" && s.Fanout != nil:
		v = s.Fanout.PerSecond
	case scenario == "ingest" && s.Load != nil:
		v = s.Load.PerSecond
	default:
		return nil
	}
	return &v
}

// roundValue is the value a round is ranked by: hookflow's primary metric
// over the baseline's when both servers are measured (the table's RATIO),
// else the one server's metric; nil when it was not measured.
func roundValue(scenario string, servers []string, sides map[string]*Side) *float64 {
	if len(servers) == 1 {
		return primary(scenario, sides[servers[0]])
	}
	h, b := primary(scenario, sides[hookflowName]), primary(scenario, sides[baselineName])
	if h == nil || b == nil || *b <= 0 {
		return nil
	}
	v := *h / *b
	return &v
}

// newScenarioRounds ranks a scenario's rounds and picks the one to show.
func newScenarioRounds(scenario string, servers []string, rounds []*Round) *ScenarioRounds {
	sr := &ScenarioRounds{Rounds: rounds, RankedBy: "hookflow/baseline " + primaryMetric(scenario), ratio: true}
	if len(servers) == 1 {
		sr.RankedBy, sr.ratio = servers[0]+" "+primaryMetric(scenario), false
	}
	i, ok := chooseRound(rounds)
	if i >= 0 {
		sr.Shown = rounds[i].Round
	}
	if ok {
		sr.Median = rounds[i].Primary
	}
	return sr
}

// chooseRound is the index of the round to show: among the rounds that
// succeeded, the one whose value is the median (the lower of the two
// middle ones for an even count; equal values rank in round order); ok is
// true then. When none succeeded it picks the same way among the rounds
// that have a value, else the first round. -1 when there is no round.
func chooseRound(rounds []*Round) (i int, ok bool) {
	if i := medianRound(rounds, (*Round).succeeded); i >= 0 {
		return i, true
	}
	if i := medianRound(rounds, func(rd *Round) bool { return rd.Primary != nil }); i >= 0 {
		return i, false
	}
	if len(rounds) == 0 {
		return -1, false
	}
	return 0, false
}

// medianRound is the index of the round with the lower median value among
// the rounds keep accepts (each must have a value); -1 when it accepts
// none.
func medianRound(rounds []*Round, keep func(*Round) bool) int {
	var idx []int
	for i, rd := range rounds {
		if keep(rd) {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return -1
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(*rounds[a].Primary, *rounds[b].Primary) })
	return idx[(len(idx)-1)/2]
}

// addRounds records a scenario's rounds: the shown round's sides fill the
// scenario's map (what the table's checks and older readers of the JSON
// use), every round's errors go to Errors, and with -rounds above 1 every
// round is kept under Rounds.
func (res *Results) addRounds(scenario string, sr *ScenarioRounds) {
	sides := res.Ingest
	if scenario == "fanout" {
		sides = res.Fanout
	}
	if sr.Shown > 0 {
		maps.Copy(sides, sr.Rounds[sr.Shown-1].Sides)
	}
	for _, rd := range sr.Rounds {
		res.Errors = append(res.Errors, rd.Errors...)
	}
	if res.Params.Rounds > 1 {
		res.Rounds[scenario] = sr
	}
}

// printRounds prints, under the table, one line per scenario with every
// round's value; nothing when there is a single round.
func printRounds(w io.Writer, rounds map[string]*ScenarioRounds) {
	if len(rounds) == 0 {
		return
	}
	fmt.Fprintln(w)
	for _, scenario := range []string{"ingest", "fanout"} {
		if sr := rounds[scenario]; sr != nil {
			fmt.Fprintln(w, sr.line(scenario))
		}
	}
}

// line is the scenario's line under the table, such as
// "ingest rounds: 0.66× 0.71× 0.69× (median 0.69×, round 3 shown)".
func (sr *ScenarioRounds) line(scenario string) string {
	var b strings.Builder
	b.WriteString(scenario + " rounds")
	if !sr.ratio {
		b.WriteString(", " + sr.RankedBy)
	}
	b.WriteString(":")
	for _, rd := range sr.Rounds {
		b.WriteString(" " + sr.entry(rd))
	}
	if sr.Median == nil {
		fmt.Fprintf(&b, " (no round succeeded, round %d shown)", sr.Shown)
	} else {
		fmt.Fprintf(&b, " (median %s, round %d shown)", sr.format(sr.Median), sr.Shown)
	}
	return b.String()
}

// entry is one round in the line: its value, "failed" or "n/a".
func (sr *ScenarioRounds) entry(rd *Round) string {
	switch {
	case len(rd.Errors) > 0:
		return "failed"
	case rd.Primary == nil:
		return "n/a"
	}
	return sr.format(rd.Primary)
}

// format formats a round's value as a ratio or as a metric.
func (sr *ScenarioRounds) format(v *float64) string {
	if sr.ratio {
		return ratio(v)
	}
	return num(v)
}
