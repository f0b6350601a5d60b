package engine

import (
	"encoding/json"
	"fmt"
	"time"
)

// Duration is a time.Duration that decodes from "30s", "5m", "1h30m" or a
// number of seconds. Parameter structs use it for timeouts and delays.
type Duration time.Duration

// UnmarshalJSON accepts a Go duration string or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case string:
		p, err := time.ParseDuration(x)
		if err != nil {
			return fmt.Errorf("bad duration %q: use a number and a unit, like 30s or 5m", x)
		}
		*d = Duration(p)
	case float64:
		*d = Duration(x * float64(time.Second))
	case nil:
		*d = 0
	default:
		return fmt.Errorf("bad duration %s: use a string like 30s", b)
	}
	return nil
}

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }
