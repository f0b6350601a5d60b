package server

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/deliver"
	"github.com/hookflow/hookflow/engine/run"
	"github.com/hookflow/hookflow/engine/store"
	"github.com/hookflow/hookflow/triggers/event"
)

// indexRefresh is how often the subscription index is read again, for
// changes made on other nodes.
const indexRefresh = 5 * time.Second

// subscriptions is the server's side of published-event subscriptions:
// the delivery worker, an in-memory index of the active subscriptions'
// event globs (so publishing never reads them from the database), and the
// event types seen.
type subscriptions struct {
	app   *App
	deliv *deliver.Deliverer
	index atomic.Pointer[subIndex]
	// reload serialises index rebuilds.
	reload sync.Mutex
	// seen holds the event types already recorded by this process.
	seen sync.Map
}

// subIndex maps event types to active subscriptions.
type subIndex struct {
	exact map[string][]string // type → subscription ids
	globs []globSub
}

// globSub is a subscription with globs among its event types.
type globSub struct {
	id    string
	globs []string
}

// newSubscriptions builds the deliverer on the server's guarded client and
// reads the index, so that events published as soon as the engine starts
// (by runs resumed from an earlier process) find their subscriptions.
func newSubscriptions(ctx context.Context, a *App) (*subscriptions, error) {
	var err error
	s := &subscriptions{app: a}
	schedule := make([]time.Duration, len(a.cfg.File.RetrySchedule))
	for i, d := range a.cfg.File.RetrySchedule {
		schedule[i] = d.std()
	}
	s.deliv, err = deliver.New(deliver.Config{
		Store: a.store, Client: a.client,
		Schedule: schedule, DisableAfter: a.cfg.File.DisableAfter.std(),
		Retention: a.cfg.File.Retention.Runs.std(), SingleNode: strings.HasPrefix(a.cfg.DB, "sqlite:"),
		Notify: s.notifyDisabled, UserAgent: "hookflow/" + version, Logger: a.log,
		Committed: a.metrics.deliveriesCommitted,
	})
	if err != nil {
		return nil, fmt.Errorf("settings: retry_schedule: %w", err)
	}
	if err := s.refresh(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// start runs the deliverer and the index refresher until ctx ends; the
// App's wait group tracks them.
func (s *subscriptions) start(ctx context.Context) {
	s.app.wg.Add(2)
	go func() {
		defer s.app.wg.Done()
		if err := s.deliv.Run(ctx); err != nil {
			s.app.log.Error("deliveries", "err", err)
		}
	}()
	go func() {
		defer s.app.wg.Done()
		t := time.NewTicker(indexRefresh)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if err := s.refresh(ctx); err != nil && ctx.Err() == nil {
				s.app.log.Error("read subscriptions", "err", err)
			}
		}
	}()
}

// refresh rebuilds the index from the active subscriptions.
func (s *subscriptions) refresh(ctx context.Context) error {
	s.reload.Lock()
	defer s.reload.Unlock()
	idx := &subIndex{exact: map[string][]string{}}
	cursor, active := "", true
	for {
		subs, next, err := s.app.store.SubscriptionList(ctx, store.SubscriptionListParams{Active: &active, Limit: 500, Cursor: cursor})
		if err != nil {
			return fmt.Errorf("read subscriptions: %w", err)
		}
		for _, sub := range subs {
			idx.add(sub)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	s.index.Store(idx)
	return nil
}

// add indexes one subscription's event types.
func (idx *subIndex) add(sub *store.Subscription) {
	var globs []string
	for _, e := range sub.Events {
		if strings.Contains(e, "*") {
			globs = append(globs, e)
		} else if !contains(idx.exact[e], sub.ID) {
			idx.exact[e] = append(idx.exact[e], sub.ID)
		}
	}
	if len(globs) > 0 {
		idx.globs = append(idx.globs, globSub{id: sub.ID, globs: globs})
	}
}

// match returns the ids of the subscriptions whose events match typ, each
// once.
func (idx *subIndex) match(typ string) []string {
	ids := idx.exact[typ]
	var extra []string
	for _, g := range idx.globs {
		if event.MatchAny(g.globs, typ) && !contains(ids, g.id) && !contains(extra, g.id) {
			extra = append(extra, g.id)
		}
	}
	if len(extra) == 0 {
		return ids
	}
	return append(append([]string{}, ids...), extra...)
}

// deliveriesFor returns one new delivery per active subscription matching
// typ.
func (s *subscriptions) deliveriesFor(typ string) []store.DeliveryCreate {
	ids := s.index.Load().match(typ)
	if len(ids) == 0 {
		return nil
	}
	out := make([]store.DeliveryCreate, len(ids))
	for i, id := range ids {
		out[i] = store.DeliveryCreate{ID: newDeliveryID(), SubscriptionID: id}
	}
	return out
}

// published follows a committed published event: the deliverer is woken
// for its deliveries, and its type is recorded in the catalog the first
// time this process sees it.
func (s *subscriptions) published(ctx context.Context, typ string, deliveries int) {
	if deliveries > 0 {
		s.deliv.Wake()
	}
	if _, ok := s.seen.Load(typ); ok {
		return
	}
	if err := s.app.store.EventTypeSeen(ctx, typ, time.Now()); err != nil {
		s.app.log.Error("record event type", "type", typ, "err", err)
		return
	}
	s.seen.Store(typ, true)
}

// changed follows a change of a subscription through the API: the index
// is rebuilt and the deliveries waiting in memory are taken again with the
// subscription as it is now.
func (s *subscriptions) changed(ctx context.Context, id string) {
	if err := s.refresh(ctx); err != nil {
		s.app.log.Error("read subscriptions", "err", err)
	}
	if err := s.deliv.SubscriptionChanged(ctx, id); err != nil {
		s.app.log.Error("hand back deliveries", "subscription", id, "err", err)
	}
}

// notifyDisabled publishes subscription.disabled for a deactivated
// subscription (once per deactivation: the dedupe key names it), so that
// workflows can react, and drops it from the index.
func (s *subscriptions) notifyDisabled(ctx context.Context, sub *store.Subscription) error {
	if err := s.refresh(ctx); err != nil {
		s.app.log.Error("read subscriptions", "err", err)
	}
	at := sub.DisabledAt.UTC()
	data := map[string]any{
		"id": sub.ID, "name": sub.Name, "url": redactedURL(sub.URL), "events": sub.Events,
		"reason": sub.DisabledReason, "disabled_at": at.Format(time.RFC3339Nano),
	}
	key := "subscription.disabled:" + sub.ID + ":" + strconv.FormatInt(at.UnixMicro(), 10)
	_, err := s.app.publish(ctx, "subscription.disabled", data, key)
	return err
}

// dispatchPublished stores a published event with the runs of targets and
// one delivery per matching active subscription, in one transaction.
func (a *App) dispatchPublished(ctx context.Context, ev *engine.Event, targets []run.Target) (engine.AcceptResult, error) {
	ds := a.subs.deliveriesFor(ev.Type)
	res, err := a.engine.DispatchWith(ctx, ev, targets, ds)
	if err != nil || res.Duplicate {
		return res, err
	}
	a.metrics.eventAccepted(ev.Type)
	a.subs.published(ctx, ev.Type, len(ds))
	return res, nil
}

// redactedURL shows a URL without the parts that usually hold
// credentials (user info, query, fragment).
func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return engine.RedactURL(u)
}

// newDeliveryID returns a time-ordered unique id.
func newDeliveryID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}
