package server

import (
	"fmt"
	"net/http"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/engine"
)

// registryOptions are the settings that shape the actions.
type registryOptions struct {
	// AllowPrivate is --allow-private-networks: "", "true" or CIDRs.
	AllowPrivate string
	// SMTP is the mail server URL.
	SMTP string
	// Connections are hookflow.yaml's named DSNs.
	Connections map[string]string
	// Responder answers respond: wait webhooks.
	Responder engine.Responder
	// Publisher publishes the emit action's events.
	Publisher engine.Publisher
	// KV is the store action's state.
	KV actions.KV
	// Client, when set, sends the actions' HTTP requests (serve shares it
	// with subscription deliveries); nil builds one from AllowPrivate.
	Client *http.Client
}

// newRegistry builds the action registry for a command; a bad allow list
// or SMTP URL is an error (the command exits 2).
func newRegistry(io IO, opts registryOptions) (*engine.Registry, error) {
	deps := actions.Deps{
		Logger: newLogger(io.Stderr, "warn"), Version: version,
		AllowPrivateNetworks: opts.AllowPrivate, SMTPURL: opts.SMTP, Connections: opts.Connections,
		Responder: opts.Responder, Publisher: opts.Publisher, KV: opts.KV, Client: opts.Client,
	}
	if err := deps.Validate(); err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	return actions.Registry(deps), nil
}

// staticRegistry is the registry for commands that only read workflow
// files (validate, schema, test): default settings, which cannot fail.
func staticRegistry(io IO) *engine.Registry {
	reg, err := newRegistry(io, registryOptions{})
	if err != nil {
		panic(err) // default settings are always valid
	}
	return reg
}

// commandOptions are the action settings of `hookflow run` and `hookflow
// test`: hookflow.yaml (HOOKFLOW_CONFIG, or ./hookflow.yaml when it exists)
// for connections and smtp, HOOKFLOW_SMTP_URL over it, and the allow list
// given by flag or HOOKFLOW_ALLOW_PRIVATE_NETWORKS.
func commandOptions(io IO, allowPrivate string) (registryOptions, error) {
	path, required := envOr(io.Environ, "HOOKFLOW_CONFIG", ""), true
	if path == "" {
		path, required = "hookflow.yaml", false
	}
	f, err := loadFileConfig(path, required)
	if err != nil {
		return registryOptions{}, err
	}
	return registryOptions{
		AllowPrivate: allowPrivate,
		SMTP:         envOr(io.Environ, "HOOKFLOW_SMTP_URL", f.SMTP),
		Connections:  f.Connections,
	}, nil
}
