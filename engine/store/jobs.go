package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// JobClaim leases up to Limit queued steps (see Store). Lease defaults to
// 30s and Now to the store's clock.
func (s *gormStore) JobClaim(ctx context.Context, p JobClaimParams) ([]*Job, error) {
	if p.Owner == "" {
		return nil, errors.New("claim jobs: owner is empty")
	}
	if p.Limit <= 0 {
		return nil, nil
	}
	now := s.nowOr(p.Now)
	until := now.Add(leaseOr(p.Lease))
	var jobs []*Job
	err := s.write(ctx, func(tx *gorm.DB) error {
		var err error
		jobs, err = s.claim(tx, p.Owner, micros(until), micros(now), p.Limit)
		if err != nil || len(jobs) == 0 {
			return err
		}
		return startRuns(tx, jobs, micros(now))
	})
	if err != nil {
		return nil, fmt.Errorf("claim jobs: %w", err)
	}
	return jobs, nil
}

// claim leases queued steps and returns them oldest first, without their
// runs' details.
func (s *gormStore) claim(tx *gorm.DB, owner string, until, now int64, limit int) ([]*Job, error) {
	type claimed struct {
		job   *Job
		runAt int64
	}
	var cs []claimed
	err := newQuery(s.d.claimSQL(), owner, until, now, limit).scanAll(tx, func(rows *sql.Rows) error {
		j := &Job{Owner: owner}
		var out sql.NullString
		var runAt int64
		if err := rows.Scan(&j.RunID, &j.StepID, &j.Phase, &j.Attempt, &out, &runAt); err != nil {
			return err
		}
		if err := decodeInto(out, &j.Output); err != nil {
			return fmt.Errorf("decode output of step %s: %w", j.StepID, err)
		}
		cs = append(cs, claimed{j, runAt})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("lease steps: %w", err)
	}
	slices.SortFunc(cs, func(a, b claimed) int {
		return cmp.Or(cmp.Compare(a.runAt, b.runAt), cmpStrings(a.job.RunID, b.job.RunID, a.job.StepID, b.job.StepID))
	})
	jobs := make([]*Job, len(cs))
	for i := range cs {
		jobs[i] = cs[i].job
	}
	return jobs, nil
}

// startRuns marks the runs of jobs running (those still queued) and fills
// in the jobs' run details.
func startRuns(tx *gorm.DB, jobs []*Job, now int64) error {
	ids := runIDs(jobs)
	err := chunks(ids, 500, func(part []string) error {
		return newQuery(`UPDATE runs SET status = 'running', started_at = $1 WHERE status = 'queued' AND id IN `, now).
			list(part).execErr(tx)
	})
	if err != nil {
		return fmt.Errorf("start runs: %w", err)
	}
	runs, err := loadRuns(tx, ids, "")
	if err != nil {
		return err
	}
	return fillJobs(jobs, runs)
}

// runInfo is what a transaction needs to know about a run.
type runInfo struct {
	status   string
	workflow string
	version  int
	eventID  string
}

// active reports whether the run may still start steps.
func (r *runInfo) active() bool {
	return r.status == StatusQueued || r.status == StatusRunning
}

// loadRuns reads runs by id; ids must be sorted. lock is appended to the
// SELECT (the dialect's lockRows), which then locks the runs in id order.
func loadRuns(tx *gorm.DB, ids []string, lock string) (map[string]*runInfo, error) {
	runs := make(map[string]*runInfo, len(ids))
	err := chunks(ids, 500, func(part []string) error {
		q := newQuery(`SELECT id, status, workflow, version, event_id FROM runs WHERE id IN `).list(part).sql(` ORDER BY id` + lock)
		return q.scanAll(tx, func(rows *sql.Rows) error {
			var id string
			r := &runInfo{}
			err := rows.Scan(&id, &r.status, &r.workflow, &r.version, &r.eventID)
			runs[id] = r
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("load runs: %w", err)
	}
	return runs, nil
}

// fillJobs copies the run details into jobs.
func fillJobs(jobs []*Job, runs map[string]*runInfo) error {
	for _, j := range jobs {
		r, ok := runs[j.RunID]
		if !ok {
			return fmt.Errorf("run %s of step %s: %w", j.RunID, j.StepID, ErrNotFound)
		}
		j.Workflow, j.Version, j.EventID = r.workflow, r.version, r.eventID
	}
	return nil
}

// runIDs returns the distinct run ids of jobs, sorted.
func runIDs(jobs []*Job) []string {
	ids := make([]string, 0, len(jobs))
	for _, j := range jobs {
		ids = append(ids, j.RunID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// JobExtend moves the lease of every step running under owner to until.
func (s *gormStore) JobExtend(ctx context.Context, owner string, until time.Time) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		return newQuery(`UPDATE steps SET lease_until = $1
WHERE lease_until IS NOT NULL AND status = 'running' AND lease_owner = $2`,
			micros(until), owner).execErr(tx)
	})
	if err != nil {
		return fmt.Errorf("extend leases of %s: %w", owner, err)
	}
	return nil
}

// JobRescue queues again the running steps whose lease ended before Now,
// or, with AnyOwnerBut, those leased to anyone else. A rescued step of a
// cancelled run is cancelled instead (and not counted).
func (s *gormStore) JobRescue(ctx context.Context, p JobRescueParams) (int, error) {
	now := micros(s.nowOr(p.Now))
	cond, arg := `lease_until < $2`, any(now)
	if p.AnyOwnerBut != "" {
		cond, arg = `lease_owner <> $2`, p.AnyOwnerBut
	}
	var n int64
	err := s.write(ctx, func(tx *gorm.DB) error {
		err := newQuery(`UPDATE steps SET status = 'cancelled', finished_at = $1, lease_owner = '', lease_until = NULL
WHERE lease_until IS NOT NULL AND status = 'running' AND `+cond+` AND EXISTS (SELECT 1 FROM runs WHERE runs.id = steps.run_id AND runs.status = 'cancelled')`,
			now, arg).execErr(tx)
		if err != nil {
			return err
		}
		n, err = newQuery(`UPDATE steps SET status = 'queued', run_at = $1, lease_owner = '', lease_until = NULL
WHERE lease_until IS NOT NULL AND status = 'running' AND `+cond, now, arg).exec(tx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("rescue jobs: %w", err)
	}
	if n > 0 {
		s.log.InfoContext(ctx, "rescued jobs", "count", n)
	}
	return int(n), nil
}

// RunCancel cancels a run that has not finished (see Store).
func (s *gormStore) RunCancel(ctx context.Context, runID string) (bool, error) {
	now := micros(s.now())
	var changed bool
	err := s.write(ctx, func(tx *gorm.DB) error {
		n, err := newQuery(`UPDATE runs SET status = 'cancelled', finished_at = $1
WHERE id = $2 AND status IN ('queued', 'running')`, now, runID).exec(tx)
		if err != nil {
			return err
		}
		if changed = n > 0; !changed {
			var found int64
			err := tx.Raw(`SELECT COUNT(*) FROM runs WHERE id = $1`, runID).Scan(&found).Error
			if err == nil && found == 0 {
				err = ErrNotFound
			}
			return err
		}
		return newQuery(`UPDATE steps SET status = 'cancelled', finished_at = $1
WHERE run_id = $2 AND status IN ('waiting', 'queued')`, now, runID).execErr(tx)
	})
	if err != nil {
		return false, fmt.Errorf("cancel run %s: %w", runID, err)
	}
	return changed, nil
}
