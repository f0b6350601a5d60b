package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/run"
	"github.com/hookflow/hookflow/engine/store"
	"github.com/hookflow/hookflow/engine/workflow"
)

// reloadDebounce gathers the events of one save (editors write, rename and
// chmod) into one reload.
const reloadDebounce = 100 * time.Millisecond

// loader keeps the catalog in step with the workflows folder: each valid
// file becomes (or stays) the current version of its workflow; a file that
// does not validate keeps the running version and logs FILE:LINE:COL; a
// deleted file removes its workflow.
type loader struct {
	dir     string
	reg     *engine.Registry
	store   store.Store
	catalog *run.Catalog
	log     *slog.Logger
	// onChange is called with the current targets after every reload.
	onChange func(ctx context.Context, targets []run.Target)

	mu     sync.Mutex
	byFile map[string]string // file → workflow name it defined
	errs   map[string]workflow.Diagnostics
}

// Errors returns the diagnostics of files that do not validate now.
func (l *loader) Errors() map[string]workflow.Diagnostics {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]workflow.Diagnostics, len(l.errs))
	for k, v := range l.errs {
		out[k] = v
	}
	return out
}

// reload reads every file of the folder once.
func (l *loader) reload(ctx context.Context) error {
	files, err := workflowFiles(l.dir)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	seen := map[string]bool{}
	errs := map[string]workflow.Diagnostics{}
	for _, f := range files {
		seen[f] = true
		w, diags := workflow.LoadFile(f, l.reg)
		if len(diags) > 0 {
			errs[f] = diags
			for _, d := range diags {
				l.log.Error("workflow does not validate; the running version stays", "problem", d.String())
			}
			continue
		}
		if err := l.put(ctx, f, w); err != nil {
			return err
		}
	}
	for f, name := range l.byFile {
		if !seen[f] {
			l.catalog.Remove(name)
			delete(l.byFile, f)
			l.log.Info("workflow removed", "workflow", name, "file", f)
		}
	}
	l.errs = errs
	if l.onChange != nil {
		l.onChange(ctx, l.catalog.List())
	}
	return nil
}

// put stores w as a version (a new one only when its text changed) and
// makes it current.
func (l *loader) put(ctx context.Context, file string, w *workflow.Workflow) error {
	if old, ok := l.byFile[file]; ok && old != w.Name {
		l.catalog.Remove(old)
	}
	if cur, ok := l.catalog.Current(w.Name); ok && cur.Workflow.File != file && cur.Workflow.File != "" {
		if _, err := os.Stat(cur.Workflow.File); err == nil {
			l.log.Error("two files define one workflow; the first stays", "workflow", w.Name, "file", file, "first", cur.Workflow.File)
			return nil
		}
	}
	v, err := l.store.VersionSave(ctx, w.Name, w.Source)
	if err != nil {
		return fmt.Errorf("save workflow %s: %w", w.Name, err)
	}
	if cur, ok := l.catalog.Current(w.Name); !ok || cur.Version != v {
		l.log.Info("workflow loaded", "workflow", w.Name, "version", v, "file", file)
	}
	l.catalog.Put(run.Target{Workflow: w, Version: v})
	l.byFile[file] = w.Name
	return nil
}

// fileOf returns the file that defines a workflow ("" when none does).
func (l *loader) fileOf(name string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for f, n := range l.byFile {
		if n == name {
			return f
		}
	}
	return ""
}

// accept makes a workflow saved through the API current at once (the
// watcher's reload of the same text then changes nothing).
func (l *loader) accept(ctx context.Context, file string, w *workflow.Workflow) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.errs, file)
	if err := l.put(ctx, file, w); err != nil {
		return 0, err
	}
	t, _ := l.catalog.Current(w.Name)
	if l.onChange != nil {
		l.onChange(ctx, l.catalog.List())
	}
	return t.Version, nil
}

// remove deletes a workflow's file and forgets it at once.
func (l *loader) remove(ctx context.Context, name string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for f, n := range l.byFile {
		if n == name {
			if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
				return fmt.Errorf("remove %s: %w", f, err)
			}
			delete(l.byFile, f)
		}
	}
	l.catalog.Remove(name)
	if l.onChange != nil {
		l.onChange(ctx, l.catalog.List())
	}
	return nil
}

// watch reloads on every change in the folder until ctx ends.
func (l *loader) watch(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch workflows: %w", err)
	}
	if err := w.Add(l.dir); err != nil {
		w.Close()
		return fmt.Errorf("watch %s: %w", l.dir, err)
	}
	go func() {
		defer w.Close()
		var timer <-chan time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-w.Events:
				if isWorkflowFile(ev.Name) {
					timer = time.After(reloadDebounce)
				}
			case err := <-w.Errors:
				l.log.Error("watch workflows", "err", err)
			case <-timer:
				timer = nil
				if err := l.reload(ctx); err != nil && !errors.Is(err, context.Canceled) {
					l.log.Error("reload workflows", "err", err)
				}
			}
		}
	}()
	return nil
}

func workflowFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read workflows: %w", err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && isWorkflowFile(e.Name()) {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}

func isWorkflowFile(name string) bool {
	base := filepath.Base(name)
	return !strings.HasPrefix(base, ".") && (strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml"))
}
