package server

import (
	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/engine"
)

// registryOptions are the settings that shape the actions.
type registryOptions struct {
	// AllowPrivate is --allow-private-networks: "", "true" or CIDRs.
	AllowPrivate string
}

// newRegistry builds the action registry for a command.
func newRegistry(io IO, opts registryOptions) *engine.Registry {
	deps := actions.Deps{Logger: newLogger(io.Stderr, "warn"), Version: version}
	deps.Client = actions.NewHTTPClient(actions.ClientOptions{})
	return actions.Registry(deps)
}
