package expr

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/optimizer"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// Error is a compile problem at a byte offset of the source string.
type Error struct {
	// Offset is the byte offset of the problem in the string given to
	// Compile or CompileString, in [0, len(source)].
	Offset int
	// Message is one short sentence, in lower case.
	Message string
}

func (e *Error) Error() string { return e.Message }

// Program is one compiled expression. It is safe for concurrent use.
type Program struct {
	src  string
	name string // src on one line, shortened, for error messages
	prog *vm.Program
	refs []string
	pool sync.Pool // of *machine
}

// Compile compiles one expression (an `if:` filter or the inside of a
// `${{ }}`). The error, when not nil, is an *Error whose Offset is relative
// to src.
func Compile(src string, opt Options) (*Program, error) {
	prog, refs, e := compile(src, opt)
	if e != nil {
		return nil, e
	}
	p := &Program{src: src, name: oneLine(src), prog: prog, refs: refs}
	p.pool.New = func() any { return newMachine() }
	return p, nil
}

// compile checks src and compiles it against the view: parse, check
// hookflow's names, type check, patch, optimize, compile.
func compile(src string, opt Options) (*vm.Program, []string, *Error) {
	if len(src) > MaxSourceLen {
		return nil, nil, &Error{Message: fmt.Sprintf("expression is longer than %d bytes", MaxSourceLen)}
	}
	if strings.TrimSpace(src) == "" {
		return nil, nil, &Error{Message: "empty expression"}
	}
	cfg := conf.CreateNew()
	cfg.WithEnv(view{})
	cfg.MaxNodes = MaxNodes
	tree, err := parser.ParseWithConfig(src, cfg)
	if err != nil {
		return nil, nil, parseError(src, err)
	}
	refs, e := validate(src, tree.Node, opt)
	if e != nil {
		return nil, nil, e
	}
	if _, err := checker.Check(tree, cfg); err != nil {
		return nil, nil, toError(src, err)
	}
	cfg.Visitors = patches(tree.Node)
	if _, err := new(checker.Checker).PatchAndCheck(tree, cfg); err != nil {
		return nil, nil, toError(src, err)
	}
	if err := optimizer.Optimize(&tree.Node, cfg); err != nil {
		return nil, nil, toError(src, err)
	}
	prog, err := compiler.Compile(tree, cfg)
	if err != nil {
		return nil, nil, toError(src, err)
	}
	return prog, refs, nil
}

// parseError is toError with a hint for an expression that is still
// wrapped in `${{ }}`.
func parseError(src string, err error) *Error {
	e := toError(src, err)
	if t := strings.TrimSpace(src); strings.HasPrefix(t, "${{") {
		e.Offset = strings.Index(src, "${{")
		e.Message = "write this expression without ${{ }}"
	}
	return e
}

// toError converts one of expr's errors to an *Error: the rune position
// becomes a byte offset, and the message loses expr's source snippet.
func toError(src string, err error) *Error {
	var fe *file.Error
	if !errors.As(err, &fe) {
		return &Error{Message: message(err.Error())}
	}
	return &Error{Offset: byteOffset(src, fe.From), Message: message(fe.Message)}
}

// message is the first line of one of expr's messages, reworded where
// expr's words would puzzle a workflow author.
func message(m string) string {
	m, _, _ = strings.Cut(m, "\n")
	if strings.Contains(m, "exceeds maximum allowed nodes") {
		return fmt.Sprintf("expression has more than %d nodes", MaxNodes)
	}
	return m
}

// oneLine is src with its white space runs made single spaces, cut to 120
// bytes.
func oneLine(src string) string {
	s := strings.Join(strings.Fields(src), " ")
	if len(s) > 120 {
		cut := 117
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// Source returns the expression text.
func (p *Program) Source() string { return p.src }

// Refs returns the ids of the steps that the expression reads (steps.X), in
// order of appearance, without repeats. The caller must not modify it.
func (p *Program) Refs() []string { return p.refs }

// Run evaluates the expression. A nil env is an empty one. The result may
// share memory with env (`event.body`) and with the program's constants:
// treat it as read-only.
func (p *Program) Run(env *Env) (any, error) {
	if err := p.checkSteps(env); err != nil {
		return nil, err
	}
	m := p.pool.Get().(*machine)
	m.load(env)
	out, err := m.vm.Run(p.prog, &m.view)
	m.unload()
	p.pool.Put(m)
	if err != nil {
		return nil, p.evalError(err)
	}
	return out, nil
}

// checkSteps fails when a step that the expression reads is not in env, so
// that the message names the step rather than a nil value.
func (p *Program) checkSteps(env *Env) error {
	for _, id := range p.refs {
		if env == nil || env.Steps[id] == nil {
			return fmt.Errorf("evaluate %s: step %q has not run", p.name, id)
		}
	}
	return nil
}

// evalError names the expression and gives the first line of expr's
// message. The cause stays reachable with errors.Is and errors.As
// (ErrMemoryBudget, ErrIterationBudget, a function's error).
func (p *Program) evalError(err error) error {
	cause := err
	var fe *file.Error
	if errors.As(err, &fe) {
		switch msg, _, _ := strings.Cut(fe.Message, "\n"); {
		case fe.Prev != nil:
			cause = fe.Prev
		case msg == ErrMemoryBudget.Error():
			cause = ErrMemoryBudget
		default:
			cause = errors.New(msg)
		}
	}
	return fmt.Errorf("evaluate %s: %w", p.name, cause)
}

// Bool evaluates the expression as a condition: a result other than true
// or false is an error that says what came back (never a string's text,
// which may be a secret).
func (p *Program) Bool(env *Env) (bool, error) {
	v, err := p.Run(env)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("evaluate %s: want true or false, got %s", p.name, describe(v))
	}
	return b, nil
}

// describe says what v is, for messages; it shows numbers but not strings.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "nil"
	case int, int64, float64:
		return fmt.Sprintf("the number %v", v)
	case string:
		return fmt.Sprintf("a string of %d bytes", len(v))
	case []any:
		return fmt.Sprintf("a list of length %d", len(v))
	case map[string]any:
		return fmt.Sprintf("a map with %d keys", len(v))
	}
	return typeName(v)
}
