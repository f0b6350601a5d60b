package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/run"
	"github.com/hookflow/hookflow/engine/store"
	"github.com/hookflow/hookflow/engine/workflow"
	"github.com/hookflow/hookflow/triggers/schedule"
	"github.com/hookflow/hookflow/triggers/webhook"
)

// maxRequestBody is fiber's own cap on a request body; each inbound path
// applies its workflows' max_body (default 1 MiB) below it.
const maxRequestBody = 64 << 20

// App is one hookflow server: store, engine, triggers and HTTP routes. It
// runs in-process in tests; Start and Shutdown bracket its life.
type App struct {
	cfg   serveConfig
	io    IO
	log   *slog.Logger
	env   map[string]string
	token string // "" when only its hash is known (generated at an earlier start)
	// tokenHash is the SHA-256 of the token; requests are checked against it.
	tokenHash [sha256.Size]byte
	// tokenGenerated is true when the token was made at this start.
	tokenGenerated bool

	store   store.Store
	reg     *engine.Registry
	catalog *run.Catalog
	engine  *run.Engine
	loader  *loader
	hooks   *webhook.Trigger
	sched   *schedule.Trigger
	http    *fiber.App

	inspect *inspector
	client  *http.Client
	metrics *metrics
	// subs delivers published events to subscriptions.
	subs *subscriptions
	// appCtx ends when the server starts to drain; streams follow it.
	appCtx    context.Context
	endStream context.CancelFunc

	draining atomic.Bool
	ln       net.Listener
	stop     context.CancelFunc
	wg       sync.WaitGroup
}

// newApp opens the store and builds every part; nothing runs until Start.
// An unreachable database is an error here (serve exits 2).
func newApp(ctx context.Context, cfg serveConfig, io IO) (*App, error) {
	a := &App{cfg: cfg, io: io, log: newProcessLogger(io.Stderr, cfg.LogLevel), env: userEnv(io.Environ),
		inspect: newInspector(cfg.File.Retention.Inspector.std())}
	a.appCtx, a.endStream = context.WithCancel(context.Background())
	st, err := store.Open(ctx, cfg.DB, store.Options{Logger: a.log})
	if err != nil {
		return nil, err
	}
	a.store = st
	if err := a.setToken(ctx); err != nil {
		st.Close()
		return nil, err
	}
	a.hooks = webhook.New(webhook.Options{
		Dispatcher: dispatcherFunc(a.dispatch), Env: a.env, Logger: a.log,
		RateLimit: cfg.File.Limits.RateLimit, RateBurst: cfg.File.Limits.RateBurst,
		MaxInFlight: cfg.File.Limits.MaxInFlight, Draining: a.draining.Load,
		DedupeWindow: cfg.File.DedupeWindow.std(), Waiters: webhook.NewWaiters(), RunDone: a.runDone,
		Inspect: a.inspect.add,
	})
	allow, err := actions.ParseAllowList(cfg.AllowPrivate)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("settings: %w", err)
	}
	// One tuned, guarded client for every outgoing request: actions and
	// subscription deliveries share its connections.
	a.client = actions.NewHTTPClient(actions.ClientOptions{Allow: allow})
	a.reg, err = newRegistry(io, registryOptions{AllowPrivate: cfg.AllowPrivate, SMTP: cfg.SMTP, Client: a.client,
		Connections: cfg.File.Connections, Responder: a.hooks.Waiters(), Publisher: a, KV: st})
	if err != nil {
		st.Close()
		return nil, err
	}
	a.catalog = run.NewCatalog(a.loadVersion)
	a.metrics = newMetrics(a)
	a.engine, err = run.New(run.Config{
		Store: st, Registry: a.reg, Catalog: a.catalog, Workers: cfg.File.Limits.Workers,
		SingleNode: strings.HasPrefix(cfg.DB, "sqlite:"), Env: a.env, Logger: a.log, Observe: a.metrics.observeStep,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	if a.subs, err = newSubscriptions(ctx, a); err != nil {
		st.Close()
		return nil, err
	}
	a.sched = schedule.New(schedule.Options{Dispatcher: dispatcherFunc(a.dispatch), Since: a.firstStored, Logger: a.log})
	a.loader = &loader{dir: cfg.Workflows, reg: a.reg, store: st, catalog: a.catalog, log: a.log,
		byFile: map[string]string{}, onChange: a.workflowsChanged}
	a.http = a.routes()
	return a, nil
}

// tokenKey is where the hash of a generated API token is kept.
var tokenKey = store.KVKey{Namespace: "_hookflow", Key: "api_token_sha256"}

// setToken takes the configured API token; without one, it uses the token
// generated at the first start (only its SHA-256 is stored), or generates
// one now and shows it once.
func (a *App) setToken(ctx context.Context) error {
	if a.cfg.APIToken != "" {
		a.token = a.cfg.APIToken
		a.tokenHash = sha256.Sum256([]byte(a.token))
		return nil
	}
	v, ok, err := a.store.KVGet(ctx, tokenKey, time.Now())
	if err != nil {
		return fmt.Errorf("read API token: %w", err)
	}
	if s, isString := v.(string); ok && isString {
		b, err := hex.DecodeString(s)
		if err == nil && len(b) == sha256.Size {
			copy(a.tokenHash[:], b)
			return nil
		}
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return fmt.Errorf("generate API token: %w", err)
	}
	a.token, a.tokenGenerated = "hf_"+hex.EncodeToString(b), true
	a.tokenHash = sha256.Sum256([]byte(a.token))
	if err := a.store.KVSet(ctx, tokenKey, hex.EncodeToString(a.tokenHash[:]), 0, time.Now()); err != nil {
		return fmt.Errorf("store API token: %w", err)
	}
	return nil
}

// Start loads the workflows, starts the engine, the scheduler, the watcher
// and the listener, and prints where everything is.
func (a *App) Start(ctx context.Context) error {
	ctx, a.stop = context.WithCancel(context.WithoutCancel(ctx))
	if err := a.loader.reload(ctx); err != nil {
		return err
	}
	if err := a.engine.Start(ctx); err != nil {
		return err
	}
	a.subs.start(ctx)
	if err := a.loader.watch(ctx); err != nil {
		return err
	}
	a.wg.Add(2)
	go func() { defer a.wg.Done(); _ = a.sched.Run(ctx) }()
	go func() { defer a.wg.Done(); a.pruneLoop(ctx) }()
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.cfg.Addr, err)
	}
	a.ln = ln
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		if err := a.http.Listener(ln); err != nil {
			a.log.Error("http server stopped", "err", err)
		}
	}()
	a.startPprof()
	a.startPprof()
	a.printBanner()
	return nil
}

// URL is the server's base URL.
func (a *App) URL() string { return "http://" + a.ln.Addr().String() }

// Shutdown drains: new requests get 503, requests in hand are answered,
// steps in hand finish and their outcomes are committed; then the store
// closes.
func (a *App) Shutdown() error {
	a.draining.Store(true)
	a.endStream()
	if g := a.cfg.File.Limits.DrainGrace; g != nil && *g > 0 {
		time.Sleep(g.std()) // new requests get 503 + Retry-After meanwhile
	}
	timeout := a.cfg.File.Limits.DrainTimeout.std()
	var errs []error
	if err := a.http.ShutdownWithTimeout(timeout); err != nil {
		errs = append(errs, fmt.Errorf("stop http: %w", err))
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := a.engine.Drain(ctx); err != nil {
		a.log.Warn("steps still in hand after the drain timeout; they run again after a restart", "err", err)
	}
	a.stop()
	done := make(chan struct{})
	go func() { a.engine.Wait(); a.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
		errs = append(errs, errors.New("steps still running after the drain timeout; their leases will expire and they run again"))
	}
	errs = append(errs, a.Close())
	return errors.Join(errs...)
}

// Close releases the store.
func (a *App) Close() error {
	if err := a.store.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// workflowsChanged hands the current workflows to the triggers.
func (a *App) workflowsChanged(ctx context.Context, targets []run.Target) {
	if err := a.hooks.Load(targets); err != nil {
		a.log.Error("inbound webhooks", "err", err)
	}
	if err := a.sched.Load(ctx, targets); err != nil {
		a.log.Error("schedules", "err", err)
	}
}

// dispatch stores an event and its runs (the engine's group commit).
func (a *App) dispatch(ctx context.Context, ev *engine.Event, targets []run.Target) (engine.AcceptResult, error) {
	res, err := a.engine.Dispatch(ctx, ev, targets)
	if err == nil && !res.Duplicate {
		a.metrics.eventAccepted(ev.Type)
	}
	return res, err
}

// loadVersion parses a stored workflow version that is not in memory.
func (a *App) loadVersion(ctx context.Context, name string, v int) (*workflow.Workflow, error) {
	ver, err := a.store.VersionGet(ctx, name, v)
	if err != nil {
		return nil, err
	}
	w, diags := workflow.Parse(name+".yaml", []byte(ver.Source), a.reg)
	if len(diags) > 0 {
		return nil, diags
	}
	return w, nil
}

// runDone reports whether a run has finished.
func (a *App) runDone(ctx context.Context, runID string) (bool, error) {
	r, err := a.store.RunGet(ctx, runID)
	if err != nil {
		return false, err
	}
	return r.FinishedAt != nil, nil
}

// firstStored is when a workflow's first version was stored.
func (a *App) firstStored(ctx context.Context, name string) (time.Time, error) {
	vs, err := a.store.VersionList(ctx, name)
	if err != nil || len(vs) == 0 {
		return time.Time{}, err
	}
	return vs[len(vs)-1].CreatedAt, nil
}

// dispatcherFunc adapts a function to the triggers' Dispatcher.
type dispatcherFunc func(ctx context.Context, ev *engine.Event, targets []run.Target) (engine.AcceptResult, error)

// Dispatch calls f.
func (f dispatcherFunc) Dispatch(ctx context.Context, ev *engine.Event, targets []run.Target) (engine.AcceptResult, error) {
	return f(ctx, ev, targets)
}
