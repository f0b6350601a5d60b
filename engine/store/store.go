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
//
// Steps the engine ran before the commit (StepCreate.Done) are stored
// finished at Accept, and a run whose steps all finished that way keeps them
// in its own row (the runs.steps column) rather than as rows of steps.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/hookflow/hookflow/engine"
)

// ErrNotFound is returned (wrapped) when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// ErrBadCursor is returned (wrapped) when a list's cursor is not one the
// list gave.
var ErrBadCursor = errors.New("bad cursor")

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
//
// Event and run ids are engine.NewID of the event's ReceivedAt and the
// run's CreatedAt: UUIDv7s that sort as those times do. Lists of events
// and runs are ordered by id, and time ranges (RunList's Since and Until,
// Prune's Before) are found by the ids' time prefix, so that neither table
// needs an index on its time column, which every Accept would write. A
// record whose id does not carry its time is stored, but those lists and
// ranges may place it wrongly.
type Store interface {
	// Accept stores events and the runs they start, each event with its
	// runs in the same transaction as the rest of the batch. An event whose
	// DedupeKey is already stored (or appears earlier in the batch) is not
	// stored again: its result has Duplicate set and the first event's id,
	// and none of its runs or deliveries are created. A run whose (event, workflow) pair
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
	// RunCounts returns how many runs the store holds, by status.
	RunCounts(ctx context.Context) (map[string]int, error)
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

	// SubscriptionStore holds subscriptions, their deliveries and the
	// event types seen.
	SubscriptionStore

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
	// Deliveries are the subscription deliveries of the event, stored in
	// the same transaction (none for a duplicate).
	Deliveries []DeliveryCreate

	prepared *preparedEvent // set by Prepare
}

// RunCreate describes a new run and all its steps.
type RunCreate struct {
	// ID is engine.NewID(CreatedAt), as for events (see Store).
	ID string
	// CreatedAt is when the run was made; zero is the Accept's Now.
	CreatedAt time.Time
	Workflow  string
	Version   int
	// Status is StatusQueued, StatusSkipped when the filter said no, or
	// StatusFailed when the filter could not be evaluated (then Steps is
	// empty and the run is finished at once, with Error).
	Status string
	// Error is the run's error for StatusFailed.
	Error string
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
	// Done, when set, is the outcome of a phase-0 step the engine ran
	// before the commit (a pure, quick step run inline): the step is
	// stored finished, and the steps that need it wait only for the rest.
	// A run whose phase-0 steps are all Done is stored succeeded.
	Done *StepDone
}

// StepDone is the outcome of a step run before its run was stored.
type StepDone struct {
	Status   string // StatusSucceeded or StatusSkipped
	Output   any    // stored as JSON
	Started  time.Time
	Finished time.Time
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

// ErrConflict is returned (wrapped) when a row changed since it was read.
var ErrConflict = errors.New("changed concurrently")

// Delivery statuses: a delivery is pending until an attempt succeeds
// (succeeded) or its attempts are used up or a failure is permanent
// (failed).
const (
	DeliveryPending   = "pending"
	DeliverySucceeded = StatusSucceeded
	DeliveryFailed    = StatusFailed
)

// SubscriptionStore is the part of Store that serves published-event
// subscriptions (SPEC 4). Deliveries are a job queue of their own: Accept
// creates them with their event, DeliveryClaim leases due ones fairly
// across subscriptions, DeliveryComplete records outcomes in batches, and
// DeliveryRescue hands back deliveries whose worker died.
type SubscriptionStore interface {
	// SubscriptionCreate stores a new subscription; ID, CreatedAt and
	// UpdatedAt must be set. Version becomes 1.
	SubscriptionCreate(ctx context.Context, sub *Subscription) error
	// SubscriptionGet returns one subscription, Secret included.
	SubscriptionGet(ctx context.Context, id string) (*Subscription, error)
	// SubscriptionList returns subscriptions newest first, filtered, with
	// a cursor for the next page ("" on the last page).
	SubscriptionList(ctx context.Context, p SubscriptionListParams) ([]*Subscription, string, error)
	// SubscriptionUpdate writes every field of sub but ID, CreatedAt and
	// FailingSince, when the stored Version is still sub.Version (else
	// ErrConflict), and increments Version. Reactivating (Active true)
	// clears the health clock.
	SubscriptionUpdate(ctx context.Context, sub *Subscription) error
	// SubscriptionDelete removes a subscription with its deliveries and
	// their attempts.
	SubscriptionDelete(ctx context.Context, id string) error
	// SubscriptionNoticeDone records that the subscription.disabled event
	// of the deactivation at disabledAt was published.
	SubscriptionNoticeDone(ctx context.Context, id string, disabledAt time.Time) error

	// DeliveryClaim leases up to Limit due pending deliveries of active
	// subscriptions to Owner until Now+Lease, at most PerSubscription of
	// each subscription and none of those in Exclude, oldest first, and
	// counts an attempt on each. Each job carries its subscription and
	// event. On PostgreSQL it uses FOR UPDATE SKIP LOCKED.
	DeliveryClaim(ctx context.Context, p DeliveryClaimParams) ([]*DeliveryJob, error)
	// DeliveryExtend moves the lease of every delivery leased to owner to
	// until.
	DeliveryExtend(ctx context.Context, owner string, until time.Time) error
	// DeliveryComplete records outcomes in one transaction (see
	// DeliveryResult) and returns the subscriptions it deactivated. A
	// result whose delivery is no longer leased to that owner and attempt
	// is dropped.
	DeliveryComplete(ctx context.Context, p DeliveryCompleteParams) ([]*Subscription, error)
	// DeliveryRescue hands back leased deliveries (see
	// DeliveryRescueParams): they become due again and the attempt counted
	// at their claim is taken back. It returns how many it handed back.
	DeliveryRescue(ctx context.Context, p DeliveryRescueParams) (int, error)
	// DeliveryRetry starts a fresh attempt series, due at Now, for the
	// deliveries chosen by p that are not being attempted, and returns how
	// many it restarted.
	DeliveryRetry(ctx context.Context, p DeliveryRetryParams) (int, error)
	// DeliveryGet returns one delivery.
	DeliveryGet(ctx context.Context, id string) (*Delivery, error)
	// DeliveryList returns a subscription's deliveries newest first, with a
	// cursor for the next page ("" on the last page).
	DeliveryList(ctx context.Context, p DeliveryListParams) ([]*Delivery, string, error)
	// DeliveryAttemptList returns a delivery's attempts in order.
	DeliveryAttemptList(ctx context.Context, deliveryID string) ([]*DeliveryAttempt, error)
	// DeliveryPrune deletes, in one batch of at most Limit, deliveries
	// created before Before that are finished (or whose subscription no
	// longer exists) with their attempts, and returns how many it deleted;
	// callers loop until 0.
	DeliveryPrune(ctx context.Context, p PruneParams) (int, error)

	// EventTypeSeen records that an event of type name was published.
	EventTypeSeen(ctx context.Context, name string, now time.Time) error
	// EventTypeList returns the event types seen, by name.
	EventTypeList(ctx context.Context) ([]*EventType, error)
}

// Subscription is a stored subscription: where and how matching published
// events are delivered.
type Subscription struct {
	ID          string
	Name        string
	URL         string
	Method      string
	ContentType string
	MaxAttempts int
	Active      bool
	// Secret signs the deliveries; it never leaves the server.
	Secret      string `json:"-"`
	Events      []string
	Description string
	Headers     map[string]string
	// RateLimit is deliveries per second; 0 means no limit.
	RateLimit float64
	// DisabledReason and DisabledAt say why and when the subscription was
	// deactivated automatically.
	DisabledReason string
	DisabledAt     *time.Time
	// FailingSince is the first failed attempt since the last success.
	FailingSince *time.Time
	// NoticePending is true until the subscription.disabled event of the
	// last deactivation was published.
	NoticePending bool
	// Version counts updates, for optimistic concurrency.
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SubscriptionListParams filters a subscription list.
type SubscriptionListParams struct {
	// Active, when set, keeps the subscriptions in that state;
	// NoticePending keeps those whose subscription.disabled event is not
	// published yet.
	Active        *bool
	NoticePending bool
	Limit         int // default 50, at most 500
	Cursor        string
}

// DeliveryCreate is one delivery of a new event to a subscription.
type DeliveryCreate struct {
	ID             string
	SubscriptionID string
	// Owner, when set, creates the delivery leased to Owner until
	// Now+Lease of the AcceptParams, its first attempt counted, so that
	// Owner attempts it at once (the test endpoint).
	Owner string
}

// Delivery is a stored delivery.
type Delivery struct {
	ID             string
	SubscriptionID string
	EventID        string
	EventType      string
	Status         string
	// Attempts counts the attempts of every series; SeriesAttempts those
	// of the current one. Series counts from 1; each retry starts one.
	Attempts       int
	Series         int
	SeriesAttempts int
	// NextAttemptAt is when a pending delivery is due.
	NextAttemptAt *time.Time
	// InFlight is true while an attempt holds the delivery's lease.
	InFlight bool
	// LastStatus is the HTTP status of the last attempt (0 for none).
	LastStatus int
	Error      string
	CreatedAt  time.Time
	FinishedAt *time.Time
}

// DeliveryAttempt is one recorded attempt of a delivery.
type DeliveryAttempt struct {
	DeliveryID string
	Attempt    int
	Series     int
	StartedAt  time.Time
	DurationMS int64
	// Status is the response's HTTP status, 0 when none came back.
	Status int
	// Response is the response body, cut at MaxResponseBody bytes.
	Response []byte
	Error    string
}

// MaxResponseBody caps the response body kept with an attempt.
const MaxResponseBody = 64 << 10

// DeliveryJob is a delivery leased to a worker.
type DeliveryJob struct {
	ID           string
	Subscription *Subscription
	// Event is the delivered event with Raw; nil when it was deleted.
	Event *engine.Event
	// Attempt is this attempt's number over every series, from 1;
	// SeriesAttempt its number in the current series.
	Attempt       int
	SeriesAttempt int
	Series        int
	Owner         string
}

// DeliveryClaimParams says who claims how many deliveries.
type DeliveryClaimParams struct {
	Owner string
	Limit int
	// PerSubscription caps the deliveries of one subscription in a claim
	// (default 64); Exclude names subscriptions to skip (those whose
	// claimed work is still waiting).
	PerSubscription int
	Exclude         []string
	Lease           time.Duration
	Now             time.Time
}

// DeliveryResult is the outcome of one attempt. Status DeliverySucceeded
// or DeliveryFailed finishes the delivery; DeliveryPending schedules the
// next attempt at RunAt. The attempt is recorded. Healthy (the attempt
// succeeded) resets the subscription's health clock; a failed attempt
// starts it when it is not running, and a subscription whose clock has
// run for DisableAfter, or whose result has Gone set, is deactivated.
type DeliveryResult struct {
	ID             string
	SubscriptionID string
	Attempt        int // the claimed attempt; a mismatch drops the result
	Owner          string
	Status         string
	RunAt          time.Time
	Record         DeliveryAttempt
	Healthy        bool
	// Gone (the endpoint answered 410) deactivates the subscription.
	Gone bool
	// Release hands the delivery back, due at RunAt, without recording
	// an attempt: the attempt counted at the claim is taken back (a worker
	// that dropped work it had not started).
	Release bool
}

// DeliveryCompleteParams is a batch of outcomes.
type DeliveryCompleteParams struct {
	Results []DeliveryResult
	Owner   string // for results without one
	Now     time.Time
	// DisableAfter is how long a subscription may fail before it is
	// deactivated; 0 never deactivates for that reason.
	DisableAfter time.Duration
}

// DeliveryRescueParams chooses the leases to hand back: those that ended
// before Now, or every lease of Owner (a node that stops), or every lease
// not held by AnyOwnerBut (a single-node store at start).
type DeliveryRescueParams struct {
	Now         time.Time
	Owner       string
	AnyOwnerBut string
}

// DeliveryRetryParams chooses deliveries to restart: the one named by ID,
// or the failed deliveries of SubscriptionID created at or after Since.
type DeliveryRetryParams struct {
	ID             string
	SubscriptionID string
	Since          time.Time
	Now            time.Time
}

// DeliveryListParams filters a delivery list.
type DeliveryListParams struct {
	SubscriptionID string
	Status         string
	Limit          int // default 50, at most 500
	Cursor         string
}

// EventType is a published event type that was seen.
type EventType struct {
	Name      string
	FirstSeen time.Time
}
