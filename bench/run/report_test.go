package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/bench/load"
)

func TestChecksJudgeTargets(t *testing.T) {
	t.Parallel()
	side := func(rate, p99, idle, hwm float64) *Side {
		return &Side{Load: &load.Result{PerSecond: rate, P99: p99, Requests: 10, OK: 10}, IdleRSS: idle, HWM: hwm}
	}
	for _, tc := range []struct {
		name     string
		hf, base *Side
		want     map[string]bool // metric → pass
	}{
		{"all met", side(800, 20, 30, 150), side(1000, 10, 10, 50),
			map[string]bool{"accepted req/s": true, "p99 latency ms": true, "idle RSS MiB": true, "peak RSS MiB (VmHWM)": true}},
		{"all missed", side(699, 26, 41, 201), side(1000, 10, 10, 50),
			map[string]bool{"accepted req/s": false, "p99 latency ms": false, "idle RSS MiB": false, "peak RSS MiB (VmHWM)": false}},
		{"no baseline", side(800, 20, 30, 150), nil, map[string]bool{"accepted req/s": false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := ingestChecks(tc.hf, tc.base)
			for metric, want := range tc.want {
				c := find(t, rows, metric)
				if c.Pass == nil || *c.Pass != want {
					t.Errorf("%s: pass = %v, want %v", metric, c.Pass, want)
				}
			}
		})
	}
}

func TestFanoutDoneCountsLostAndRate(t *testing.T) {
	t.Parallel()
	start := time.Unix(100, 0)
	res := &load.Result{Start: start, End: start.Add(10 * time.Second), Accepted: []int64{1, 2, 3, 4}}
	st := receiverStats{Deliveries: 10, LastUnixNano: start.Add(20 * time.Second).UnixNano()}
	chk := checkResult{Missing: map[string]int64{"/a": 1, "/c": 1}, Duplicated: map[string]int64{"/b": 1}}
	f := fanoutDone(res, st, chk, 12)
	if f.Lost != 2 || f.Complete || f.Duplicated != 1 || f.Span != 20 || f.Drain != 10 || f.PerSecond != 0.5 {
		t.Errorf("fanoutDone = %+v", f)
	}
}

func TestPrintTableMarksMisses(t *testing.T) {
	t.Parallel()
	res := newResults(options{Duration: time.Second})
	res.Ingest[hookflowName] = &Side{Load: &load.Result{PerSecond: 100, P99: 30, Requests: 1, OK: 1}}
	res.Ingest[baselineName] = &Side{Load: &load.Result{PerSecond: 1000, P99: 5, Requests: 1, OK: 1}}
	res.Checks = checks(res)
	var out bytes.Buffer
	printTable(&out, res)
	for _, want := range []string{"0.10×", "MISSED: ingest accepted req/s; ingest p99 latency ms", "targets met: 3 of 5"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestNum(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    float64
		want string
	}{{0, "0"}, {3, "3"}, {2.345, "2.35"}, {12.34, "12.3"}, {123.4, "123"}, {22562.4, "22,562"}, {1234567, "1,234,567"}} {
		if got := num(&tc.v); got != tc.want {
			t.Errorf("num(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
	if got := num(nil); got != "n/a" {
		t.Errorf("num(nil) = %q", got)
	}
}

func find(t *testing.T, rows []Check, metric string) Check {
	t.Helper()
	for _, c := range rows {
		if c.Metric == metric {
			return c
		}
	}
	t.Fatalf("no row %q", metric)
	return Check{}
}
