// Package run is hookflow's executor. It turns accepted events into durable
// runs and drives each run's steps to the end:
//
//   - Dispatch stores an event and one run per target workflow (its filter
//     evaluated first) through a group-commit writer, so many concurrent
//     callers share one transaction, and returns only after the commit.
//     Steps of Inline actions (transform, log) whose needs allow run before
//     that commit, and are stored finished with it (inline.go).
//   - Workers execute leased steps: evaluate the step's if:, foreach and
//     with:, call the action with a timeout, turn a panic into a failed
//     step, record every attempt, and decide done, retry or failed.
//   - A completer gathers outcomes for about a millisecond and commits them
//     together with the steps they make ready, which come back already
//     leased to this node: a chained step needs no extra claim.
//   - A claimer picks up queued work (retries that came due, runs of other
//     nodes, work rescued from a crashed node), a heartbeat extends this
//     node's leases, and a rescuer re-queues steps whose lease expired.
//
// The store is the truth: every state change is committed before it is acted
// on, and a restarted engine resumes from the store alone.
package run
