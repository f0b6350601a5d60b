package server

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// cmdServe is `hookflow serve`: flags, each also an environment variable,
// then the app until SIGTERM or SIGINT, which drain it.
func cmdServe(io IO, args []string) int {
	cfg, code, ok := parseServeFlags(io, args)
	if !ok {
		return code
	}
	tuneGC(io.Environ)
	tuneProcs(io.Environ)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	app, err := newApp(ctx, cfg, io)
	if err != nil {
		fmt.Fprintf(io.Stderr, "hookflow serve: %v\n", err)
		return exitUsage
	}
	if err := app.Start(ctx); err != nil {
		fmt.Fprintf(io.Stderr, "hookflow serve: %v\n", err)
		app.Close()
		return exitUsage
	}
	<-ctx.Done()
	stop()
	if err := app.Shutdown(); err != nil {
		fmt.Fprintf(io.Stderr, "hookflow serve: drain: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// parseServeFlags reads the flags of SPEC section 1; each flag's default
// comes from its environment variable, then from the built-in default.
// Bad values end with one clear line and exit code 2.
func parseServeFlags(io IO, args []string) (serveConfig, int, bool) {
	var c serveConfig
	fs := newFlags(io, "serve", "[flags]")
	env := func(k, def string) string { return envOr(io.Environ, k, def) }
	fs.StringVar(&c.Addr, "addr", env("HOOKFLOW_ADDR", "127.0.0.1:8080"), "listen address (HOOKFLOW_ADDR)")
	fs.StringVar(&c.DB, "db", env("HOOKFLOW_DB", "sqlite://hookflow.db"), "database: sqlite://FILE or postgres://… (HOOKFLOW_DB)")
	fs.StringVar(&c.Workflows, "workflows", env("HOOKFLOW_WORKFLOWS", "./workflows"), "workflows folder (HOOKFLOW_WORKFLOWS)")
	fs.StringVar(&c.APIToken, "api-token", env("HOOKFLOW_API_TOKEN", ""), "API token; generated on first start when unset (HOOKFLOW_API_TOKEN)")
	fs.StringVar(&c.AllowPrivate, "allow-private-networks", env("HOOKFLOW_ALLOW_PRIVATE_NETWORKS", ""), "allow outgoing requests to private networks: true or a CIDR list (HOOKFLOW_ALLOW_PRIVATE_NETWORKS)")
	fs.StringVar(&c.SMTP, "smtp", env("HOOKFLOW_SMTP_URL", ""), "mail server: smtp://user:pass@host:port (HOOKFLOW_SMTP_URL)")
	fs.StringVar(&c.ConfigPath, "config", env("HOOKFLOW_CONFIG", ""), "config file (default ./hookflow.yaml when it exists; HOOKFLOW_CONFIG)")
	fs.StringVar(&c.LogLevel, "log-level", env("HOOKFLOW_LOG_LEVEL", "info"), "debug, info, warn or error (HOOKFLOW_LOG_LEVEL)")
	rest, code, ok := parseFlags(fs, args)
	if !ok {
		return c, code, false
	}
	if len(rest) > 0 {
		fmt.Fprintf(io.Stderr, "hookflow serve: unexpected argument %q\n", rest[0])
		return c, exitUsage, false
	}
	if err := c.check(); err != nil {
		fmt.Fprintf(io.Stderr, "hookflow serve: %v\n", err)
		return c, exitUsage, false
	}
	return c, exitOK, true
}

// check validates values and reads the config file.
func (c *serveConfig) check() error {
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level %q: use debug, info, warn or error", c.LogLevel)
	}
	if !strings.HasPrefix(c.DB, "sqlite://") && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		return fmt.Errorf("--db %q: use sqlite://FILE or postgres://…", redactDSN(c.DB))
	}
	if st, err := os.Stat(c.Workflows); err != nil || !st.IsDir() {
		return fmt.Errorf("--workflows %q is not a folder", c.Workflows)
	}
	path, required := c.ConfigPath, true
	if path == "" {
		path, required = "hookflow.yaml", false
	}
	f, err := loadFileConfig(path, required)
	if err != nil {
		return err
	}
	c.File = f
	if c.SMTP == "" {
		c.SMTP = f.SMTP
	}
	return nil
}

// redactDSN hides the password of a URL-style DSN.
func redactDSN(dsn string) string {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return dsn
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return dsn
	}
	if user, _, hasPass := strings.Cut(userinfo, ":"); hasPass {
		return scheme + "://" + user + ":***@" + host
	}
	return dsn
}
