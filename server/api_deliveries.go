package server

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/store"
)

var deliveryStatuses = []string{store.DeliveryPending, store.DeliverySucceeded, store.DeliveryFailed}

// deliveryView is a delivery as the API shows it.
type deliveryView struct {
	ID             string         `json:"id"`
	WebhookID      string         `json:"webhook_id"`
	SubscriptionID string         `json:"subscription_id"`
	EventID        string         `json:"event_id"`
	EventType      string         `json:"event_type"`
	Status         string         `json:"status"`
	AttemptCount   int            `json:"attempt_count"`
	Series         int            `json:"series"`
	SeriesAttempts int            `json:"series_attempts"`
	NextAttemptAt  *time.Time     `json:"next_attempt_at"`
	InFlight       bool           `json:"in_flight"`
	LastStatus     int            `json:"last_status,omitempty"`
	Error          string         `json:"error,omitempty"`
	CreatedAt      time.Time      `json:"created_at"`
	FinishedAt     *time.Time     `json:"finished_at"`
	Attempts       []attemptView  `json:"attempts,omitempty"`
	Subscription   *subRefView    `json:"subscription,omitempty"`
	Event          map[string]any `json:"event,omitempty"`
}

// subRefView names a delivery's subscription.
type subRefView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// attemptView is one attempt of a delivery.
type attemptView struct {
	Attempt      int       `json:"attempt"`
	Series       int       `json:"series"`
	StartedAt    time.Time `json:"started_at"`
	DurationMS   int64     `json:"duration_ms"`
	Status       int       `json:"status,omitempty"`
	ResponseBody string    `json:"response_body,omitempty"`
	Error        string    `json:"error,omitempty"`
}

func deliveryOf(d *store.Delivery) deliveryView {
	return deliveryView{ID: d.ID, WebhookID: d.ID, SubscriptionID: d.SubscriptionID, EventID: d.EventID,
		EventType: d.EventType, Status: d.Status, AttemptCount: d.Attempts, Series: d.Series,
		SeriesAttempts: d.SeriesAttempts, NextAttemptAt: d.NextAttemptAt, InFlight: d.InFlight,
		LastStatus: d.LastStatus, Error: d.Error, CreatedAt: d.CreatedAt, FinishedAt: d.FinishedAt}
}

func attemptOf(at *store.DeliveryAttempt) attemptView {
	return attemptView{Attempt: at.Attempt, Series: at.Series, StartedAt: at.StartedAt, DurationMS: at.DurationMS,
		Status: at.Status, ResponseBody: strings.ToValidUTF8(string(at.Response), "\uFFFD"), Error: at.Error}
}

// listDeliveries is GET /api/v1/subscriptions/{id}/deliveries?status=.
func (a *App) listDeliveries(c *fiber.Ctx) error {
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	status := c.Query("status")
	if status != "" && !slices.Contains(deliveryStatuses, status) {
		return apiError(c, fiber.StatusBadRequest, "status must be one of "+strings.Join(deliveryStatuses, ", "))
	}
	ctx := c.UserContext()
	sub, err := a.store.SubscriptionGet(ctx, c.Params("id"))
	if err != nil {
		return storeError(c, err)
	}
	ds, next, err := a.store.DeliveryList(ctx, store.DeliveryListParams{SubscriptionID: sub.ID, Status: status, Limit: limit, Cursor: c.Query("cursor")})
	if err != nil {
		return storeError(c, err)
	}
	items := make([]deliveryView, len(ds))
	for i, d := range ds {
		items[i] = deliveryOf(d)
	}
	return c.JSON(fiber.Map{"items": items, "next_cursor": next})
}

// getDelivery is GET /api/v1/deliveries/{id}: the delivery, its attempts,
// its subscription's name and its event.
func (a *App) getDelivery(c *fiber.Ctx) error {
	ctx := c.UserContext()
	d, err := a.store.DeliveryGet(ctx, c.Params("id"))
	if err != nil {
		return storeError(c, err)
	}
	atts, err := a.store.DeliveryAttemptList(ctx, d.ID)
	if err != nil {
		return storeError(c, err)
	}
	v := deliveryOf(d)
	v.Attempts = make([]attemptView, len(atts))
	for i, at := range atts {
		v.Attempts[i] = attemptOf(at)
	}
	if sub, err := a.store.SubscriptionGet(ctx, d.SubscriptionID); err == nil {
		v.Subscription = &subRefView{ID: sub.ID, Name: sub.Name}
	}
	if ev, err := a.store.EventGet(ctx, d.EventID); err == nil {
		v.Event = map[string]any{"id": ev.ID, "type": ev.Type, "timestamp": ev.ReceivedAt, "data": ev.Body}
	}
	return c.JSON(v)
}

// retryDelivery is POST /api/v1/deliveries/{id}/retry.
func (a *App) retryDelivery(c *fiber.Ctx) error {
	ctx := c.UserContext()
	d, err := a.store.DeliveryGet(ctx, c.Params("id"))
	if err != nil {
		return storeError(c, err)
	}
	if done, err := a.requireActive(c, d.SubscriptionID); done {
		return err
	}
	n, err := a.store.DeliveryRetry(ctx, store.DeliveryRetryParams{ID: d.ID, Now: time.Now()})
	if err != nil {
		return storeError(c, err)
	}
	if n == 0 {
		return apiError(c, fiber.StatusConflict, "an attempt of this delivery is in progress; retry it when it ends")
	}
	a.subs.deliv.Wake()
	if d, err = a.store.DeliveryGet(ctx, d.ID); err != nil {
		return storeError(c, err)
	}
	return c.Status(fiber.StatusAccepted).JSON(deliveryOf(d))
}

// requireActive answers 404 or 409 unless the subscription exists and is
// active; done reports whether it answered.
func (a *App) requireActive(c *fiber.Ctx, subID string) (done bool, err error) {
	sub, err := a.store.SubscriptionGet(c.UserContext(), subID)
	if err != nil {
		return true, storeError(c, err)
	}
	if !sub.Active {
		return true, apiError(c, fiber.StatusConflict, "the subscription is inactive: activate it (PATCH {\"active\": true}) first")
	}
	return false, nil
}

// replaySubscription is POST /api/v1/subscriptions/{id}/replay with
// {"since": RFC 3339}: every failed delivery created since then starts a
// fresh attempt series.
func (a *App) replaySubscription(c *fiber.Ctx) error {
	var req struct {
		Since string `json:"since"`
	}
	if err := json.Unmarshal(c.Body(), &req); err != nil {
		return apiError(c, fiber.StatusUnprocessableEntity, "body must be JSON like {\"since\": \"2025-03-01T00:00:00Z\"}")
	}
	since, err := time.Parse(time.RFC3339, req.Since)
	if err != nil {
		return apiError(c, fiber.StatusUnprocessableEntity, "since must be an RFC 3339 time like 2025-03-01T00:00:00Z")
	}
	id := c.Params("id")
	if done, err := a.requireActive(c, id); done {
		return err
	}
	n, err := a.store.DeliveryRetry(c.UserContext(), store.DeliveryRetryParams{SubscriptionID: id, Since: since, Now: time.Now()})
	if err != nil {
		return storeError(c, err)
	}
	a.subs.deliv.Wake()
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"replayed": n})
}

// testSubscription is POST /api/v1/subscriptions/{id}/test: a test event
// is sent at once and the answer is the attempt's outcome.
func (a *App) testSubscription(c *fiber.Ctx) error {
	ctx := c.UserContext()
	sub, err := a.store.SubscriptionGet(ctx, c.Params("id"))
	if err != nil {
		return storeError(c, err)
	}
	data := map[string]any{"message": "This is a test event from hookflow.", "subscription_id": sub.ID}
	raw, _ := json.Marshal(data)
	ev := &engine.Event{Type: "test", Body: data, Raw: raw}
	id, res, err := a.subs.deliv.Test(ctx, sub, ev)
	if err != nil && id == "" {
		return storeError(c, err)
	}
	return c.JSON(fiber.Map{
		"delivery_id": id, "delivery_status": res.Status, "succeeded": res.Healthy,
		"status": res.Record.Status, "duration_ms": res.Record.DurationMS,
		"response_body": strings.ToValidUTF8(string(res.Record.Response), "\uFFFD"), "error": res.Record.Error,
	})
}

// eventTypeView is one entry of the event catalog.
type eventTypeView struct {
	Name        string     `json:"name"`
	Description string     `json:"description,omitempty"`
	Example     any        `json:"example,omitempty"`
	Declared    bool       `json:"declared"`
	FirstSeen   *time.Time `json:"first_seen"`
}

// listEventTypes is GET /api/v1/event-types: the declared types and every
// type published, by name, in one page.
func (a *App) listEventTypes(c *fiber.Ctx) error {
	seen, err := a.store.EventTypeList(c.UserContext())
	if err != nil {
		return storeError(c, err)
	}
	byName := map[string]*eventTypeView{}
	for _, et := range a.cfg.File.EventTypes {
		byName[et.Name] = &eventTypeView{Name: et.Name, Description: et.Description, Example: et.Example, Declared: true}
	}
	for _, et := range seen {
		v := byName[et.Name]
		if v == nil {
			v = &eventTypeView{Name: et.Name}
			byName[et.Name] = v
		}
		first := et.FirstSeen
		v.FirstSeen = &first
	}
	items := make([]eventTypeView, 0, len(byName))
	for _, v := range byName {
		items = append(items, *v)
	}
	slices.SortFunc(items, func(x, y eventTypeView) int { return strings.Compare(x.Name, y.Name) })
	return c.JSON(fiber.Map{"items": items, "next_cursor": ""})
}
