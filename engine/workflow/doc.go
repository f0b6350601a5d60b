// Package workflow reads workflow files: YAML into the typed model that the
// executor, the triggers and the server use, with a position on every
// value, every problem reported at once, and the JSON Schema of the format.
//
// Parse (and LoadFile, LoadDir, LoadPaths around it) works in stages:
//
//  1. yaml.go, the only file that imports the YAML library, turns the
//     text into nodes that keep their line and column;
//  2. the linter checks every value against the declarations in decl.go
//     (the workflow's own keys) and params.go (each action's with:, from
//     its parameter struct by reflection): unknown keys with a "did you
//     mean", wrong kinds, missing keys, enums, patterns, durations, sizes,
//     cron specs and time zones;
//  3. the builder fills the model with its defaults, compiles every
//     expression with engine/expr and maps expr's offsets back to the
//     file;
//  4. graph.go infers each step's needs from its expressions and reports
//     unknown steps and cycles.
//
// The same declarations generate the JSON Schema (Schema), so validation,
// the schema, the editor's completion and the docs cannot drift apart.
//
// Every Diagnostic carries the file, a 1-based line and column, and a
// lower-case message; Diagnostics are sorted by position and print as
// FILE:LINE:COL: message.
//
// Where the format's contract is silent, this package decides:
//
//   - YAML is read as YAML 1.2: yes, no, on and off are strings. A key
//     that wants true or false refuses them, and messages call them
//     booleans ("retry must be a mapping, not a boolean").
//   - Durations (timeout, retry.delay, retry.max_delay,
//     on.webhook.wait_timeout) are Go duration strings ("30s", "1h30m") or
//     a number of seconds, as engine.Duration decodes them in with:.
//     timeout and wait_timeout must be above zero; delays may be 0.
//   - on.webhook.max_body is a number of bytes or a size: B, K/KB (1000),
//     Ki/KiB (1024), M/MB, Mi/MiB, G/GB, Gi/GiB, any case.
//   - on.webhook.path may start with one slash, which is dropped; parts
//     use letters, digits and . _ ~ -, joined by single slashes.
//   - on.webhook.methods may be written in any case and are upper-cased;
//     an empty list is refused (leave the key out for every method).
//   - verify.header applies only to hmac-sha256; verify.secret is required.
//   - on.schedule and needs may be written as their single item; cron
//     specs have five fields or a descriptor (@hourly, @every 30s); a TZ=
//     prefix is refused in favour of timezone:, and so is "Local".
//   - if: may be wrapped in ${{ }}, as in GitHub Actions; true and false
//     are expressions too.
//   - Keys that are read when the file loads (path, cron, timeout, …)
//     refuse `${{`; vars, with, foreach, verify.secret and verify_token
//     take templates anywhere.
//   - The workflow's if: cannot read steps; on.webhook.dedupe,
//     verify.secret and verify_token cannot read steps or vars (they are
//     evaluated when the request arrives); vars cannot read steps or other
//     vars.
//   - Main steps may neither need nor read on_error steps; on_error steps
//     may read main steps (no need is recorded) and need each other.
//   - Top-level keys starting with "x-" are ignored, as in Compose files:
//     a place for YAML anchors (&defaults) merged with <<.
//   - A file holds one YAML document. Aliases may expand a document to at
//     most 200000 values.
//   - Parse returns no workflow when there is any diagnostic.
//   - LoadDir reads *.yaml and *.yml directly inside the folder, not in
//     sub-folders, skipping names that start with a dot.
package workflow
