// Package store keeps hookflow's durable state: events, runs, steps (which
// are also the job queue), attempts and workflow versions. The Store
// interface is the only way the rest of the engine touches the database; the
// gorm implementation serves SQLite (one node) and PostgreSQL (several
// nodes), and one conformance suite runs against both.
//
// A run's steps are rows that double as jobs. A step row is created with the
// run, "waiting" until every step it needs is terminal, then "queued"; a
// worker claims it ("running", with a lease), and Complete records the
// outcome, decrements the waiting count of its dependents, queues those that
// reach zero (or skips them when a failure blocks them), and finishes the run
// when nothing is left. All of that happens in one transaction per batch of
// completions, so a crash at any point leaves a state that the next start
// resumes from: a finished step is never repeated, a running step whose lease
// expired is queued again, and a finished run or step never changes.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/hookflow/hookflow/engine"
)

// ErrNotFound is returned (wrapped) when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// Run statuses. A step's status is one of these too, or StatusWaiting.
const (
	StatusWaiting   = "waiting" // a step whose needs are not all finished
	StatusQueued    = "queued"
	StatusRunning   = "running"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	StatusSkipped   = "skipped"
	StatusCancelled = "cancelled"
)

// Store is hookflow's durable state. Every method is safe for concurrent
// use. Methods that take a slice do all their work in one transaction.
type Store interface {
	// Accept stores events and the runs they start, each event with its
	// runs in the same transaction as the rest of the batch. An event whose
	// DedupeKey is already stored (or appears earlier in the batch) is not
	// stored again: its result has Duplicate set and the first event's id,
	// and none of its runs are created. A run whose (event, workflow) pair
	// exists is not created again. When Owner is set, steps that are ready
	// at once are created already leased to Owner and returned as jobs.
	Accept(ctx context.Context, p AcceptParams) ([]AcceptResult, error)

	// JobClaim leases up to Limit queued steps whose RunAt has come, oldest
	// first, to Owner until Now+Lease, counts an attempt on each, and marks
	// their runs running. On PostgreSQL it uses FOR UPDATE SKIP LOCKED so
	// nodes never claim the same step.
	JobClaim(ctx context.Context, p JobClaimParams) ([]*Job, error)
	// JobExtend moves the lease of every step running under Owner to Until.
	JobExtend(ctx context.Context, owner string, until time.Time) error
	// JobComplete records outcomes in one transaction (see Completion) and
	// returns the steps that became ready, leased to Owner when set. A
	// completion whose step is no longer running under that owner and
	// attempt (its lease expired and it was taken over, or the run was
	// cancelled) is dropped silently: recovery never changes a finished
	// step.
	JobComplete(ctx context.Context, p JobCompleteParams) ([]*Job, error)
	// JobRescue queues again every running step whose lease ended before
	// Now (or, with AnyOwnerBut set, every running step not leased to that
	// owner: a single-node SQLite store does this at start). It returns how
	// many it queued.
	JobRescue(ctx context.Context, p JobRescueParams) (int, error)

	// EventGet returns one event, Raw included.
	EventGet(ctx context.Context, id string) (*engine.Event, error)
	// RunGet returns one run.
	RunGet(ctx context.Context, id string) (*Run, error)
	// RunList returns runs newest first, filtered, with a cursor for the
	// next page ("" on the last page).
	RunList(ctx context.Context, p RunListParams) ([]*Run, string, error)
	// StepList returns the steps of a run in workflow order, phase 0 first.
	StepList(ctx context.Context, runID string) ([]*StepRecord, error)
	// AttemptList returns the attempts of a run in the order they started.
	AttemptList(ctx context.Context, runID string) ([]*AttemptRecord, error)
	// RunCancel marks a run cancelled unless it has finished: its waiting
	// and queued steps become cancelled; running ones finish, but start
	// nothing more. It reports whether the run was changed.
	RunCancel(ctx context.Context, runID string) (bool, error)

	// VersionSave stores a workflow's source as a new version unless it is
	// identical to the latest one, and returns the version number (1, 2, …).
	VersionSave(ctx context.Context, workflow string, source []byte) (int, error)
	// VersionList returns a workflow's versions, newest first.
	VersionList(ctx context.Context, workflow string) ([]*Version, error)
	// VersionGet returns one version with its source.
	VersionGet(ctx context.Context, workflow string, version int) (*Version, error)

	// EventList returns events newest first (by receipt, then id), without
	// Raw, with a cursor for the next page ("" on the last page).
	EventList(ctx context.Context, p EventListParams) ([]*engine.Event, string, error)
	// RunsOfEvent returns the runs an event started, oldest first.
	RunsOfEvent(ctx context.Context, eventID string) ([]*Run, error)

	// KVGet returns the value stored under namespace and key, unless it
	// is missing or its ttl ran out by now.
	KVGet(ctx context.Context, p KVKey, now time.Time) (any, bool, error)
	// KVSet stores a JSON value; ttl 0 keeps it until deleted.
	KVSet(ctx context.Context, p KVKey, value any, ttl time.Duration, now time.Time) error
	// KVIncr adds by to the number stored under the key (a missing or
	// expired key counts as 0) atomically, even under concurrent runs and
	// nodes, and returns the new value. A value that is not a number is an
	// error. ttl > 0 sets a new expiry; 0 keeps the key's.
	KVIncr(ctx context.Context, p KVKey, by float64, ttl time.Duration, now time.Time) (float64, error)
	// KVDelete removes a key and reports whether it was there.
	KVDelete(ctx context.Context, p KVKey) (bool, error)

	// Prune deletes, in one small batch of at most Limit runs, finished
	// runs created before Before with their steps and attempts, then
	// events received before Before that no longer have runs, then expired
	// keys. It returns how many runs and events it deleted; callers loop
	// until 0, so ingest never waits long.
	Prune(ctx context.Context, p PruneParams) (int, error)

	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// AcceptParams is a batch of events to store.
type AcceptParams struct {
	Events []EventWithRuns
	// Owner and Lease, when Owner is set, lease the steps that are ready
	// at once to Owner, so the accepting node runs them without a claim.
	Owner string
	Lease time.Duration
	Now   time.Time
}

// EventWithRuns is one event and the runs it starts.
type EventWithRuns struct {
	Event *engine.Event // ID and ReceivedAt must be set
	Runs  []RunCreate
}

// RunCreate describes a new run and all its steps.
type RunCreate struct {
	ID       string
	Workflow string
	Version  int
	// Status is StatusQueued, or StatusSkipped when the filter said no (then
	// Steps is empty and the run is finished at once).
	Status string
	// ReplayOf names the run this one replays, if any. Runs are unique per
	// (event, workflow, ReplayOf): re-dispatching an event never makes a
	// second run, while each replay of a run makes one new run.
	ReplayOf string
	// Steps are phase-0 steps (the workflow's steps) then phase-1 steps
	// (on_error), each with the ids it needs within its own phase.
	Steps []StepCreate
}

// StepCreate is one step of a new run.
type StepCreate struct {
	StepID string
	Phase  int // 0: steps, 1: on_error
	Needs  []string
}

// AcceptResult says what happened to one event of the batch.
type AcceptResult struct {
	EventID   string
	Duplicate bool
	// RunIDs are the runs created (empty for a duplicate).
	RunIDs []string
	// Jobs are the steps leased to Owner.
	Jobs []*Job
}

// Job is a step leased to a worker.
type Job struct {
	RunID    string
	StepID   string
	Phase    int
	Attempt  int // counts from 1, includes this one
	Workflow string
	Version  int
	EventID  string
	// Output is what an earlier attempt left (a foreach step's finished
	// items); nil on a first attempt.
	Output any
	Owner  string
}

// JobClaimParams says who claims how many jobs.
type JobClaimParams struct {
	Owner string
	Limit int
	Lease time.Duration
	Now   time.Time
}

// JobCompleteParams is a batch of outcomes.
type JobCompleteParams struct {
	Completions []Completion
	// Owner and Lease, when Owner is set, lease the steps made ready to
	// Owner and return them.
	Owner string
	Lease time.Duration
	Now   time.Time
}

// Completion is the outcome of one attempt of one job.
//
// Status StatusSucceeded, StatusFailed or StatusSkipped finish the step:
// its dependents' waiting counts drop by one; a dependent that reaches zero
// is queued, or skipped (and blocks its own dependents in turn) when any
// step it needs blocked. When the last step of a phase finishes: in phase 0
// a run that failed and has phase-1 steps moves to phase 1 and queues them;
// otherwise the run finishes, failed when any completion set FailsRun, and
// its unused phase-1 steps become skipped.
//
// Status StatusQueued schedules another attempt at RunAt and keeps Output
// (partial foreach results) for it.
type Completion struct {
	RunID   string
	StepID  string
	Attempt int // the attempt this completes; a mismatch drops it
	Owner   string
	Status  string
	Output  any // stored as JSON
	Error   string
	RunAt   time.Time // for StatusQueued
	// Blocks skips the steps that need this one (a failure without
	// continue_on_error).
	Blocks bool
	// FailsRun marks the run failed; RunError is the run's error when it
	// is the first.
	FailsRun bool
	RunError string
	Started  time.Time
	Finished time.Time
	// Attempts are the records of this attempt (one per foreach item, or
	// one for a plain step).
	Attempts []*AttemptRecord
}

// JobRescueParams says which expired leases to queue again.
type JobRescueParams struct {
	Now         time.Time
	AnyOwnerBut string
}

// Run is a stored run.
type Run struct {
	ID         string     `json:"id"`
	EventID    string     `json:"event_id"`
	Workflow   string     `json:"workflow"`
	Version    int        `json:"version"`
	Status     string     `json:"status"`
	Phase      int        `json:"phase"`
	Error      string     `json:"error,omitempty"`
	ReplayOf   string     `json:"replay_of,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// RunListParams filters a run list.
type RunListParams struct {
	Workflow string
	Status   string
	Since    time.Time // zero: no lower bound
	Until    time.Time // zero: no upper bound
	Limit    int       // default 50, at most 500
	Cursor   string
}

// EventListParams filters an event list.
type EventListParams struct {
	Type   string
	Limit  int // default 50, at most 500
	Cursor string
}

// KVKey names a value of the key-value state.
type KVKey struct {
	Namespace string
	Key       string
}

// PruneParams says what is old enough to delete.
type PruneParams struct {
	Before time.Time
	Limit  int // runs per batch; default 500
	Now    time.Time
}

// StepRecord is a stored step.
type StepRecord struct {
	RunID      string     `json:"run_id"`
	StepID     string     `json:"id"`
	Phase      int        `json:"phase"`
	Status     string     `json:"status"`
	Output     any        `json:"output,omitempty"`
	Error      string     `json:"error,omitempty"`
	Attempts   int        `json:"attempts"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// AttemptRecord is one attempt of one step (or foreach item).
type AttemptRecord struct {
	RunID      string            `json:"run_id"`
	StepID     string            `json:"step_id"`
	Item       int               `json:"item"` // -1 without foreach
	Attempt    int               `json:"attempt"`
	StartedAt  time.Time         `json:"started_at"`
	DurationMS int64             `json:"duration_ms"`
	Error      string            `json:"error,omitempty"`
	Exchanges  []engine.Exchange `json:"exchanges,omitempty"`
}

// Version is one stored version of a workflow.
type Version struct {
	Workflow  string    `json:"workflow"`
	Version   int       `json:"version"`
	Source    string    `json:"source,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}
