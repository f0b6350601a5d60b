package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// Accept stores events and the runs they start (see Store).
//
// An event whose ID is already stored is taken for a re-dispatch of that
// event, not for a duplicate: it is not stored again, and those of its runs
// whose (event, workflow) pair is new are created.
func (s *gormStore) Accept(ctx context.Context, p AcceptParams) ([]AcceptResult, error) {
	if len(p.Events) == 0 {
		return nil, nil
	}
	plan, err := planAccept(p, s.nowOr(p.Now))
	if err != nil {
		return nil, fmt.Errorf("accept events: %w", err)
	}
	var out []AcceptResult
	err = s.write(ctx, func(tx *gorm.DB) error {
		var err error
		out, err = plan.apply(tx, s.ps)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("accept events: %w", err)
	}
	return out, nil
}

// acceptPlan is an Accept batch checked and encoded outside the
// transaction. apply may run more than once (a retried transaction), so it
// never changes the plan.
type acceptPlan struct {
	events []eventPlan
	owner  string
	now    int64
	until  int64
}

// eventPlan is one event of the batch.
type eventPlan struct {
	p                    *EventWithRuns
	headers, query, body any // encoded JSON or nil
	// bodyInRaw keeps the body only in raw (Event.BodyIsRaw).
	bodyInRaw bool
	// firstDup is the index of the earlier event of the batch with the
	// same DedupeKey, or -1.
	firstDup int
	runs     []runPlan
}

// runPlan is one run with its steps, statuses decided.
type runPlan struct {
	rc       *RunCreate
	created  int64 // micros
	status   string
	pending  int
	onError  int
	started  any // micros or nil
	finished any
	steps    []stepPlan
	// compact holds the steps of a run finished at Accept as JSON for
	// the run's own row (compactStep); steps is then empty.
	compact any
}

// stepPlan is one step row to insert.
type stepPlan struct {
	id         string
	phase      int
	status     string
	waiting    int
	dependents string
	done       *StepDone // run before the commit
	output     any       // done.Output encoded
}

// planAccept checks and encodes the batch. Events prepared for this
// Owner (EventWithRuns.Prepare) keep their plan.
func planAccept(p AcceptParams, now time.Time) (*acceptPlan, error) {
	plan := &acceptPlan{owner: p.Owner, now: micros(now), until: micros(now.Add(leaseOr(p.Lease)))}
	firstByKey := map[string]int{}
	for i := range p.Events {
		ew := &p.Events[i]
		if ev := ew.Event; ev == nil || ev.ID == "" || ev.ReceivedAt.IsZero() {
			return nil, fmt.Errorf("event %d: ID and ReceivedAt must be set", i)
		}
		var ep eventPlan
		if pre := ew.prepared; pre != nil && pre.owner == p.Owner {
			ep = pre.plan
		} else {
			var err error
			if ep, err = planEvent(ew, p.Owner, plan.now); err != nil {
				return nil, err
			}
		}
		ep.p, ep.firstDup = ew, -1
		if key := ew.Event.DedupeKey; key != "" {
			if j, ok := firstByKey[key]; ok {
				ep.firstDup = j
			} else {
				firstByKey[key] = i
			}
		}
		plan.events = append(plan.events, ep)
	}
	return plan, nil
}

// preparedEvent is the plan of an event made by Prepare.
type preparedEvent struct {
	owner string
	plan  eventPlan
}

// Prepare does the part of Accept that depends only on ew: it checks the
// event and its runs and encodes their JSON. Accept runs in the one
// transaction the batch shares, one batch at a time, so callers that
// prepare their events first, in parallel, keep that work off its path.
// owner must be the Owner of that Accept (otherwise Accept plans ew
// again), and runs that start or finish at Accept are stamped with now
// rather than with the Accept's Now. ew must not change afterwards.
func (ew *EventWithRuns) Prepare(owner string, now time.Time) error {
	ew.prepared = nil
	ep, err := planEvent(ew, owner, micros(now))
	if err != nil {
		return err
	}
	ew.prepared = &preparedEvent{owner: owner, plan: ep}
	return nil
}

// planEvent checks and encodes one event and its runs; owner leases the
// runs' ready steps, and now stamps the runs that start or finish.
func planEvent(ew *EventWithRuns, owner string, now int64) (eventPlan, error) {
	ev := ew.Event
	if ev == nil || ev.ID == "" || ev.ReceivedAt.IsZero() {
		return eventPlan{}, errors.New("event: ID and ReceivedAt must be set")
	}
	ep := eventPlan{p: ew, firstDup: -1}
	var err error
	if ep.headers, err = encodeMap(ev.Headers); err != nil {
		return ep, fmt.Errorf("event %s: encode headers: %w", ev.ID, err)
	}
	if ep.query, err = encodeMap(ev.Query); err != nil {
		return ep, fmt.Errorf("event %s: encode query: %w", ev.ID, err)
	}
	if ep.bodyInRaw = ev.BodyIsRaw && ev.Raw != nil; !ep.bodyInRaw {
		if ep.body, err = encodeJSON(ev.Body); err != nil {
			return ep, fmt.Errorf("event %s: encode body: %w", ev.ID, err)
		}
	}
	for j := range ew.Runs {
		rp, err := planRun(&ew.Runs[j], owner, now)
		if err != nil {
			return ep, fmt.Errorf("event %s: run %s: %w", ev.ID, ew.Runs[j].ID, err)
		}
		ep.runs = append(ep.runs, rp)
	}
	return ep, nil
}

// encodeMap encodes a header or query map as json.Marshal would (keys
// sorted), without its reflection; an empty map is NULL.
func encodeMap(m map[string]string) (any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	size := 2
	for k, v := range m {
		size += len(k) + len(v) + 6
	}
	b, _ := appendSortedMap(make([]byte, 0, size), m, appendStringValue)
	return string(b), nil
}

// planRun decides the initial state of a run and its steps.
func planRun(rc *RunCreate, owner string, now int64) (runPlan, error) {
	rp := runPlan{rc: rc, status: rc.Status, created: now}
	if !rc.CreatedAt.IsZero() {
		rp.created = micros(rc.CreatedAt)
	}
	switch rc.Status {
	case StatusSkipped:
		rp.finished = now
		return rp, nil
	case StatusFailed:
		rp.started, rp.finished = now, now
		return rp, nil
	case "", StatusQueued:
		rp.status = StatusQueued
	default:
		return rp, fmt.Errorf("status %q: want queued, skipped or failed", rc.Status)
	}
	steps, err := planSteps(rc.Steps)
	if err != nil {
		return rp, err
	}
	for _, st := range steps {
		switch {
		case st.done != nil:
			rp.started = now
		case st.phase == 0:
			rp.pending++
		default:
			rp.onError++
		}
	}
	if rp.pending == 0 {
		// Nothing left to do: the run succeeded, and on_error is not
		// needed. Its steps are kept in its own row.
		rp.status, rp.started, rp.finished = StatusSucceeded, now, now
		for i := range steps {
			if steps[i].done == nil {
				steps[i].status = StatusSkipped
			}
		}
		rp.compact, err = compactSteps(steps, now)
		return rp, err
	} else if rp.started != nil {
		rp.status = StatusRunning
	}
	for i := range steps {
		st := &steps[i]
		if st.status != "" {
			continue
		}
		st.status = StatusWaiting
		if st.phase == 0 && st.waiting == 0 {
			st.status = StatusQueued
			if owner != "" {
				st.status, rp.status, rp.started = StatusRunning, StatusRunning, now
			}
		}
	}
	rp.steps = steps
	return rp, nil
}

// compactSteps encodes the steps of a run finished at Accept for its row.
func compactSteps(steps []stepPlan, now int64) (any, error) {
	if len(steps) == 0 {
		return nil, nil
	}
	out := make([]compactStep, len(steps))
	for i, st := range steps {
		out[i] = compactStep{ID: st.id, Phase: st.phase, Status: st.status, Finished: now}
		if d := st.done; d != nil {
			out[i].Attempts, out[i].Started, out[i].Finished = 1, micros(d.Started), micros(d.Finished)
			if s, ok := st.output.(string); ok {
				out[i].Output = json.RawMessage(s)
			}
		}
	}
	return string(appendCompactSteps(nil, out)), nil
}

// planSteps checks a run's step graph and counts, for each step, the steps
// it waits for and those waiting for it.
func planSteps(in []StepCreate) ([]stepPlan, error) {
	index := make(map[string]int, len(in))
	for i, sc := range in {
		if sc.StepID == "" {
			return nil, fmt.Errorf("step %d has no id", i)
		}
		if _, dup := index[sc.StepID]; dup {
			return nil, fmt.Errorf("step %s appears twice", sc.StepID)
		}
		if sc.Phase != 0 && sc.Phase != 1 {
			return nil, fmt.Errorf("step %s: phase %d: want 0 or 1", sc.StepID, sc.Phase)
		}
		index[sc.StepID] = i
	}
	deps := make([][]string, len(in))
	out := make([]stepPlan, len(in))
	for i, sc := range in {
		out[i] = stepPlan{id: sc.StepID, phase: sc.Phase}
		if err := planDone(&out[i], sc); err != nil {
			return nil, err
		}
		for k, need := range sc.Needs {
			j, ok := index[need]
			if !ok || in[j].Phase != sc.Phase || j == i {
				return nil, fmt.Errorf("step %s needs %q, which is not a step of its phase", sc.StepID, need)
			}
			if slices.Contains(sc.Needs[:k], need) {
				continue
			}
			if in[j].Done != nil {
				continue // finished before the commit
			}
			if sc.Done != nil {
				return nil, fmt.Errorf("step %s is done but needs %s, which is not", sc.StepID, need)
			}
			out[i].waiting++
			deps[j] = append(deps[j], sc.StepID)
		}
	}
	for i := range out {
		out[i].dependents = "[]"
		if len(deps[i]) > 0 {
			b, err := json.Marshal(deps[i])
			if err != nil {
				return nil, err
			}
			out[i].dependents = string(b)
		}
	}
	return out, nil
}

// planDone checks and encodes the outcome of a step run before the
// commit.
func planDone(sp *stepPlan, sc StepCreate) error {
	if sc.Done == nil {
		return nil
	}
	d := sc.Done
	if sc.Phase != 0 || (d.Status != StatusSucceeded && d.Status != StatusSkipped) {
		return fmt.Errorf("step %s: done with status %q in phase %d: want succeeded or skipped in phase 0", sc.StepID, d.Status, sc.Phase)
	}
	out, err := encodeJSON(d.Output)
	if err != nil {
		return fmt.Errorf("step %s: encode output: %w", sc.StepID, err)
	}
	sp.done, sp.status, sp.output = d, d.Status, out
	return nil
}

// apply writes the batch and builds the results.
func (plan *acceptPlan) apply(tx *gorm.DB, ps *sqliteStmts) ([]AcceptResult, error) {
	stored, err := plan.insertEvents(tx, ps)
	if err != nil {
		return nil, err
	}
	out := make([]AcceptResult, len(plan.events))
	var runs []*runPlan
	var events []*eventPlan
	for i := range plan.events {
		ep := &plan.events[i]
		id, dup := stored[i].id, stored[i].dup
		if ep.firstDup >= 0 {
			id, dup = stored[ep.firstDup].id, true
		}
		out[i] = AcceptResult{EventID: id, Duplicate: dup}
		if dup {
			continue
		}
		for j := range ep.runs {
			runs = append(runs, &ep.runs[j])
			events = append(events, ep)
		}
	}
	created, err := plan.insertRuns(tx, ps, runs, events)
	if err != nil {
		return nil, err
	}
	if err := plan.insertSteps(tx, ps, runs, created); err != nil {
		return nil, err
	}
	if err := plan.insertDeliveries(tx, out); err != nil {
		return nil, err
	}
	for i := range plan.events {
		if out[i].Duplicate {
			continue
		}
		for j := range plan.events[i].runs {
			rp := &plan.events[i].runs[j]
			if !created[rp.rc.ID] {
				continue
			}
			out[i].RunIDs = append(out[i].RunIDs, rp.rc.ID)
			out[i].Jobs = append(out[i].Jobs, plan.leasedJobs(rp, out[i].EventID)...)
		}
	}
	return out, nil
}

// leasedJobs returns the jobs of a new run that Accept leased to Owner.
func (plan *acceptPlan) leasedJobs(rp *runPlan, eventID string) []*Job {
	var jobs []*Job
	for _, st := range rp.steps {
		if st.status == StatusRunning {
			jobs = append(jobs, &Job{
				RunID: rp.rc.ID, StepID: st.id, Phase: st.phase, Attempt: 1,
				Workflow: rp.rc.Workflow, Version: rp.rc.Version, EventID: eventID, Owner: plan.owner,
			})
		}
	}
	return jobs
}

// storedEvent says what became of one event of the batch in the database.
type storedEvent struct {
	id  string // the stored event's id
	dup bool   // another event with the same DedupeKey was stored
}

// insertEvents inserts the events that are not batch duplicates and
// resolves those that were stored already (by ID: a re-dispatch; by
// DedupeKey: a duplicate).
func (plan *acceptPlan) insertEvents(tx *gorm.DB, ps *sqliteStmts) ([]storedEvent, error) {
	var todo []*eventPlan
	for i := range plan.events {
		if plan.events[i].firstDup < 0 {
			todo = append(todo, &plan.events[i])
		}
	}
	// The same order in every transaction keeps PostgreSQL's unique-index
	// waits between concurrent batches from deadlocking.
	slices.SortFunc(todo, func(a, b *eventPlan) int {
		return cmpStrings(a.p.Event.DedupeKey, b.p.Event.DedupeKey, a.p.Event.ID, b.p.Event.ID)
	})
	inserted := make(map[string]bool, len(todo))
	if st := ps.on(tx, func(ps *sqliteStmts) *sql.Stmt { return ps.insEvent }); st != nil {
		ctx := rowCtx(tx)
		for _, ep := range todo {
			ev := ep.p.Event
			ok, err := insertedRow(ctx, st, ev.ID, ev.Type, ev.Method, ev.Path, ep.headers, ep.query, ep.body,
				rawBytes(ev.Raw), micros(ev.ReceivedAt), nullString(ev.DedupeKey), flag(ep.bodyInRaw))
			if err != nil {
				return nil, fmt.Errorf("insert events: %w", err)
			}
			inserted[ev.ID] = ok
		}
		return plan.resolveEvents(tx, inserted)
	}
	err := chunks(todo, 500, func(part []*eventPlan) error {
		q := newQuery(`INSERT INTO events (id, type, method, path, headers, query, body, raw, received_at, dedupe_key, body_in_raw) VALUES `)
		for _, ep := range part {
			ev := ep.p.Event
			q.row(ev.ID, ev.Type, ev.Method, ev.Path, ep.headers, ep.query, ep.body,
				rawBytes(ev.Raw), micros(ev.ReceivedAt), nullString(ev.DedupeKey), flag(ep.bodyInRaw))
		}
		q.sql(` ON CONFLICT DO NOTHING RETURNING id`)
		return q.scanAll(tx, func(rows *sql.Rows) error {
			var id string
			err := rows.Scan(&id)
			inserted[id] = true
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("insert events: %w", err)
	}
	return plan.resolveEvents(tx, inserted)
}

// insertedRow runs a prepared INSERT … ON CONFLICT DO NOTHING and reports
// whether it inserted its row.
func insertedRow(ctx context.Context, st *sql.Stmt, args ...any) (bool, error) {
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// resolveEvents finds, for each event that was not inserted, the stored
// event it collided with.
func (plan *acceptPlan) resolveEvents(tx *gorm.DB, inserted map[string]bool) ([]storedEvent, error) {
	out := make([]storedEvent, len(plan.events))
	var ids, keys []string
	for i := range plan.events {
		ev := plan.events[i].p.Event
		out[i].id = ev.ID
		if plan.events[i].firstDup < 0 && !inserted[ev.ID] {
			ids = append(ids, ev.ID)
			if ev.DedupeKey != "" {
				keys = append(keys, ev.DedupeKey)
			}
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	byID, byKey := map[string]bool{}, map[string]string{}
	err := chunks(ids, 500, func(part []string) error {
		return newQuery(`SELECT id FROM events WHERE id IN `).list(part).scanAll(tx, func(rows *sql.Rows) error {
			var id string
			err := rows.Scan(&id)
			byID[id] = true
			return err
		})
	})
	if err == nil {
		err = chunks(keys, 500, func(part []string) error {
			q := newQuery(`SELECT id, dedupe_key FROM events WHERE dedupe_key IS NOT NULL AND dedupe_key IN `).list(part)
			return q.scanAll(tx, func(rows *sql.Rows) error {
				var id, key string
				err := rows.Scan(&id, &key)
				byKey[key] = id
				return err
			})
		})
	}
	if err != nil {
		return nil, fmt.Errorf("look up stored events: %w", err)
	}
	for i := range plan.events {
		ev := plan.events[i].p.Event
		if plan.events[i].firstDup >= 0 || inserted[ev.ID] || byID[ev.ID] {
			continue
		}
		first, ok := byKey[ev.DedupeKey]
		if !ok {
			return nil, fmt.Errorf("event %s was neither stored nor found", ev.ID)
		}
		out[i] = storedEvent{id: first, dup: true}
	}
	return out, nil
}

// insertRuns inserts runs whose (event, workflow) pair is new and returns
// the ids of those it created.
func (plan *acceptPlan) insertRuns(tx *gorm.DB, stmts *sqliteStmts, runs []*runPlan, events []*eventPlan) (map[string]bool, error) {
	created := make(map[string]bool, len(runs))
	type pair struct {
		r *runPlan
		e *eventPlan
	}
	ps := make([]pair, len(runs))
	for i := range runs {
		ps[i] = pair{runs[i], events[i]}
	}
	slices.SortFunc(ps, func(a, b pair) int {
		return cmpStrings(a.e.p.Event.ID, b.e.p.Event.ID, a.r.rc.Workflow, b.r.rc.Workflow)
	})
	if st := stmts.on(tx, func(ps *sqliteStmts) *sql.Stmt { return ps.insRun }); st != nil {
		ctx := rowCtx(tx)
		for _, p := range ps {
			rc := p.r.rc
			ok, err := insertedRow(ctx, st, rc.ID, p.e.p.Event.ID, rc.Workflow, rc.Version, p.r.status, p.r.pending,
				p.r.onError, rc.ReplayOf, rc.Error, flag(p.r.status == StatusFailed), p.r.created, p.r.started, p.r.finished, p.r.compact)
			if err != nil {
				return nil, fmt.Errorf("insert runs: %w", err)
			}
			created[rc.ID] = ok
		}
		return created, nil
	}
	err := chunks(ps, 500, func(part []pair) error {
		q := newQuery(`INSERT INTO runs (id, event_id, workflow, version, status, pending, on_error, replay_of, error, failed, created_at, started_at, finished_at, steps) VALUES `)
		for _, p := range part {
			rc := p.r.rc
			q.row(rc.ID, p.e.p.Event.ID, rc.Workflow, rc.Version, p.r.status, p.r.pending,
				p.r.onError, rc.ReplayOf, rc.Error, flag(p.r.status == StatusFailed), p.r.created, p.r.started, p.r.finished, p.r.compact)
		}
		q.sql(` ON CONFLICT DO NOTHING RETURNING id`)
		return q.scanAll(tx, func(rows *sql.Rows) error {
			var id string
			err := rows.Scan(&id)
			created[id] = true
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("insert runs: %w", err)
	}
	return created, nil
}

// insertSteps inserts the steps of the created runs.
func (plan *acceptPlan) insertSteps(tx *gorm.DB, ps *sqliteStmts, runs []*runPlan, created map[string]bool) error {
	type stepRef struct {
		r   *runPlan
		seq int
	}
	var refs []stepRef
	for _, rp := range runs {
		if created[rp.rc.ID] {
			for i := range rp.steps {
				refs = append(refs, stepRef{rp, i})
			}
		}
	}
	st := ps.on(tx, func(ps *sqliteStmts) *sql.Stmt { return ps.insStep })
	err := chunks(refs, 500, func(part []stepRef) error {
		if st != nil {
			for _, ref := range part {
				if _, err := st.ExecContext(rowCtx(tx), plan.stepRow(ref.r, ref.seq)...); err != nil {
					return err
				}
			}
			return nil
		}
		q := newQuery(`INSERT INTO steps (run_id, step_id, seq, phase, status, waiting, dependents, attempts, run_at, lease_owner, lease_until, started_at, finished_at, output) VALUES `)
		for _, ref := range part {
			q.row(plan.stepRow(ref.r, ref.seq)...)
		}
		return q.execErr(tx)
	})
	if err != nil {
		return fmt.Errorf("insert steps: %w", err)
	}
	return nil
}

// stepRow returns the values of the steps row of rp's step seq.
func (plan *acceptPlan) stepRow(rp *runPlan, seq int) []any {
	st := &rp.steps[seq]
	var attempts int
	var owner string
	var until, started, finished any
	switch {
	case st.done != nil:
		attempts, started, finished = 1, micros(st.done.Started), micros(st.done.Finished)
	case st.status == StatusRunning:
		attempts, owner, until, started = 1, plan.owner, plan.until, plan.now
	case st.status == StatusSkipped:
		finished = plan.now
	}
	return []any{rp.rc.ID, st.id, seq, st.phase, st.status, st.waiting, st.dependents,
		attempts, plan.now, owner, until, started, finished, st.output}
}

// insertDeliveries inserts the deliveries of the events that are not
// duplicates. A delivery created with an Owner is leased to it at once,
// its first attempt counted.
func (plan *acceptPlan) insertDeliveries(tx *gorm.DB, out []AcceptResult) error {
	type ref struct {
		ev *eventPlan
		dc *DeliveryCreate
	}
	var refs []ref
	for i := range plan.events {
		if out[i].Duplicate {
			continue
		}
		ep := &plan.events[i]
		for j := range ep.p.Deliveries {
			refs = append(refs, ref{ep, &ep.p.Deliveries[j]})
		}
	}
	err := chunks(refs, 500, func(part []ref) error {
		q := newQuery(`INSERT INTO deliveries (id, subscription_id, event_id, event_type, status, attempts, run_at, lease_owner, lease_until, created_at) VALUES `)
		for _, r := range part {
			attempts, until := 0, any(nil)
			if r.dc.Owner != "" {
				attempts, until = 1, plan.until
			}
			ev := r.ev.p.Event
			q.row(r.dc.ID, r.dc.SubscriptionID, ev.ID, ev.Type, DeliveryPending, attempts, plan.now, r.dc.Owner, until, plan.now)
		}
		return q.sql(` ON CONFLICT DO NOTHING`).execErr(tx)
	})
	if err != nil {
		return fmt.Errorf("insert deliveries: %w", err)
	}
	return nil
}

// rawBytes stores a nil body as NULL and anything else as bytes.
func rawBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// nullString stores "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// cmpStrings orders by a then b.
func cmpStrings(a1, a2, b1, b2 string) int {
	if a1 != a2 {
		if a1 < a2 {
			return -1
		}
		return 1
	}
	switch {
	case b1 < b2:
		return -1
	case b1 > b2:
		return 1
	}
	return 0
}
