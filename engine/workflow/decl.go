package workflow

import (
	"reflect"
	"regexp"
)

// kind is what a declared value must be.
type kind int

const (
	kindAny      kind = iota // anything
	kindString               // a string
	kindBool                 // true or false
	kindInt                  // an integer
	kindNumber               // an integer or a decimal
	kindDuration             // "30s", "5m", or a number of seconds
	kindSize                 // a number of bytes or "512KiB", "2MiB"
	kindExpr                 // a whole expression: a string (or true/false)
	kindMap                  // a mapping with the declared keys
	kindDict                 // a mapping with any keys; each value is elem
	kindList                 // a list; each item is elem
)

// field declares one key of a workflow file, or of an action's with:. The
// same declarations drive validation (lint.go) and the JSON Schema
// (schema.go), as benthos' field specs do, so the two cannot drift apart.
type field struct {
	name     string
	kind     kind
	required bool
	doc      string
	// enum lists the allowed values of a string; enumFold compares them
	// without regard to case, and enumWhat names them in messages
	// ("HTTP method") instead of listing them.
	enum     []string
	enumFold bool
	enumWhat string
	// pattern constrains a string; help says in words what it allows.
	pattern *regexp.Regexp
	help    string
	// keyPattern constrains the keys of a dict, with keyHelp in words.
	keyPattern *regexp.Regexp
	keyHelp    string
	fields     []*field // of a map
	elem       *field   // of a list or dict
	// templ allows a `${{ }}` template anywhere in the value: strings may
	// hold one, and any value may be given as one string that is one.
	templ bool
	// text marks free text, which may hold `${{` without it being read;
	// other strings that are not templ refuse it.
	text bool
	// oneOrList lets a list be written as its single item.
	oneOrList bool
	nonEmpty  bool // lists and strings must not be empty
	positive  bool // durations and sizes must be above zero
	min       *int // the least integer allowed
	// secret marks a value that is never recorded or shown.
	secret bool
	// def is the default, for the schema and the docs.
	def any
	// check runs after the kind checks passed; it returns a message or "".
	check func(n *node) string
	// byAction marks a step's with:, which is declared by the action that
	// uses: names (params.go).
	byAction bool
	// extensions lets a map hold keys starting with "x-", which are
	// ignored: a place for YAML anchors, as in Compose files.
	extensions bool
	// owner names the things a list holds ("step", "test"): each item
	// then starts a new owner in messages (`in step "billing"`).
	owner string
	// goType is the Go type of an action parameter.
	goType reflect.Type
}

// child returns the declaration of key k in a map, or nil.
func (f *field) child(k string) *field {
	for _, c := range f.fields {
		if c.name == k {
			return c
		}
	}
	return nil
}

// names returns the keys of a map declaration.
func (f *field) names() []string {
	out := make([]string, len(f.fields))
	for i, c := range f.fields {
		out[i] = c.name
	}
	return out
}

var (
	nameRe = regexp.MustCompile(`^[a-z0-9_-]+$`)
	idRe   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

const (
	nameHelp = "use lower-case letters, digits, _ and -"
	idHelp   = "start with a letter or _ and use only letters, digits and _, so that steps.ID works in expressions"
	varHelp  = "start with a letter or _ and use only letters, digits and _, so that vars.NAME works in expressions"
)

// Defaults filled into the model where the file says nothing.
const (
	defaultTimeout     = "30s"
	defaultMaxAttempts = 3
	defaultBackoff     = "exponential"
	defaultDelay       = "1s"
	defaultMaxDelay    = "5m"
	defaultMaxBody     = 1 << 20
	defaultWaitTimeout = "10s"
	defaultScheme      = "hmac-sha256"
	defaultSigHeader   = "X-Signature"
)

// httpMethods returns the methods on.webhook.methods may name.
func httpMethods() []string {
	return []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
}

// verifySchemes returns the values of on.webhook.verify.scheme.
func verifySchemes() []string {
	return []string{"hmac-sha256", "github", "stripe", "shopify", "slack", "standard-webhooks"}
}

func intp(i int) *int { return &i }

// workflowDecl declares the keys of a workflow file.
func workflowDecl() *field {
	return &field{kind: kindMap, extensions: true, fields: []*field{
		{name: "name", kind: kindString, required: true, pattern: nameRe, help: nameHelp,
			doc: "The workflow's unique name: lower-case letters, digits, _ and -."},
		{name: "description", kind: kindString, text: true, doc: "What the workflow does, in a sentence."},
		{name: "on", kind: kindMap, fields: triggerDecls(),
			doc: "The triggers that start a run. Without any, the workflow runs only when triggered by hand."},
		{name: "if", kind: kindExpr,
			doc: "An expression that decides whether an event starts a run, e.g. event.body.type == \"purchase\"."},
		{name: "vars", kind: kindDict, keyPattern: idRe, keyHelp: varHelp,
			elem: &field{kind: kindAny, templ: true},
			doc:  "Values computed once per run, before any step; they may read event and env."},
		{name: "steps", kind: kindList, required: true, nonEmpty: true, elem: stepDecl(),
			doc: "The steps; a step starts when every step it needs has finished."},
		{name: "on_error", kind: kindList, elem: stepDecl(),
			doc: "Steps that run when the run fails; they may read the main steps."},
		{name: "tests", kind: kindList, elem: testDecl(),
			doc: "Tests that `hookflow test` runs with the actions mocked."},
	}}
}

// triggerDecls declares the keys of on:.
func triggerDecls() []*field {
	return []*field{
		{name: "webhook", kind: kindMap, fields: webhookDecls(),
			doc: "An inbound URL: /hooks/{path}."},
		{name: "schedule", kind: kindList, oneOrList: true, doc: "Cron schedules.",
			elem: &field{kind: kindMap, fields: []*field{
				{name: "cron", kind: kindString, required: true, check: checkCron,
					doc: "A cron spec with five fields (minute hour day month weekday), or a descriptor like @hourly or @every 30s."},
				{name: "timezone", kind: kindString, check: checkTimezone,
					doc: "The IANA time zone the spec is read in, e.g. Europe/Paris; UTC when absent."},
				{name: "catchup", kind: kindBool, def: true,
					doc: "Whether a tick missed while no node was running fires once when one starts."},
			}}},
		{name: "event", kind: kindMap, doc: "Published events (POST /api/v1/events and emit).",
			fields: []*field{
				{name: "types", kind: kindList, required: true, nonEmpty: true,
					elem: &field{kind: kindString, nonEmpty: true},
					doc:  "Event types to react to; * matches any run of characters, e.g. order.*."},
			}},
	}
}

// webhookDecls declares the keys of on.webhook.
func webhookDecls() []*field {
	return []*field{
		{name: "path", kind: kindString, required: true, check: checkPath,
			doc: "The path after /hooks/; slashes are allowed inside, a leading one is dropped."},
		{name: "methods", kind: kindList, nonEmpty: true,
			elem: &field{kind: kindString, enum: httpMethods(), enumFold: true, enumWhat: "HTTP method"},
			doc:  "The HTTP methods accepted; every method when absent."},
		{name: "verify", kind: kindMap, doc: "Signature verification of inbound requests.",
			fields: []*field{
				{name: "scheme", kind: kindString, enum: verifySchemes(), def: defaultScheme,
					doc: "How the request is signed."},
				{name: "secret", kind: kindString, required: true, templ: true, nonEmpty: true,
					doc: "The shared secret, usually \"${{ env.NAME }}\"."},
				{name: "header", kind: kindString, nonEmpty: true, def: defaultSigHeader,
					doc: "The header holding the hex signature (hmac-sha256 only)."},
			}},
		{name: "max_body", kind: kindSize, positive: true, def: "1MiB",
			doc: "The largest body accepted: bytes, or a size like 512KiB or 2MiB."},
		{name: "dedupe", kind: kindExpr,
			doc: "An expression computing a delivery id; a request whose id was seen is a duplicate."},
		{name: "respond", kind: kindString, enum: []string{"wait"},
			doc: "wait: answer with the run's respond step instead of 202."},
		{name: "wait_timeout", kind: kindDuration, positive: true, def: defaultWaitTimeout,
			doc: "How long respond: wait waits for the run before answering 504."},
		{name: "verify_token", kind: kindString, templ: true,
			doc: "The token of the hub.challenge handshake (Meta, WhatsApp)."},
	}
}

// stepDecl declares a step.
func stepDecl() *field {
	return &field{kind: kindMap, owner: "step", fields: []*field{
		{name: "id", kind: kindString, required: true, pattern: idRe, help: idHelp,
			doc: "The step's unique id; expressions read it as steps.ID."},
		{name: "uses", kind: kindString, required: true, doc: "The action the step performs."},
		{name: "with", kind: kindMap, byAction: true, templ: true, doc: "The action's parameters."},
		{name: "needs", kind: kindList, oneOrList: true, elem: &field{kind: kindString, nonEmpty: true},
			doc: "Steps that must finish first, besides those the step's expressions read."},
		{name: "if", kind: kindExpr, doc: "An expression; the step is skipped when it is false."},
		{name: "foreach", kind: kindList, templ: true, elem: &field{kind: kindAny, templ: true},
			doc: "A list, or an expression giving one: the step runs once per item (item, index), in parallel."},
		{name: "retry", kind: kindMap, doc: "How failed attempts are retried.", fields: []*field{
			{name: "max_attempts", kind: kindInt, min: intp(1), def: defaultMaxAttempts,
				doc: "Attempts in all, the first included."},
			{name: "backoff", kind: kindString, enum: []string{"fixed", "exponential"}, def: defaultBackoff,
				doc: "fixed waits delay each time; exponential doubles it up to max_delay."},
			{name: "delay", kind: kindDuration, def: defaultDelay, doc: "The wait before the first retry."},
			{name: "max_delay", kind: kindDuration, def: defaultMaxDelay, doc: "The longest wait between attempts."},
		}},
		{name: "timeout", kind: kindDuration, positive: true, def: defaultTimeout,
			doc: "How long one attempt may take: a duration like 30s, or a number of seconds."},
		{name: "continue_on_error", kind: kindBool, def: false,
			doc: "When true, a failure of this step does not skip the steps that need it."},
	}}
}

// testDecl declares an entry of tests:.
func testDecl() *field {
	return &field{kind: kindMap, owner: "test", fields: []*field{
		{name: "name", kind: kindString, required: true, nonEmpty: true, text: true, doc: "What the test checks."},
		{name: "event", kind: kindDict, elem: &field{kind: kindAny},
			doc: "The event: method, headers, query, body, type; a mapping with none of those keys is the body."},
		{name: "env", kind: kindDict, elem: &field{kind: kindString, text: true},
			doc: "Environment variables the test sets (env.NAME in expressions), over the process's own."},
		{name: "mock", kind: kindDict, elem: &field{kind: kindAny},
			doc: "Step id → the output the step's action returns; {error: message} fails it."},
		{name: "expect", kind: kindMap, doc: "What the run must show.", fields: []*field{
			{name: "status", kind: kindString, enum: []string{"succeeded", "failed", "skipped"},
				doc: "The run's status."},
			{name: "ran", kind: kindList, elem: &field{kind: kindString}, doc: "Steps whose action ran."},
			{name: "skipped", kind: kindList, elem: &field{kind: kindString}, doc: "Steps that were skipped."},
			{name: "failed", kind: kindList, elem: &field{kind: kindString}, doc: "Steps that failed."},
			{name: "outputs", kind: kindDict, elem: &field{kind: kindAny},
				doc: "\"step.path.to.field\" → the value expected there."},
		}},
	}}
}
