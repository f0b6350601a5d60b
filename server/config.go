package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// serveConfig is everything `hookflow serve` is configured with: flags,
// each also an environment variable, and the hookflow.yaml file.
type serveConfig struct {
	Addr         string
	DB           string
	Workflows    string
	APIToken     string
	AllowPrivate string
	SMTP         string
	ConfigPath   string
	LogLevel     string
	File         fileConfig
}

// fileConfig is hookflow.yaml.
type fileConfig struct {
	// EventTypes is the catalog of published event types.
	EventTypes []eventTypeConfig `yaml:"event_types" json:"event_types,omitempty"`
	// Connections names DSNs for the sql action.
	Connections map[string]string `yaml:"connections" json:"-"`
	// SMTP is the mail server URL (HOOKFLOW_SMTP_URL wins).
	SMTP string `yaml:"smtp" json:"-"`
	// Limits bound the server's work.
	Limits limitsConfig `yaml:"limits" json:"limits"`
	// DedupeWindow is how long delivery ids are remembered (default 72h).
	DedupeWindow duration `yaml:"dedupe_window" json:"dedupe_window"`
	// RetrySchedule is the subscriptions' retry schedule.
	RetrySchedule []duration `yaml:"retry_schedule" json:"retry_schedule,omitempty"`
	// DisableAfter deactivates a subscription whose deliveries have all
	// failed that long (default 120h, five days).
	DisableAfter duration `yaml:"disable_after" json:"disable_after"`
	// Retention says how long records are kept.
	Retention retentionConfig `yaml:"retention" json:"retention"`
}

type eventTypeConfig struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description,omitempty"`
	Example     any    `yaml:"example" json:"example,omitempty"`
}

type limitsConfig struct {
	// RateLimit is requests per second per inbound path (0: unlimited).
	RateLimit float64 `yaml:"rate_limit" json:"rate_limit"`
	RateBurst int     `yaml:"rate_burst" json:"rate_burst"`
	// MaxInFlight bounds inbound requests being handled at once.
	MaxInFlight int `yaml:"max_in_flight" json:"max_in_flight"`
	// Workers is how many steps run at once.
	Workers int `yaml:"workers" json:"workers"`
	// ReadTimeout, WriteTimeout and IdleTimeout bound connections.
	ReadTimeout  duration `yaml:"read_timeout" json:"read_timeout"`
	WriteTimeout duration `yaml:"write_timeout" json:"write_timeout"`
	IdleTimeout  duration `yaml:"idle_timeout" json:"idle_timeout"`
	// DrainTimeout bounds the SIGTERM drain.
	DrainTimeout duration `yaml:"drain_timeout" json:"drain_timeout"`
	// DrainGrace is how long, after SIGTERM, the listener stays open and
	// answers 503 with Retry-After (so load balancers and senders see the
	// drain) before it closes.
	DrainGrace *duration `yaml:"drain_grace" json:"drain_grace"`
}

type retentionConfig struct {
	Runs      duration `yaml:"runs" json:"runs"`
	Inspector duration `yaml:"inspector" json:"inspector"`
}

// duration reads "30s", "72h" or a number of seconds.
type duration time.Duration

// UnmarshalYAML reads a duration string or a number of seconds.
func (d *duration) UnmarshalYAML(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"'`)
	if v, err := time.ParseDuration(s); err == nil {
		*d = duration(v)
		return nil
	}
	var secs float64
	if _, err := fmt.Sscanf(s, "%g", &secs); err == nil {
		*d = duration(time.Duration(secs * float64(time.Second)))
		return nil
	}
	return fmt.Errorf("%q is not a duration like 30s or 72h", s)
}

// MarshalJSON writes the duration as a Go duration string.
func (d duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d duration) std() time.Duration { return time.Duration(d) }

// defaults fills what hookflow.yaml left out.
func (f *fileConfig) defaults() {
	if f.DedupeWindow == 0 {
		f.DedupeWindow = duration(72 * time.Hour)
	}
	if f.DisableAfter == 0 {
		f.DisableAfter = duration(5 * 24 * time.Hour)
	}
	if f.Limits.MaxInFlight == 0 {
		f.Limits.MaxInFlight = 4096
	}
	if f.Limits.Workers == 0 {
		f.Limits.Workers = 64
	}
	if f.Limits.ReadTimeout == 0 {
		f.Limits.ReadTimeout = duration(30 * time.Second)
	}
	if f.Limits.WriteTimeout == 0 {
		f.Limits.WriteTimeout = duration(30 * time.Second)
	}
	if f.Limits.IdleTimeout == 0 {
		f.Limits.IdleTimeout = duration(120 * time.Second)
	}
	if f.Limits.DrainGrace == nil {
		g := duration(time.Second)
		f.Limits.DrainGrace = &g
	}
	if f.Limits.DrainTimeout == 0 {
		f.Limits.DrainTimeout = duration(30 * time.Second)
	}
	if f.Retention.Runs == 0 {
		f.Retention.Runs = duration(30 * 24 * time.Hour)
	}
	if f.Retention.Inspector == 0 {
		f.Retention.Inspector = duration(24 * time.Hour)
	}
}

// loadFileConfig reads hookflow.yaml; an unknown key or a bad value names
// the file, line and column.
func loadFileConfig(path string, required bool) (fileConfig, error) {
	var f fileConfig
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && !required {
			f.defaults()
			return f, nil
		}
		return f, fmt.Errorf("read config: %w", err)
	}
	if err := yaml.UnmarshalWithOptions(b, &f, yaml.Strict()); err != nil {
		return f, fmt.Errorf("%s", configError(path, err))
	}
	if f.DedupeWindow != 0 && f.DedupeWindow.std() < 72*time.Hour {
		return f, fmt.Errorf("%s: dedupe_window must be at least 72h (Stripe retries for three days)", path)
	}
	f.defaults()
	if f.Retention.Runs < f.DedupeWindow {
		return f, fmt.Errorf("%s: retention.runs must be at least dedupe_window (%s): pruned events forget their delivery ids", path, f.DedupeWindow.std())
	}
	return f, nil
}

var yamlPos = regexp.MustCompile(`^\[(\d+):(\d+)\]\s*(.*)`)

// configError turns a go-yaml error into one FILE:LINE:COL: message line.
func configError(path string, err error) string {
	msg := strings.SplitN(yaml.FormatError(err, false, false), "\n", 2)[0]
	if m := yamlPos.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s:%s:%s: %s", path, m[1], m[2], m[3])
	}
	return fmt.Sprintf("%s: %s", path, msg)
}
