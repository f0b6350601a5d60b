package server

import (
	"github.com/gofiber/fiber/v2"
)

// apiRoute is one route of /api/v1: registered on fiber and described in
// the OpenAPI document from this one declaration, so the two cannot drift.
type apiRoute struct {
	Method  string
	Path    string // fiber form, e.g. /runs/:id
	Summary string
	Query   []apiParam
	// Body says what the request body is ("" for none): "json", "yaml"
	// or "text".
	Body string
	// Answers maps status codes to what they mean.
	Answers map[int]string
	Handler fiber.Handler
}

// apiParam is a query parameter.
type apiParam struct {
	Name, Doc string
}

var pageParams = []apiParam{{"limit", "Items per page, 1 to 500 (default 50)."}, {"cursor", "The next_cursor of the previous page."}}

// apiRoutes declares every route of /api/v1.
func (a *App) apiRoutes() []apiRoute {
	list := func(extra ...apiParam) []apiParam { return append(append([]apiParam{}, extra...), pageParams...) }
	return append([]apiRoute{
		{Method: "GET", Path: "/workflows", Summary: "List workflows with their triggers, inbound URLs, version and last run.", Query: list(), Handler: a.listWorkflows},
		{Method: "POST", Path: "/workflows/validate", Summary: "Validate workflow YAML without saving it.", Body: "yaml",
			Answers: map[int]string{200: "Valid.", 422: "The problems, each with line and column."}, Handler: a.validateWorkflow},
		{Method: "GET", Path: "/workflows/:name", Summary: "One workflow: its YAML text and summary.", Handler: a.getWorkflow},
		{Method: "PUT", Path: "/workflows/:name", Summary: "Save workflow YAML as a new version (written to the workflows folder).", Body: "yaml",
			Answers: map[int]string{200: "Saved.", 422: "The problems, each with line and column."}, Handler: a.putWorkflow},
		{Method: "DELETE", Path: "/workflows/:name", Summary: "Delete a workflow (its versions and runs stay).", Answers: map[int]string{204: "Deleted."}, Handler: a.deleteWorkflow},
		{Method: "GET", Path: "/workflows/:name/versions", Summary: "A workflow's versions, newest first.", Query: list(), Handler: a.listVersions},
		{Method: "GET", Path: "/workflows/:name/versions/:version", Summary: "One version with its YAML text.", Handler: a.getVersion},
		{Method: "POST", Path: "/workflows/:name/trigger", Summary: "Start a manual run with an event given as fields (method, headers, query, body, type) or as its body.", Body: "json",
			Answers: map[int]string{202: `{"event_id", "run_id"}`}, Handler: a.triggerWorkflow},
		{Method: "GET", Path: "/runs", Summary: "Runs, newest first.", Query: list(
			apiParam{"workflow", "Only runs of this workflow."},
			apiParam{"status", "queued, running, succeeded, failed, skipped or cancelled."},
			apiParam{"since", "Only runs created at or after this RFC 3339 time."},
			apiParam{"until", "Only runs created before this RFC 3339 time."}), Handler: a.listRuns},
		{Method: "GET", Path: "/runs/:id", Summary: "One run: its steps, each attempt's request and response, and its event.", Handler: a.getRun},
		{Method: "POST", Path: "/runs/:id/replay", Summary: "Run the same event again through the workflow's current version, as a new run linked to this one.",
			Answers: map[int]string{202: `{"run_id", "replay_of", "event_id"}`, 409: "Already replayed, or the workflow is gone."}, Handler: a.replayRun},
		{Method: "POST", Path: "/runs/:id/cancel", Summary: "Cancel a run: no further step starts.", Answers: map[int]string{200: "Cancelled.", 409: "Already finished."}, Handler: a.cancelRun},
		{Method: "POST", Path: "/events", Summary: "Publish an event {type, data}; workflows with matching on.event.types get runs.", Body: "json",
			Answers: map[int]string{202: `{"id"}`, 200: "A duplicate (same Idempotency-Key)."}, Handler: a.publishEvent},
		{Method: "GET", Path: "/events", Summary: "Stored events, newest first.", Query: list(apiParam{"type", "Only events of this type."}), Handler: a.listEvents},
		{Method: "GET", Path: "/events/:id", Summary: "One event with the runs it started.", Handler: a.getEvent},
		{Method: "POST", Path: "/events/:id/replay", Summary: "Dispatch an event again to the workflows that match it now; those that already ran it get no second run.",
			Answers: map[int]string{202: `{"id", "runs"}`}, Handler: a.replayEvent},
		{Method: "GET", Path: "/requests", Summary: "The request inspector: every inbound request with headers, body and verdict, newest first.", Query: list(), Handler: a.listRequests},
		{Method: "GET", Path: "/requests/stream", Summary: "The request inspector as server-sent events (event: request).", Answers: map[int]string{200: "text/event-stream"}, Handler: a.streamRequests},
		{Method: "GET", Path: "/openapi.json", Summary: "This document.", Handler: a.openAPI},
	}, a.subscriptionRoutes()...)
}

// mountAPI registers the routes under /api/v1 behind the token check.
func (a *App) mountAPI(app *fiber.App) {
	api := app.Group("/api/v1", a.auth)
	for _, r := range a.apiRoutes() {
		api.Add(r.Method, r.Path, r.Handler)
	}
}
