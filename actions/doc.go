// Package actions holds the built-in actions that a step names with uses:.
//
// Every action is one file with its test, written to one template:
//
//   - a parameter struct (HTTPParams, LogParams, …) declared once, whose
//     fields carry `json`, `doc`, and where they apply `required`, `enum`
//     and `default` tags; validation, the JSON Schema, the editor and the
//     docs are generated from it;
//   - a constructor taking Deps and returning an engine.Definition;
//   - an unexported type with the Run method, followed by an interface
//     guard (var _ engine.Action = …).
//
// Registry builds the registry of all of them, one line per action. Actions
// get their decoded parameters as step.Params (a pointer to the struct), tell
// the executor whether to retry through engine.Permanent and
// engine.RetryAfter, and record what they send with step.Observe.
//
// Outgoing HTTP goes through one client (NewHTTPClient), shared through
// Deps, and every HTTP outcome is classified by engine.CheckResponse and
// engine.CheckTransportError.
package actions
