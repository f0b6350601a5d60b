package expr

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr/builtin"
)

// ErrMemoryBudget is the cause of an evaluation error when an expression
// would allocate more than its budget (MaxElements, MaxBytes). Match it with
// errors.Is.
var ErrMemoryBudget = errors.New("memory budget exceeded")

// ErrIterationBudget is the cause of an evaluation error when an expression
// runs predicate bodies more than MaxIterations times. Match it with
// errors.Is.
var ErrIterationBudget = errors.New("iteration budget exceeded")

// state is the per-evaluation state that functions reach through the view:
// the clock and what the evaluation has spent of its budgets.
type state struct {
	clock func() time.Time
	used  int // bytes charged
	ticks int // predicate bodies run
}

// bind points the view's function fields at s. It runs once per machine.
func (s *state) bind(v *view) {
	v.Now, v.UUID = s.now, s.uuid
	v.ToJSON, v.FromJSON = s.toJSON, s.fromJSON
	v.HMACSHA256, v.SHA256 = s.hmacSHA256, s.sha256
	v.Base64Encode, v.Base64Decode = s.base64Encode, s.base64Decode
	v.Repeat, v.Join, v.Replace = s.repeat, s.join, s.replace
	v.String, v.Concat, v.Flatten = s.string, s.concat, s.flatten
	v.Charge, v.ChargeString, v.Tick = s.chargeAny, s.chargeString, s.tick
	v.Get, v.GetString, v.RawString = get, getString, s.raw
}

// reset starts a new evaluation.
func (s *state) reset(clock func() time.Time) {
	s.clock, s.used, s.ticks = clock, 0, 0
}

// remaining is what is left of the byte budget.
func (s *state) remaining() int { return MaxBytes - s.used }

// charge takes n bytes from the budget, or fails when they are not left.
func (s *state) charge(n int) error {
	if n < 0 || n > s.remaining() {
		return s.exceeded()
	}
	s.used += n
	return nil
}

// exceeded spends the whole budget and returns ErrMemoryBudget.
func (s *state) exceeded() error {
	s.used = MaxBytes
	return ErrMemoryBudget
}

// mustCharge is charge for functions that cannot return an error: the VM
// turns the panic into an evaluation error.
func (s *state) mustCharge(n int) {
	if err := s.charge(n); err != nil {
		panic(err)
	}
}

// chargeAny charges what an operator or builtin just produced.
func (s *state) chargeAny(v any) any {
	s.mustCharge(shallowSize(v))
	return v
}

// chargeString charges a string that an operator or builtin just produced.
func (s *state) chargeString(v string) string {
	s.mustCharge(len(v))
	return v
}

// tick counts one run of a predicate body.
func (s *state) tick() bool {
	s.ticks++
	if s.ticks > MaxIterations {
		panic(ErrIterationBudget)
	}
	return true
}

// shallowSize is about how many bytes v took to make, not counting what it
// shares with values that already existed.
func shallowSize(v any) int {
	switch v := v.(type) {
	case nil, bool, int, float64:
		return 0
	case string:
		return len(v)
	case []any:
		return 16 * len(v)
	case []string:
		return 16 * len(v)
	case map[string]any:
		return 48 * len(v)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map:
		return 16 * rv.Len()
	}
	return 0
}

// sizer estimates how many bytes a value takes when written out (as JSON
// or with fmt), counting a shared part each time it appears. It stops
// counting once past limit, so it is cheap on huge values.
type sizer struct{ n, limit int }

// deepSize returns the estimate, or a number above limit.
func deepSize(v any, limit int) int {
	z := sizer{limit: limit}
	z.add(v)
	return z.n
}

func (z *sizer) add(v any) {
	if z.n > z.limit {
		return
	}
	switch v := v.(type) {
	case nil, bool:
		z.n += 5
	case string:
		z.n += len(v) + 2
	case []byte:
		z.n += 2*len(v) + 2
	case int, int64, float64, time.Duration:
		z.n += 24
	case time.Time:
		z.n += 40
	case []any:
		z.n += 2
		for i := 0; i < len(v) && z.n <= z.limit; i++ {
			z.n++
			z.add(v[i])
		}
	case []string:
		z.n += 2
		for i := 0; i < len(v) && z.n <= z.limit; i++ {
			z.n += len(v[i]) + 3
		}
	case map[string]any:
		z.n += 2
		for k, e := range v {
			if z.n > z.limit {
				return
			}
			z.n += len(k) + 4
			z.add(e)
		}
	default:
		z.addValue(reflect.ValueOf(v))
	}
}

// addValue is add for the types that add does not list.
func (z *sizer) addValue(rv reflect.Value) {
	switch rv.Kind() {
	case reflect.Invalid:
		z.n += 5
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			z.n += 5
			return
		}
		z.addValue(rv.Elem())
	case reflect.String:
		z.n += rv.Len() + 2
	case reflect.Slice, reflect.Array:
		z.n += 2
		for i := 0; i < rv.Len() && z.n <= z.limit; i++ {
			z.n++
			z.addValue(rv.Index(i))
		}
	case reflect.Map:
		z.n += 2
		for it := rv.MapRange(); it.Next() && z.n <= z.limit; {
			z.n += 4
			z.addValue(it.Key())
			z.addValue(it.Value())
		}
	case reflect.Struct:
		z.n += 2
		t := rv.Type()
		for i := 0; i < rv.NumField() && z.n <= z.limit; i++ {
			if t.Field(i).IsExported() {
				z.n += len(t.Field(i).Name) + 4
				z.addValue(rv.Field(i))
			}
		}
	default:
		z.n += 24
	}
}

// chargeDeep charges the written-out size of v before it is written out.
func (s *state) chargeDeep(v any) error {
	return s.charge(deepSize(v, s.remaining()))
}

// repeat replaces expr's repeat: it charges before it allocates. The count
// may be any number, so that repeat("x", 1e9) fails on the budget.
func (s *state) repeat(str string, n any) (string, error) {
	var count int
	switch n := n.(type) {
	case int:
		count = n
	case float64:
		count = int(min(max(n, -1), MaxBytes+1))
	default:
		return "", fmt.Errorf("repeat: count is %s, want a number", typeName(n))
	}
	if count < 0 {
		return "", fmt.Errorf("repeat: count %d is negative", count)
	}
	if len(str) > 0 && count > s.remaining()/len(str) {
		return "", s.exceeded()
	}
	if err := s.charge(len(str) * count); err != nil {
		return "", err
	}
	return strings.Repeat(str, count), nil
}

// join replaces expr's join: it charges before it allocates.
func (s *state) join(list any, sep ...string) (string, error) {
	if len(sep) > 1 {
		return "", fmt.Errorf("join: want a list and at most one separator, got %d arguments", 1+len(sep))
	}
	glue := ""
	if len(sep) == 1 {
		glue = sep[0]
	}
	var parts []string
	switch l := list.(type) {
	case []string:
		parts = l
	case []any:
		parts = make([]string, len(l))
		for i, e := range l {
			str, ok := e.(string)
			if !ok {
				return "", fmt.Errorf("join: item %d is %s, not a string", i, typeName(e))
			}
			parts[i] = str
		}
	default:
		return "", fmt.Errorf("join: want a list of strings, got %s", typeName(list))
	}
	n := len(glue) * max(len(parts)-1, 0)
	for _, p := range parts {
		n += len(p)
	}
	if err := s.charge(n); err != nil {
		return "", err
	}
	return strings.Join(parts, glue), nil
}

// replace replaces expr's replace: replace(s, old, new) replaces every
// old, replace(s, old, new, n) the first n. It charges before it allocates.
func (s *state) replace(str, old, repl string, limit ...int) (string, error) {
	if len(limit) > 1 {
		return "", fmt.Errorf("replace: want 3 or 4 arguments, got %d", 3+len(limit))
	}
	count := strings.Count(str, old)
	if old == "" {
		count = utf8.RuneCountInString(str) + 1
	}
	n := -1
	if len(limit) == 1 && limit[0] >= 0 && limit[0] < count {
		n, count = limit[0], limit[0]
	}
	growth := len(repl) - len(old)
	if growth > 0 && count > s.remaining()/growth {
		return "", s.exceeded()
	}
	if err := s.charge(len(str) + count*growth); err != nil {
		return "", err
	}
	return strings.Replace(str, old, repl, n), nil
}

// string replaces expr's string: it charges before it formats.
func (s *state) string(v any) (string, error) {
	if err := s.chargeDeep(v); err != nil {
		return "", err
	}
	return fmt.Sprintf("%v", v), nil
}

// concat replaces expr's concat: it charges before it allocates.
func (s *state) concat(lists ...any) ([]any, error) {
	n := 0
	for _, l := range lists {
		rv := reflect.ValueOf(l)
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			return nil, fmt.Errorf("concat: want lists, got %s", typeName(l))
		}
		n += rv.Len()
	}
	if err := s.charge(16 * n); err != nil {
		return nil, err
	}
	return callBuiltin("concat", lists...)
}

// flatten replaces expr's flatten: it charges before it allocates.
func (s *state) flatten(list any) ([]any, error) {
	if n := leaves(reflect.ValueOf(list), s.remaining()/16); n > s.remaining()/16 {
		return nil, s.exceeded()
	} else if err := s.charge(16 * n); err != nil {
		return nil, err
	}
	return callBuiltin("flatten", list)
}

// leaves counts the items that flattening v gives, stopping past limit.
func leaves(v reflect.Value, limit int) int {
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return 1
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
		return 1
	}
	n := 0
	for i := 0; i < v.Len() && n <= limit; i++ {
		n += leaves(v.Index(i), limit-n)
	}
	return n
}

// callBuiltin runs one of expr's builtins that returns a list.
func callBuiltin(name string, args ...any) ([]any, error) {
	f := builtin.Builtins[builtin.Index[name]]
	out, _, err := f.Safe(args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	l, _ := out.([]any)
	return l, nil
}

// typeName names the type of v for messages, without its value.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "nil"
	case string:
		return "a string"
	case bool:
		return "a bool"
	case int, int64, float64:
		return "a number"
	case []any, []string:
		return "a list"
	case map[string]any, map[string]string:
		return "a map"
	}
	return fmt.Sprintf("%T", v)
}
