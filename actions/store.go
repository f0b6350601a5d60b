package actions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/store"
)

// KV is the engine's own key-value state, as the store action uses it;
// store.Store satisfies it.
type KV interface {
	KVGet(ctx context.Context, k store.KVKey, now time.Time) (any, bool, error)
	KVSet(ctx context.Context, k store.KVKey, value any, ttl time.Duration, now time.Time) error
	KVIncr(ctx context.Context, k store.KVKey, by float64, ttl time.Duration, now time.Time) (float64, error)
	KVDelete(ctx context.Context, k store.KVKey) (bool, error)
}

// StoreParams are the parameters of the store action.
type StoreParams struct {
	Op        string          `json:"op" required:"true" enum:"get,set,incr,delete" doc:"What to do: get, set, incr (add by to a number, atomically) or delete."`
	Namespace string          `json:"namespace" doc:"A name that groups keys (default: the workflow's name)."`
	Key       string          `json:"key" required:"true" doc:"The key within the namespace."`
	Value     any             `json:"value" doc:"The value to set (any JSON value)."`
	TTL       engine.Duration `json:"ttl" doc:"For set and incr: how long the key lives, like 24h; 0 keeps it until deleted."`
	By        *float64        `json:"by" default:"1" doc:"For incr: how much to add (may be negative)."`
}

// Store returns the store action: state kept in hookflow's own database
// across runs — counters, last-seen values, idempotency markers.
func Store(deps Deps) engine.Definition {
	return engine.Definition{
		Name:    "store",
		Summary: "Reads and writes hookflow's own key-value state: get, set with ttl, atomic incr, delete.",
		Output:  "value: the value read, set or counted (null when a get finds nothing); delete adds deleted.",
		Params:  StoreParams{},
		Action:  storeAction{kv: deps.KV, now: clockOf(deps)},
	}
}

type storeAction struct {
	kv  KV
	now func() time.Time
}

var _ engine.Action = storeAction{}

// Run performs the operation.
func (a storeAction) Run(ctx context.Context, step *engine.Step) (any, error) {
	p, err := paramsOf[StoreParams]("store", step)
	if err != nil {
		return nil, err
	}
	k := store.KVKey{Namespace: p.Namespace, Key: p.Key}
	if k.Namespace == "" {
		k.Namespace = step.Workflow
	}
	if k.Key == "" {
		return nil, engine.Permanent(errors.New("store: key is empty"))
	}
	if step.DryRun {
		step.Observe(&engine.RequestRecord{Method: "STORE " + p.Op, URL: k.Namespace + "/" + k.Key, Body: fmt.Sprint(p.Value)}, nil)
		return map[string]any{"value": p.Value, "dry_run": true}, nil
	}
	if a.kv == nil {
		return nil, engine.Permanent(errors.New("store: the key-value state is not available here"))
	}
	return a.do(ctx, p, k)
}

func (a storeAction) do(ctx context.Context, p *StoreParams, k store.KVKey) (any, error) {
	now := a.now()
	switch p.Op {
	case "get":
		v, _, err := a.kv.KVGet(ctx, k, now)
		return map[string]any{"value": v}, wrapStore(err)
	case "set":
		return map[string]any{"value": p.Value}, wrapStore(a.kv.KVSet(ctx, k, p.Value, p.TTL.Std(), now))
	case "incr":
		by := 1.0
		if p.By != nil {
			by = *p.By
		}
		n, err := a.kv.KVIncr(ctx, k, by, p.TTL.Std(), now)
		return map[string]any{"value": n}, wrapStore(err)
	case "delete":
		gone, err := a.kv.KVDelete(ctx, k)
		return map[string]any{"value": nil, "deleted": gone}, wrapStore(err)
	}
	return nil, engine.Permanent(fmt.Errorf("store: op %q is not one of get, set, incr, delete", p.Op))
}

// wrapStore marks errors that retrying cannot fix (a value that is not a
// number) as permanent; database trouble stays retryable.
func wrapStore(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("store: %w", err)
	}
	if strings.Contains(err.Error(), "not a number") {
		return engine.Permanent(fmt.Errorf("store: %w", err))
	}
	return fmt.Errorf("store: %w", err)
}
