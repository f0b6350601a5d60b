// Package expr compiles and evaluates hookflow expressions: the `if:`
// filters and the `${{ … }}` templates inside workflow values. Everything is
// compiled once, when a workflow version loads; evaluation never parses.
//
// Expressions are github.com/expr-lang/expr expressions, compiled against a
// typed environment. They see these names:
//
//	event   id, type, method, path, headers (lower-case keys), query, body,
//	        raw (the body as a string), received_at
//	vars    the workflow's vars
//	env     the server's environment, less HOOKFLOW_* variables
//	steps   steps.ID: status, output, error, attempts
//	run     id, workflow, version, error
//	item    the current item, inside foreach only (Options.Foreach)
//	index   the current item's index, inside foreach only
//
// An unknown name, an unknown field of event, run or steps.ID, item or
// index outside foreach, and a header name with capitals
// (event.headers["Content-Type"]) are compile errors, with a suggestion
// when a name is close. Below event.body, vars.X and steps.ID.output,
// values are dynamic. Steps are read with constant ids only (steps.fetch,
// steps["fetch"]), so that Program.Refs can tell which steps an expression
// needs; steps[x] and steps on its own are compile errors.
//
// Functions are expr's builtins plus hookflow's helpers, listed with their
// documentation by Functions: now (whose clock Env.Now replaces in tests),
// toJSON (compact, replacing expr's indented one), fromJSON, hmacSHA256,
// sha256, base64Encode, base64Decode and uuid. expr's repeat, join,
// replace, string, concat and flatten are replaced by versions that check
// the memory budget before they allocate; every other builtin, predicates
// with their shorthand (`any(steps.inventory.output, .body.stock < 5)`)
// included, works as expr documents it.
//
// # Limits
//
// A hostile expression cannot exhaust the process. Its source is at most
// MaxSourceLen bytes and MaxNodes syntax nodes. One evaluation may create
// about MaxElements list elements, map entries and range items (expr's
// memory budget), produce MaxBytes of strings, lists and maps through
// operators and functions, and run predicate bodies MaxIterations times.
// Past a limit, evaluation fails with ErrMemoryBudget or ErrIterationBudget.
//
// # Errors
//
// Compile errors are *Error values with the byte offset of the problem in
// the source and a one-sentence message, such as
//
//	unknown name "evnt"; did you mean "event"?
//	unknown field "outptu" of steps.a; did you mean "output"?
//	item is only defined in a foreach step
//	index steps with a step id, like steps.fetch
//	unterminated ${{: missing }}
//
// Evaluation errors read "evaluate SOURCE: MESSAGE", with the source on one
// line; an expression that reads a step missing from Env.Steps fails with
// `step "ID" has not run`. hookflow's own messages (Bool's, the helpers')
// never quote a string's value, which may be a secret; some of expr's
// builtins do (int("abc")), so callers should still redact secrets.
//
// # Speed
//
// A program runs on a pooled VM with a pooled environment view, and reads
// JSON objects without reflection, so a typical `if:` such as
// `event.body.type == "purchase" && event.body.total > 0`, and a whole
// value such as "${{ event.body.customer }}", allocate nothing (see
// BenchmarkIfFilter and TestAllocations).
package expr
