package run

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/hookflow/hookflow/engine/workflow"
)

// Target is a workflow version that an event should start a run of.
type Target struct {
	Workflow *workflow.Workflow
	Version  int
}

// LoadFunc loads a workflow version that is not in memory (an older version
// whose runs were still in flight when the process restarted).
type LoadFunc func(ctx context.Context, name string, version int) (*workflow.Workflow, error)

// Catalog holds the current version of every workflow and every version
// that runs may still need. It is safe for concurrent use.
type Catalog struct {
	mu       sync.RWMutex
	current  map[string]Target
	versions map[versionKey]*workflow.Workflow
	load     LoadFunc
}

type versionKey struct {
	name    string
	version int
}

// NewCatalog returns an empty catalog; load, when not nil, fetches versions
// that are not in memory.
func NewCatalog(load LoadFunc) *Catalog {
	return &Catalog{current: map[string]Target{}, versions: map[versionKey]*workflow.Workflow{}, load: load}
}

// Put makes t the current version of its workflow.
func (c *Catalog) Put(t Target) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.current[t.Workflow.Name] = t
	c.versions[versionKey{t.Workflow.Name, t.Version}] = t.Workflow
}

// Remove forgets the current version of a workflow; in-flight runs keep
// the versions they started with.
func (c *Catalog) Remove(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.current, name)
}

// Current returns the current version of a workflow.
func (c *Catalog) Current(name string) (Target, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.current[name]
	return t, ok
}

// List returns the current versions, sorted by name.
func (c *Catalog) List() []Target {
	c.mu.RLock()
	out := make([]Target, 0, len(c.current))
	for _, t := range c.current {
		out = append(out, t)
	}
	c.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Workflow.Name < out[j].Workflow.Name })
	return out
}

// Get returns a workflow version, loading it when it is not in memory.
func (c *Catalog) Get(ctx context.Context, name string, version int) (*workflow.Workflow, error) {
	c.mu.RLock()
	w, ok := c.versions[versionKey{name, version}]
	c.mu.RUnlock()
	if ok {
		return w, nil
	}
	if c.load == nil {
		return nil, fmt.Errorf("workflow %s version %d is not loaded", name, version)
	}
	w, err := c.load(ctx, name, version)
	if err != nil {
		return nil, fmt.Errorf("load workflow %s version %d: %w", name, version, err)
	}
	c.mu.Lock()
	c.versions[versionKey{name, version}] = w
	c.mu.Unlock()
	return w, nil
}
