package actions

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hookflow/hookflow/engine"
)

// This file is the one shared check that secrets never leak (SPEC 6): every
// registered action runs with a known secret in each of its secret
// parameters, in its credential headers, and in the server settings it
// reads, against loopback receivers, the test SMTP server and the local
// databases, in success and failure; the secret must then appear nowhere in
// the returned error, in the recorded exchanges (after the executor's
// redaction, replicated below), or in the logs. An action missing from
// secretCases fails the test, so a new action is covered from its first
// commit.

// leakSecret is the known secret.
const leakSecret = "Sup3r-S3cret-Value-9f8e7d"

// secretRun is one run of an action with secrets in its input.
type secretRun struct {
	name string
	with map[string]any
	// secrets must appear nowhere; nil means leakSecret.
	secrets []string
	// strict runs with a guard that allows nothing (so the dial is
	// refused); otherwise loopback is allowed.
	strict bool
	// smtpURL and connections are the server's settings (Deps).
	smtpURL     string
	connections map[string]string
	// wantErr says whether the (non-dry) run fails, so that each run
	// surely exercises the path it names.
	wantErr bool
}

// secretCases gives every registered action its runs.
var secretCases = map[string]func(t *testing.T) []secretRun{
	"http":    httpSecretRuns,
	"slack":   chatSecretRuns("slack"),
	"discord": chatSecretRuns("discord"),
	"teams":   chatSecretRuns("teams"),
	"email":   emailSecretRuns,
	"sql":     sqlSecretRuns,
	"respond": respondSecretRuns,
	"log": func(*testing.T) []secretRun {
		return []secretRun{{name: "message", with: map[string]any{"message": "order paid"}}}
	},
	"delay": func(*testing.T) []secretRun {
		return []secretRun{{name: "duration", with: map[string]any{"duration": "0s"}}}
	},
	"emit": func(*testing.T) []secretRun {
		return []secretRun{{name: "no publisher", with: map[string]any{"type": "order.shipped", "data": map[string]any{"id": 1}}, wantErr: true}}
	},
	"store": func(*testing.T) []secretRun {
		return []secretRun{{name: "no state", with: map[string]any{"op": "get", "key": "k"}, wantErr: true}}
	},
	"transform": func(*testing.T) []secretRun {
		return []secretRun{{name: "values", with: map[string]any{"values": map[string]any{"a": 1}}}}
	},
}

func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	reg := Registry(Deps{})
	for _, name := range reg.Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			build, ok := secretCases[name]
			if !ok {
				t.Fatalf("action %s has no entry in secretCases: give it runs with a known secret in each secret parameter and credential header", name)
			}
			def, _ := reg.Lookup(name)
			covered := map[string]bool{}
			for _, run := range build(t) {
				for _, dry := range []bool{false, true} {
					checkNoLeak(t, name, run, dry, covered)
				}
			}
			for _, field := range secretFields(def.ParamsType()) {
				if !covered[field] {
					t.Errorf("no run puts a secret in %s's secret parameter %s", name, field)
				}
			}
		})
	}
}

// checkNoLeak runs one action once and looks for the secrets in what it
// returned, recorded and logged. A dry run logs through the fallback
// logger (no step.Log), the other through step.Log.
func checkNoLeak(t *testing.T, action string, run secretRun, dry bool, covered map[string]bool) {
	t.Helper()
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	deps := Deps{Logger: logger, Version: "test", AllowPrivateNetworks: "127.0.0.0/8,::1",
		SMTPURL: run.smtpURL, Connections: run.connections}
	if run.strict {
		deps.AllowPrivateNetworks = ""
	}
	reg := Registry(deps)
	defer closeActions(t, reg)
	def, _ := reg.Lookup(action)
	params, err := def.DecodeParams(run.with)
	if err != nil {
		t.Fatalf("%s: DecodeParams: %v", run.name, err)
	}
	step := &engine.Step{RunID: "run1", StepID: "s1", Workflow: "wf", Attempt: 1, Item: -1, DeliveryID: "msg_leak", Params: params, DryRun: dry}
	if !dry {
		step.Log = logger.With("run", "run1", "step", "s1")
	}
	_, err = def.Action.Run(t.Context(), step)
	if !dry && (err != nil) != run.wantErr {
		t.Errorf("%s: error %v, want an error: %v", run.name, err, run.wantErr)
	}
	secrets := run.secrets
	if secrets == nil {
		secrets = []string{leakSecret}
	}
	records, _ := json.Marshal(executorRedact(step.Exchanges(), paramSecrets(params)))
	seen := map[string]string{"the error": "", "the records": string(records), "the logs": logs.String()}
	if err != nil {
		seen["the error"] = err.Error()
	}
	for _, secret := range secrets {
		for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
			for where, text := range seen {
				if strings.Contains(text, form) {
					t.Errorf("%s (dry run %v): %s shows the secret %q:\n%s", run.name, dry, where, form, text)
				}
			}
		}
	}
	markCovered(params, secrets, covered)
}

// closeActions closes the actions that hold resources (the sql pools).
func closeActions(t *testing.T, reg *engine.Registry) {
	for _, n := range reg.Names() {
		d, _ := reg.Lookup(n)
		if c, ok := d.Action.(io.Closer); ok {
			if err := c.Close(); err != nil {
				t.Errorf("close %s: %v", n, err)
			}
		}
	}
}

// executorHeaderWords and executorRedact replicate what the executor does
// to exchanges before it stores them (engine/run/redact.go): credential
// headers, by name, become ***, and the values of the parameters tagged
// secret:"true" are replaced by *** wherever they appear.
var executorHeaderWords = []string{"authorization", "cookie", "token", "secret", "password", "api-key", "apikey"}

func executorRedact(xs []engine.Exchange, secrets []string) []engine.Exchange {
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	text := func(s string) string { // independent of the actions' own scrubText
		for _, secret := range secrets {
			if len(secret) >= 4 {
				s = strings.ReplaceAll(s, secret, "***")
			}
		}
		return s
	}
	headers := func(h map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range h {
			out[k] = text(v)
			for _, w := range executorHeaderWords {
				if strings.Contains(strings.ToLower(k), w) {
					out[k] = "***"
				}
			}
		}
		return out
	}
	out := make([]engine.Exchange, len(xs))
	for i, x := range xs {
		if x.Request != nil {
			out[i].Request = &engine.RequestRecord{Method: x.Request.Method, URL: text(x.Request.URL),
				Headers: headers(x.Request.Headers), Body: text(x.Request.Body)}
		}
		if x.Response != nil {
			out[i].Response = &engine.ResponseRecord{Status: x.Response.Status,
				Headers: headers(x.Response.Headers), Body: text(x.Response.Body)}
		}
	}
	return out
}

// secretFields returns the json names of the fields tagged secret:"true".
func secretFields(typ reflect.Type) []string {
	var out []string
	for f := range typ.Fields() {
		if f.Tag.Get("secret") == "true" {
			out = append(out, f.Tag.Get("json"))
		}
	}
	return out
}

// paramSecrets returns the values of the secret parameters, as the
// executor collects them (text of at least 4 bytes).
func paramSecrets(params any) []string {
	v := reflect.ValueOf(params).Elem()
	var out []string
	for _, f := range secretFieldIndexes(v.Type()) {
		if s := v.Field(f).String(); len(s) >= 4 {
			out = append(out, s)
		}
	}
	return out
}

func secretFieldIndexes(typ reflect.Type) []int {
	var out []int
	for i := range typ.NumField() {
		if typ.Field(i).Tag.Get("secret") == "true" && typ.Field(i).Type.Kind() == reflect.String {
			out = append(out, i)
		}
	}
	return out
}

// markCovered notes the secret parameters whose value holds a secret.
func markCovered(params any, secrets []string, covered map[string]bool) {
	v := reflect.ValueOf(params).Elem()
	for _, i := range secretFieldIndexes(v.Type()) {
		for _, s := range secrets {
			if strings.Contains(v.Field(i).String(), s) {
				covered[v.Type().Field(i).Tag.Get("json")] = true
			}
		}
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// unusedAddr returns a loopback address where nothing listens.
func unusedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func httpSecretRuns(t *testing.T) []secretRun {
	ok := newReceiver(t, nil)
	denied := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, "bad credentials")
	})
	headers := map[string]any{"Authorization": "Bearer " + leakSecret, "X-Api-Token": leakSecret, "Cookie": "session=" + leakSecret}
	inURL := "http://user:" + leakSecret + "@" + unusedAddr(t) + "/x?token=" + leakSecret
	return []secretRun{
		{name: "signed, with credential headers", with: map[string]any{"url": ok.URL + "/in", "secret": leakSecret, "headers": headers, "body": map[string]any{"a": 1}}},
		{name: "refused with 401", with: map[string]any{"url": denied.URL + "/in", "secret": leakSecret, "headers": headers}, wantErr: true},
		{name: "credentials in the URL, unreachable", with: map[string]any{"url": inURL, "secret": leakSecret}, wantErr: true},
		{name: "refused by the guard", strict: true, with: map[string]any{"url": ok.URL + "/in?token=" + leakSecret, "secret": leakSecret, "headers": headers}, wantErr: true},
		{name: "broken whsec_ secret", with: map[string]any{"url": ok.URL, "secret": "whsec_" + leakSecret + "!"}, wantErr: true},
	}
}

func chatSecretRuns(action string) func(t *testing.T) []secretRun {
	return func(t *testing.T) []secretRun {
		hook := "/services/T0/B0/" + leakSecret
		ok := newReceiver(t, nil)
		gone := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, "no_service")
		})
		moved := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "https://elsewhere.example"+hook)
			w.WriteHeader(http.StatusMovedPermanently)
		})
		return []secretRun{
			{name: "posted", with: chatWith(action, ok.URL+hook, "hello")},
			{name: "404", with: chatWith(action, gone.URL+hook, "hello"), wantErr: true},
			{name: "redirect", with: chatWith(action, moved.URL+hook, "hello"), wantErr: true},
			{name: "unreachable", with: chatWith(action, "http://"+unusedAddr(t)+hook, "hello"), wantErr: true},
			{name: "refused by the guard", strict: true, with: chatWith(action, ok.URL+hook, "hello"), wantErr: true},
			{name: "token in the query", with: chatWith(action, gone.URL+"/hook?token="+leakSecret, "hello"), wantErr: true},
			{name: "bad scheme", with: chatWith(action, "ftp://hooks.example"+hook, "hello"), wantErr: true},
		}
	}
}

func emailSecretRuns(t *testing.T) []secretRun {
	srv := newSMTPServer(t, smtpOptions{})
	msg := func(extra map[string]any) map[string]any {
		with := map[string]any{"to": "a@example.com", "from": "shop@example.com", "subject": "s", "text": "t"}
		for k, v := range extra {
			with[k] = v
		}
		return with
	}
	wrong := "smtp://ana:" + leakSecret + "@" + srv.Addr
	return []secretRun{
		{name: "sent", with: msg(map[string]any{"smtp": srv.URL("smtp", "")}), secrets: []string{smtpPassword}},
		{name: "sent with the server's URL", smtpURL: srv.URL("smtp", ""), with: msg(nil), secrets: []string{smtpPassword}},
		{name: "wrong password", with: msg(map[string]any{"smtp": wrong}), wantErr: true},
		{name: "server's URL, wrong password", smtpURL: wrong, with: msg(nil), wantErr: true},
		{name: "unreachable", with: msg(map[string]any{"smtp": "smtp://ana:" + leakSecret + "@" + unusedAddr(t)}), wantErr: true},
		{name: "refused by the guard", strict: true, with: msg(map[string]any{"smtp": wrong}), wantErr: true},
		{name: "URL that does not parse", with: msg(map[string]any{"smtp": "smtp://ana:" + leakSecret + "/x@" + srv.Addr}), wantErr: true},
	}
}

// sqlSecretRuns use the PostgreSQL and MariaDB on 127.0.0.1 with a user and
// password they do not know, and fail the same way when nothing listens.
func sqlSecretRuns(t *testing.T) []secretRun {
	pg := "postgres://hookflow_leak:" + leakSecret + "@127.0.0.1:5432/hookflow_leak?sslmode=disable&connect_timeout=5"
	my := "mysql://hookflow_leak:" + leakSecret + "@127.0.0.1:3306/hookflow_leak?timeout=5s"
	query := func(conn string) map[string]any { return map[string]any{"connection": conn, "query": "SELECT 1"} }
	return []secretRun{
		{name: "postgres, unknown password", with: query(pg), wantErr: true},
		{name: "mysql, unknown password", with: query(my), wantErr: true},
		{name: "named connection", connections: map[string]string{"main": pg}, with: query("main"), wantErr: true},
		{name: "refused by the guard", strict: true, with: query(pg), wantErr: true},
		{name: "sqlite", with: map[string]any{"connection": "sqlite://" + t.TempDir() + "/x.db", "query": "SELECT ?", "args": []any{"not a secret"}}},
	}
}

func respondSecretRuns(*testing.T) []secretRun {
	return []secretRun{{name: "credential headers", with: map[string]any{
		"status":  200,
		"headers": map[string]any{"Set-Cookie": "session=" + leakSecret, "Authorization": "Bearer " + leakSecret, "X-Api-Token": leakSecret},
		"body":    "ok",
	}}}
}
