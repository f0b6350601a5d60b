package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/hookflow/hookflow/engine"
)

// The row types below mirror the tables for gorm's reads (the hot paths
// use raw statements instead). Times are Unix microseconds.

// eventRow is a row of events.
type eventRow struct {
	ID         string         `gorm:"column:id;primaryKey"`
	Type       string         `gorm:"column:type"`
	Method     string         `gorm:"column:method"`
	Path       string         `gorm:"column:path"`
	Headers    sql.NullString `gorm:"column:headers"`
	Query      sql.NullString `gorm:"column:query"`
	Body       sql.NullString `gorm:"column:body"`
	Raw        []byte         `gorm:"column:raw"`
	ReceivedAt int64          `gorm:"column:received_at"`
	DedupeKey  sql.NullString `gorm:"column:dedupe_key"`
	BodyInRaw  bool           `gorm:"column:body_in_raw"`
}

// TableName names the table for gorm.
func (eventRow) TableName() string { return "events" }

// event converts the row; its JSON columns are decoded.
func (r *eventRow) event() (*engine.Event, error) {
	ev := &engine.Event{
		ID: r.ID, Type: r.Type, Method: r.Method, Path: r.Path, Raw: r.Raw,
		ReceivedAt: fromMicros(r.ReceivedAt), DedupeKey: r.DedupeKey.String,
	}
	if err := decodeInto(r.Headers, &ev.Headers); err != nil {
		return nil, fmt.Errorf("decode headers: %w", err)
	}
	if err := decodeInto(r.Query, &ev.Query); err != nil {
		return nil, fmt.Errorf("decode query: %w", err)
	}
	if r.BodyInRaw {
		ev.BodyIsRaw = true
		body, err := engine.DecodeJSONValue(r.Raw)
		if err != nil {
			return nil, fmt.Errorf("decode body from raw: %w", err)
		}
		ev.Body = body
		return ev, nil
	}
	if err := decodeInto(r.Body, &ev.Body); err != nil {
		return nil, fmt.Errorf("decode body: %w", err)
	}
	return ev, nil
}

// runRow is a row of runs.
type runRow struct {
	ID         string        `gorm:"column:id;primaryKey"`
	EventID    string        `gorm:"column:event_id"`
	Workflow   string        `gorm:"column:workflow"`
	Version    int           `gorm:"column:version"`
	Status     string        `gorm:"column:status"`
	Phase      int           `gorm:"column:phase"`
	Pending    int           `gorm:"column:pending"`
	OnError    int           `gorm:"column:on_error"`
	Failed     int           `gorm:"column:failed"`
	Error      string        `gorm:"column:error"`
	ReplayOf   string        `gorm:"column:replay_of"`
	CreatedAt  int64         `gorm:"column:created_at"`
	StartedAt  sql.NullInt64 `gorm:"column:started_at"`
	FinishedAt sql.NullInt64 `gorm:"column:finished_at"`
}

// TableName names the table for gorm.
func (runRow) TableName() string { return "runs" }

// run converts the row.
func (r *runRow) run() *Run {
	return &Run{
		ID: r.ID, EventID: r.EventID, Workflow: r.Workflow, Version: r.Version,
		Status: r.Status, Phase: r.Phase, Error: r.Error, ReplayOf: r.ReplayOf,
		CreatedAt: fromMicros(r.CreatedAt), StartedAt: fromNullMicros(r.StartedAt),
		FinishedAt: fromNullMicros(r.FinishedAt),
	}
}

// stepRow is a row of steps (the columns reads need).
type stepRow struct {
	RunID      string         `gorm:"column:run_id"`
	StepID     string         `gorm:"column:step_id"`
	Seq        int            `gorm:"column:seq"`
	Phase      int            `gorm:"column:phase"`
	Status     string         `gorm:"column:status"`
	Output     sql.NullString `gorm:"column:output"`
	Error      string         `gorm:"column:error"`
	Attempts   int            `gorm:"column:attempts"`
	StartedAt  sql.NullInt64  `gorm:"column:started_at"`
	FinishedAt sql.NullInt64  `gorm:"column:finished_at"`
}

// TableName names the table for gorm.
func (stepRow) TableName() string { return "steps" }

// record converts the row; Output is decoded.
func (r *stepRow) record() (*StepRecord, error) {
	rec := &StepRecord{
		RunID: r.RunID, StepID: r.StepID, Phase: r.Phase, Status: r.Status,
		Error: r.Error, Attempts: r.Attempts,
		StartedAt: fromNullMicros(r.StartedAt), FinishedAt: fromNullMicros(r.FinishedAt),
	}
	if err := decodeInto(r.Output, &rec.Output); err != nil {
		return nil, fmt.Errorf("decode output of step %s: %w", r.StepID, err)
	}
	return rec, nil
}

// compactStep is one step of a run that was finished at Accept, kept in
// the run's own steps column rather than as a row of steps: a run of
// steps that all ran before the commit costs one row, not one per step.
type compactStep struct {
	ID       string          `json:"id"`
	Phase    int             `json:"phase,omitempty"`
	Status   string          `json:"status"`
	Output   json.RawMessage `json:"output,omitempty"`
	Attempts int             `json:"attempts,omitempty"`
	Started  int64           `json:"started,omitempty"`  // micros
	Finished int64           `json:"finished,omitempty"` // micros
}

// appendCompactSteps appends steps as JSON, as json.Marshal would write
// them but without its reflection, or the re-validation of outputs that
// were encoded by this package a moment earlier.
func appendCompactSteps(b []byte, steps []compactStep) []byte {
	b = append(b, '[')
	for i, st := range steps {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = appendJSONString(b, st.ID)
		if st.Phase != 0 {
			b = append(b, `,"phase":`...)
			b = strconv.AppendInt(b, int64(st.Phase), 10)
		}
		b = append(b, `,"status":`...)
		b = appendJSONString(b, st.Status)
		if len(st.Output) > 0 {
			b = append(b, `,"output":`...)
			b = append(b, st.Output...)
		}
		for _, f := range []struct {
			key string
			v   int64
		}{{`,"attempts":`, int64(st.Attempts)}, {`,"started":`, st.Started}, {`,"finished":`, st.Finished}} {
			if f.v != 0 {
				b = append(b, f.key...)
				b = strconv.AppendInt(b, f.v, 10)
			}
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// decodeCompactSteps returns the step records kept in a run's row.
func decodeCompactSteps(runID, text string) ([]*StepRecord, error) {
	var steps []compactStep
	if err := json.Unmarshal([]byte(text), &steps); err != nil {
		return nil, err
	}
	out := make([]*StepRecord, len(steps))
	for i, st := range steps {
		rec := &StepRecord{RunID: runID, StepID: st.ID, Phase: st.Phase, Status: st.Status, Attempts: st.Attempts}
		if st.Started != 0 {
			rec.StartedAt = fromNullMicros(sql.NullInt64{Int64: st.Started, Valid: true})
		}
		if st.Finished != 0 {
			rec.FinishedAt = fromNullMicros(sql.NullInt64{Int64: st.Finished, Valid: true})
		}
		if len(st.Output) > 0 {
			if err := json.Unmarshal(st.Output, &rec.Output); err != nil {
				return nil, fmt.Errorf("decode output of step %s: %w", st.ID, err)
			}
		}
		out[i] = rec
	}
	return out, nil
}

// attemptRow is a row of attempts.
type attemptRow struct {
	ID         int64          `gorm:"column:id;primaryKey"`
	RunID      string         `gorm:"column:run_id"`
	StepID     string         `gorm:"column:step_id"`
	Item       int            `gorm:"column:item"`
	Attempt    int            `gorm:"column:attempt"`
	StartedAt  int64          `gorm:"column:started_at"`
	DurationMS int64          `gorm:"column:duration_ms"`
	Error      string         `gorm:"column:error"`
	Exchanges  sql.NullString `gorm:"column:exchanges"`
}

// TableName names the table for gorm.
func (attemptRow) TableName() string { return "attempts" }

// record converts the row; Exchanges are decoded.
func (r *attemptRow) record() (*AttemptRecord, error) {
	rec := &AttemptRecord{
		RunID: r.RunID, StepID: r.StepID, Item: r.Item, Attempt: r.Attempt,
		StartedAt: fromMicros(r.StartedAt), DurationMS: r.DurationMS, Error: r.Error,
	}
	if err := decodeInto(r.Exchanges, &rec.Exchanges); err != nil {
		return nil, fmt.Errorf("decode exchanges: %w", err)
	}
	return rec, nil
}

// versionRow is a row of workflow_versions.
type versionRow struct {
	Workflow  string `gorm:"column:workflow;primaryKey"`
	Version   int    `gorm:"column:version;primaryKey"`
	Source    string `gorm:"column:source"`
	SHA256    string `gorm:"column:sha256"`
	CreatedAt int64  `gorm:"column:created_at"`
}

// TableName names the table for gorm.
func (versionRow) TableName() string { return "workflow_versions" }

// version converts the row.
func (r *versionRow) version() *Version {
	return &Version{Workflow: r.Workflow, Version: r.Version, Source: r.Source, CreatedAt: fromMicros(r.CreatedAt)}
}

// micros is how times are stored.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros turns a stored time back into a UTC time.Time.
func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// fromNullMicros is fromMicros for a nullable column.
func fromNullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

// nullMicros stores t, or NULL for the zero time.
func nullMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return micros(t)
}

// encodeJSON encodes v for a JSON text column: nil is NULL, and a
// json.RawMessage is stored as it is, without encoding it again.
func encodeJSON(v any) (any, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		if v == nil {
			return nil, nil
		}
		return string(v), nil
	}
	if b, ok := appendNativeJSON(nil, v); ok {
		return string(b), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// decodeInto decodes a JSON text column into dst, leaving it alone for
// NULL.
func decodeInto[T any](s sql.NullString, dst *T) error {
	if !s.Valid || s.String == "" {
		return nil
	}
	return json.Unmarshal([]byte(s.String), dst)
}
