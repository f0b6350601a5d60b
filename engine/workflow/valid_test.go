package workflow

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine/expr"
)

// loadValid parses one file of testdata/valid and fails on any diagnostic.
func loadValid(t *testing.T, name string) *Workflow {
	t.Helper()
	wf, ds := LoadFile(filepath.Join("testdata", "valid", name), testRegistry())
	if len(ds) > 0 {
		t.Fatalf("diagnostics for a valid workflow:\n%v", ds)
	}
	if wf == nil {
		t.Fatal("no workflow and no diagnostics")
	}
	return wf
}

func TestValidFilesParse(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/valid/*.yaml")
	if err != nil || len(files) < 5 {
		t.Fatalf("want several valid workflows, got %d (%v)", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			loadValid(t, filepath.Base(f))
		})
	}
}

func TestSpecExampleModel(t *testing.T) {
	t.Parallel()
	wf := loadValid(t, "order-fanout.yaml")
	if wf.Name != "order-fanout" || wf.Description == "" || wf.If == nil {
		t.Errorf("name %q, description %q, if %v", wf.Name, wf.Description, wf.If)
	}
	wh := wf.On.Webhook
	if wh == nil {
		t.Fatal("no webhook")
	}
	wantHook := Webhook{Path: "orders", Methods: []string{"POST"}, MaxBody: 1 << 20, WaitTimeout: 10 * time.Second}
	if wh.Path != wantHook.Path || !reflect.DeepEqual(wh.Methods, wantHook.Methods) ||
		wh.MaxBody != wantHook.MaxBody || wh.WaitTimeout != wantHook.WaitTimeout || wh.Respond != "" || wh.Dedupe != nil {
		t.Errorf("webhook = %+v", wh)
	}
	if v := wh.Verify; v == nil || v.Scheme != "hmac-sha256" || v.Header != "X-Signature" || v.Secret == nil {
		t.Errorf("verify = %+v", v)
	}
	if want := []Schedule{{Cron: "0 * * * *", Catchup: true, Pos: Pos{9, 7}}}; !reflect.DeepEqual(wf.On.Schedule, want) {
		t.Errorf("schedule = %+v, want %+v", wf.On.Schedule, want)
	}
	if ev := wf.On.Event; ev == nil || !reflect.DeepEqual(ev.Types, []string{"order.*"}) {
		t.Errorf("event = %+v", ev)
	}
	if !reflect.DeepEqual(wf.VarNames, []string{"billing"}) || wf.Vars["billing"] == nil {
		t.Errorf("vars %v %v", wf.VarNames, wf.Vars)
	}
	if got := stepIDs(wf.Steps); !reflect.DeepEqual(got, []string{"billing", "shipping", "inventory", "low_stock"}) {
		t.Errorf("steps %v", got)
	}
	if got := stepIDs(wf.OnError); !reflect.DeepEqual(got, []string{"tell_ops"}) {
		t.Errorf("on_error %v", got)
	}
	billing := wf.Step("billing")
	if want := (RetryPolicy{MaxAttempts: 5, Backoff: "exponential", Delay: time.Second, MaxDelay: 5 * time.Minute}); billing.Retry != want {
		t.Errorf("billing retry %+v", billing.Retry)
	}
	if billing.Pos != (Pos{16, 5}) || billing.Uses != "http" || billing.Def == nil || billing.Def.Name != "http" {
		t.Errorf("billing %+v", billing)
	}
	for _, s := range append(wf.Steps, wf.OnError...) {
		if s.Timeout != 30*time.Second || s.Retry.MaxAttempts == 0 || s.With == nil || s.Def == nil {
			t.Errorf("step %s: timeout %v retry %+v with %v", s.ID, s.Timeout, s.Retry, s.With)
		}
	}
	if wf.Step("inventory").Foreach == nil || wf.Step("low_stock").If == nil {
		t.Error("foreach or if not compiled")
	}
	if wf.Step("shipping").Retry != (RetryPolicy{MaxAttempts: 3, Backoff: "exponential", Delay: time.Second, MaxDelay: 5 * time.Minute}) {
		t.Errorf("default retry %+v", wf.Step("shipping").Retry)
	}
	if string(wf.Source[:5]) != "name:" || wf.File != filepath.Join("testdata", "valid", "order-fanout.yaml") {
		t.Errorf("file %q", wf.File)
	}
}

// TestNeedsInference needs expr's Refs: low_stock reads steps.inventory.
func TestNeedsInference(t *testing.T) {
	t.Parallel()
	wf := loadValid(t, "order-fanout.yaml")
	want := map[string][]string{"billing": nil, "shipping": nil, "inventory": nil, "low_stock": {"inventory"}, "tell_ops": nil}
	for id, needs := range want {
		if got := wf.Step(id).Needs; !reflect.DeepEqual(got, needs) {
			t.Errorf("%s needs %v, want %v", id, got, needs)
		}
	}
	m := loadValid(t, "manual.yaml")
	if got := m.Step("announce").Needs; !reflect.DeepEqual(got, []string{"compute"}) {
		t.Errorf("announce needs %v (block scalar ref)", got)
	}
	// on_error steps read main steps without needing them.
	if got := m.Step("page").Needs; got != nil {
		t.Errorf("page needs %v", got)
	}
	if got := m.Step("page_log").Needs; !reflect.DeepEqual(got, []string{"page"}) {
		t.Errorf("page_log needs %v", got)
	}
	r := loadValid(t, "respond-wait.yaml")
	if got := r.Step("reply").Needs; !reflect.DeepEqual(got, []string{"save"}) {
		t.Errorf("reply needs %v", got)
	}
}

func TestEveryFormModel(t *testing.T) {
	t.Parallel()
	wf := loadValid(t, "github-push.yaml")
	wh := wf.On.Webhook
	if wh.Path != "github/push" || !reflect.DeepEqual(wh.Methods, []string{"POST", "PUT"}) || wh.MaxBody != 2<<20 || wh.Dedupe == nil {
		t.Errorf("webhook %+v", wh)
	}
	if v := wh.Verify; v.Scheme != "github" || v.Header != "" {
		t.Errorf("verify %+v", v)
	}
	want := []Schedule{{Cron: "@every 30s", Catchup: true, Pos: Pos{14, 7}},
		{Cron: "0 9 * * 1-5", Timezone: "Europe/Paris", Catchup: false, Pos: Pos{15, 7}}}
	if !reflect.DeepEqual(wf.On.Schedule, want) {
		t.Errorf("schedule %+v", wf.On.Schedule)
	}
	if !reflect.DeepEqual(wf.VarNames, []string{"mirror", "limits", "plain"}) {
		t.Errorf("vars %v", wf.VarNames)
	}
	limits, err := wf.Vars["limits"].Eval(&expr.Env{})
	if err != nil || !reflect.DeepEqual(limits, map[string]any{"max": 3, "names": []any{"a", "b"}}) {
		t.Errorf("vars.limits = %#v, %v", limits, err)
	}
	mirror := wf.Step("mirror")
	if mirror.Uses != "http" || mirror.Timeout != 5*time.Second ||
		mirror.Retry != (RetryPolicy{MaxAttempts: 2, Backoff: "fixed", Delay: 500 * time.Millisecond, MaxDelay: 2 * time.Second}) {
		t.Errorf("mirror (merged from x-defaults) %+v", mirror)
	}
	each := wf.Step("each_commit")
	if !reflect.DeepEqual(each.Needs, []string{"mirror"}) || each.Foreach == nil || each.If == nil {
		t.Errorf("each_commit %+v", each)
	}
	items, err := each.Foreach.Eval(&expr.Env{})
	if err != nil || !reflect.DeepEqual(items, []any{"a", "b", "c"}) {
		t.Errorf("foreach = %#v, %v", items, err)
	}
	if s := wf.Step("summary"); !s.ContinueOnError || s.Timeout != 30*time.Second {
		t.Errorf("summary %+v", s)
	}
}

func TestRespondWaitModel(t *testing.T) {
	t.Parallel()
	wf := loadValid(t, "respond-wait.yaml")
	wh := wf.On.Webhook
	if wh.Respond != "wait" || wh.WaitTimeout != 3*time.Second || wh.VerifyToken == nil || wh.Methods != nil {
		t.Errorf("webhook %+v", wh)
	}
	if wh.Verify.Scheme != "standard-webhooks" || wh.Verify.Header != "" {
		t.Errorf("verify %+v", wh.Verify)
	}
	secret, err := wh.Verify.Secret.Eval(&expr.Env{})
	if err != nil || secret != "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" {
		t.Errorf("secret %v %v", secret, err)
	}
}

func TestTestsModel(t *testing.T) {
	t.Parallel()
	wf := loadValid(t, "order-tested.yaml")
	if len(wf.Tests) != 1 {
		t.Fatalf("tests %d", len(wf.Tests))
	}
	tc := wf.Tests[0]
	if tc.Name != "a purchase reaches all three" || tc.Pos != (Pos{39, 5}) {
		t.Errorf("test %q at %v", tc.Name, tc.Pos)
	}
	wantEvent := map[string]any{"method": "POST", "body": map[string]any{"type": "purchase", "total": 12,
		"items": []any{map[string]any{"sku": "a"}}}}
	if !reflect.DeepEqual(tc.Event, wantEvent) {
		t.Errorf("event %#v", tc.Event)
	}
	wantMock := map[string]any{"billing": map[string]any{"status": 201}, "inventory": map[string]any{"body": map[string]any{"stock": 2}}}
	if !reflect.DeepEqual(tc.Mock, wantMock) {
		t.Errorf("mock %#v", tc.Mock)
	}
	want := TestExpect{Ran: []string{"billing", "shipping", "inventory", "low_stock"}, Skipped: []string{},
		Outputs: map[string]any{"low_stock.status": 200}, HasRan: true, HasSkipped: true}
	if !reflect.DeepEqual(tc.Expect, want) {
		t.Errorf("expect %+v", tc.Expect)
	}
	m := loadValid(t, "manual.yaml")
	if ev := m.Tests[0].Event; !reflect.DeepEqual(ev, map[string]any{"body": map[string]any{"answer": 42}}) {
		t.Errorf("an event without event keys is the body: %#v", ev)
	}
	if e := m.Tests[0].Expect; e.Status != "succeeded" || e.HasFailed || !e.HasSkipped || e.Failed != nil {
		t.Errorf("expect %+v", e)
	}
}

func TestNoTrigger(t *testing.T) {
	t.Parallel()
	wf := loadValid(t, "manual.yaml")
	if wf.On.Webhook != nil || wf.On.Schedule != nil || wf.On.Event != nil || wf.If != nil {
		t.Errorf("triggers %+v", wf.On)
	}
}

func stepIDs(steps []*Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.ID)
	}
	return out
}
