// Package engine holds the core types that every other part of hookflow
// shares: the Event that a trigger produces, the Action interface that every
// step implements, the Registry of actions, and the typed errors (Permanent,
// RetryAfter) through which an action tells the executor whether and when to
// try again.
//
// The dependency rule: engine and its sub-packages import neither actions,
// triggers nor server. Actions and triggers import engine; only server wires
// everything together.
package engine
