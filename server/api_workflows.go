package server

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/hookflow/hookflow/engine/run"
	"github.com/hookflow/hookflow/engine/store"
	"github.com/hookflow/hookflow/engine/workflow"
)

// workflowSummary is a workflow as the list and detail answers show it.
type workflowSummary struct {
	Name          string         `json:"name"`
	Description   string         `json:"description,omitempty"`
	Version       int            `json:"version"`
	File          string         `json:"file,omitempty"`
	Triggers      map[string]any `json:"triggers"`
	InboundURLs   []string       `json:"inbound_urls"`
	LastRunStatus string         `json:"last_run_status,omitempty"`
	LastRunID     string         `json:"last_run_id,omitempty"`
	Steps         []stepSummary  `json:"steps"`
	OnError       []stepSummary  `json:"on_error,omitempty"`
}

// stepSummary is one step with what it needs: the editor draws the graph.
type stepSummary struct {
	ID      string   `json:"id"`
	Uses    string   `json:"uses"`
	Needs   []string `json:"needs"`
	Foreach bool     `json:"foreach,omitempty"`
	If      bool     `json:"if,omitempty"`
	Line    int      `json:"line"`
}

// problem is one validation problem as the editor marks it.
type problem struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

func problemsOf(diags workflow.Diagnostics) []problem {
	out := make([]problem, 0, len(diags))
	for _, d := range diags {
		out = append(out, problem{Line: d.Line, Column: d.Col, Message: d.Message})
	}
	return out
}

func (a *App) summarize(c *fiber.Ctx, t run.Target) workflowSummary {
	w := t.Workflow
	s := workflowSummary{Name: w.Name, Description: w.Description, Version: t.Version, File: w.File,
		Triggers: map[string]any{}, InboundURLs: []string{}, Steps: stepsOf(w.Steps), OnError: stepsOf(w.OnError)}
	if h := w.On.Webhook; h != nil {
		s.Triggers["webhook"] = map[string]any{"path": h.Path, "methods": h.Methods, "verify": h.Verify != nil}
		s.InboundURLs = append(s.InboundURLs, c.BaseURL()+"/hooks/"+h.Path)
	}
	if len(w.On.Schedule) > 0 {
		var crons []string
		for _, sc := range w.On.Schedule {
			crons = append(crons, sc.Cron)
		}
		s.Triggers["schedule"] = crons
	}
	if ev := w.On.Event; ev != nil {
		s.Triggers["event"] = ev.Types
	}
	if runs, _, err := a.store.RunList(c.UserContext(), store.RunListParams{Workflow: w.Name, Limit: 1}); err == nil && len(runs) > 0 {
		s.LastRunStatus, s.LastRunID = runs[0].Status, runs[0].ID
	}
	return s
}

func stepsOf(steps []*workflow.Step) []stepSummary {
	out := make([]stepSummary, 0, len(steps))
	for _, st := range steps {
		needs := st.Needs
		if needs == nil {
			needs = []string{}
		}
		out = append(out, stepSummary{ID: st.ID, Uses: st.Uses, Needs: needs, Foreach: st.Foreach != nil, If: st.If != nil, Line: st.Pos.Line})
	}
	return out
}

// listWorkflows is GET /api/v1/workflows: by name, with a cursor.
func (a *App) listWorkflows(c *fiber.Ctx) error {
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	cursor := c.Query("cursor")
	items := []workflowSummary{}
	next := ""
	for _, t := range a.catalog.List() {
		if t.Workflow.Name <= cursor {
			continue
		}
		if len(items) == limit {
			next = items[len(items)-1].Name
			break
		}
		items = append(items, a.summarize(c, t))
	}
	broken := map[string][]problem{}
	for file, diags := range a.loader.Errors() {
		broken[filepath.Base(file)] = problemsOf(diags)
	}
	return c.JSON(fiber.Map{"items": items, "next_cursor": next, "errors": broken})
}

// getWorkflow is GET /api/v1/workflows/{name}: the YAML text and summary.
func (a *App) getWorkflow(c *fiber.Ctx) error {
	t, ok := a.catalog.Current(c.Params("name"))
	if !ok {
		return apiError(c, fiber.StatusNotFound, fmt.Sprintf("no workflow named %q", c.Params("name")))
	}
	return c.JSON(fiber.Map{"workflow": a.summarize(c, t), "source": string(t.Workflow.Source)})
}

// validateWorkflow is POST /api/v1/workflows/validate: the YAML text in,
// 200 {"valid": true} or 422 with the problems; nothing is saved.
func (a *App) validateWorkflow(c *fiber.Ctx) error {
	_, diags := workflow.Parse("workflow.yaml", c.Body(), a.reg)
	if len(diags) > 0 {
		return c.Status(fiber.StatusUnprocessableEntity).JSON(problemsOf(diags))
	}
	return c.JSON(fiber.Map{"valid": true})
}

// putWorkflow is PUT /api/v1/workflows/{name}: the YAML text becomes a new
// version, written back to the workflows folder.
func (a *App) putWorkflow(c *fiber.Ctx) error {
	name := c.Params("name")
	src := append([]byte(nil), c.Body()...)
	file := a.loader.fileOf(name)
	if file == "" {
		file = filepath.Join(a.cfg.Workflows, name+".yaml")
	}
	w, diags := workflow.Parse(file, src, a.reg)
	if len(diags) > 0 {
		return c.Status(fiber.StatusUnprocessableEntity).JSON(problemsOf(diags))
	}
	if w.Name != name {
		return c.Status(fiber.StatusUnprocessableEntity).JSON([]problem{{Line: 1, Column: 1,
			Message: fmt.Sprintf("name %q in the file differs from %q in the URL", w.Name, name)}})
	}
	if err := writeAtomic(file, src); err != nil {
		a.log.Error("write workflow file", "file", file, "err", err)
		return apiError(c, fiber.StatusInternalServerError, "the workflow file could not be written")
	}
	v, err := a.loader.accept(c.UserContext(), file, w)
	if err != nil {
		return apiError(c, fiber.StatusServiceUnavailable, "the new version could not be stored")
	}
	t, _ := a.catalog.Current(name)
	return c.JSON(fiber.Map{"version": v, "workflow": a.summarize(c, t)})
}

// deleteWorkflow is DELETE /api/v1/workflows/{name}: its file is removed;
// stored versions and runs stay.
func (a *App) deleteWorkflow(c *fiber.Ctx) error {
	name := c.Params("name")
	if _, ok := a.catalog.Current(name); !ok {
		return apiError(c, fiber.StatusNotFound, fmt.Sprintf("no workflow named %q", name))
	}
	if err := a.loader.remove(c.UserContext(), name); err != nil {
		a.log.Error("delete workflow", "workflow", name, "err", err)
		return apiError(c, fiber.StatusInternalServerError, "the workflow file could not be removed")
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// listVersions is GET /api/v1/workflows/{name}/versions, newest first.
func (a *App) listVersions(c *fiber.Ctx) error {
	vs, err := a.store.VersionList(c.UserContext(), c.Params("name"))
	if err != nil {
		return storeError(c, err)
	}
	if len(vs) == 0 {
		return apiError(c, fiber.StatusNotFound, fmt.Sprintf("no workflow named %q", c.Params("name")))
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].Version > vs[j].Version })
	for _, v := range vs {
		v.Source = ""
	}
	return c.JSON(fiber.Map{"items": vs, "next_cursor": ""})
}

// getVersion is GET /api/v1/workflows/{name}/versions/{version}.
func (a *App) getVersion(c *fiber.Ctx) error {
	n, err := strconv.Atoi(c.Params("version"))
	if err != nil || n < 1 {
		return apiError(c, fiber.StatusBadRequest, "version must be a number from 1")
	}
	v, err := a.store.VersionGet(c.UserContext(), c.Params("name"), n)
	if err != nil {
		return storeError(c, err)
	}
	return c.JSON(v)
}

// writeAtomic writes a file through a temporary one and a rename, so the
// watcher never reads half a file.
func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp~"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	return nil
}
