// Command hookflow is a workflow automation engine in one binary: inbound
// webhooks, schedules and published events start durable runs of YAML
// workflows. See README.md.
package main

import (
	"os"

	"github.com/hookflow/hookflow/server"
)

func main() { os.Exit(server.Main(os.Args[1:])) }
