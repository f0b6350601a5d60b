package workflow

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hookflow/hookflow/engine"
)

// LoadFile reads and parses one workflow file; diagnostics carry path as
// their file.
func LoadFile(path string, reg *engine.Registry) (*Workflow, Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, Diagnostics{readError(path, err)}
	}
	return Parse(path, src, reg)
}

// LoadDir loads every *.yaml and *.yml file directly inside dir (not in
// sub-folders; names starting with a dot are skipped), in name order. A
// workflow name used by an earlier file is a diagnostic on the later one,
// which is left out. The workflows returned are those without diagnostics.
func LoadDir(dir string, reg *engine.Registry) ([]*Workflow, Diagnostics) {
	return LoadPaths([]string{dir}, reg)
}

// LoadPaths loads workflow files and folders, as `hookflow validate
// [PATH...]` and `hookflow test [PATH...]` take them: a folder stands for
// its *.yaml and *.yml files (as LoadDir), a file for itself. Names must be
// unique across everything loaded.
func LoadPaths(paths []string, reg *engine.Registry) ([]*Workflow, Diagnostics) {
	var (
		out   []*Workflow
		ds    Diagnostics
		names = map[string]*Workflow{}
	)
	for _, p := range paths {
		files, err := expand(p)
		if err != nil {
			ds = append(ds, readError(p, err))
			continue
		}
		for _, f := range files {
			wf, fds := LoadFile(f, reg)
			ds = append(ds, fds...)
			if wf == nil {
				continue
			}
			if first := names[wf.Name]; first != nil {
				ds = append(ds, Diagnostic{File: f, Pos: clampPos(wf.NamePos),
					Message: fmt.Sprintf("workflow name %q is already used by %s", wf.Name, first.File)})
				continue
			}
			names[wf.Name] = wf
			out = append(out, wf)
		}
	}
	return out, sortDiagnostics(ds)
}

// expand returns the workflow files that path stands for.
func expand(path string) ([]string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		ext := filepath.Ext(name)
		if e.IsDir() || strings.HasPrefix(name, ".") || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		files = append(files, filepath.Join(path, name))
	}
	sort.Strings(files)
	return files, nil
}

// readError is the diagnostic for a path that cannot be read.
func readError(path string, err error) Diagnostic {
	msg := err.Error()
	if pe, ok := err.(*os.PathError); ok {
		msg = pe.Err.Error()
	}
	return Diagnostic{File: path, Pos: Pos{1, 1}, Message: "cannot read: " + msg}
}
