package server

import (
	"context"
	"errors"
	"regexp"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/hookflow/hookflow/engine/store"
)

// subscriptionRoutes declares the routes of subscriptions, their
// deliveries and the event catalog (SPEC 4).
func (a *App) subscriptionRoutes() []apiRoute {
	invalid := "The problems: {error: sentence, problems: [{field, message}]}."
	return []apiRoute{
		{Method: "GET", Path: "/subscriptions", Summary: "Subscriptions, newest first.", Query: append([]apiParam{
			{"active", "true or false: only active or only inactive subscriptions."}}, pageParams...), Handler: a.listSubscriptions},
		{Method: "POST", Path: "/subscriptions", Summary: "Create a subscription: name, url, method (POST), content_type (application/json or application/x-www-form-urlencoded), max_attempts (1, at most 20), active (true), secret, events (types or globs), description, headers, rate_limit (deliveries per second).", Body: "json",
			Answers: map[int]string{201: "The subscription; its secret shows as ***.", 422: invalid}, Handler: a.createSubscription},
		{Method: "GET", Path: "/subscriptions/:id", Summary: "One subscription; its secret shows as *** (has_secret says whether one is set).", Handler: a.getSubscription},
		{Method: "PUT", Path: "/subscriptions/:id", Summary: "Replace a subscription; fields left out take their defaults; a secret or header value of *** keeps the stored one.", Body: "json",
			Answers: map[int]string{200: "The subscription.", 404: "No such subscription.", 409: "Changed concurrently; try again.", 422: invalid}, Handler: a.putSubscription},
		{Method: "PATCH", Path: "/subscriptions/:id", Summary: "Change the given fields of a subscription (null clears an optional one); active: true reactivates it.", Body: "json",
			Answers: map[int]string{200: "The subscription.", 404: "No such subscription.", 409: "Changed concurrently; try again.", 422: invalid}, Handler: a.patchSubscription},
		{Method: "DELETE", Path: "/subscriptions/:id", Summary: "Delete a subscription with its deliveries.", Answers: map[int]string{204: "Deleted.", 404: "No such subscription."}, Handler: a.deleteSubscription},
		{Method: "GET", Path: "/subscriptions/:id/deliveries", Summary: "A subscription's deliveries, newest first.", Query: append([]apiParam{
			{"status", "pending, succeeded or failed."}}, pageParams...), Handler: a.listDeliveries},
		{Method: "POST", Path: "/subscriptions/:id/test", Summary: "Send a test event to the subscription now (active or not) and answer with the attempt's result.",
			Answers: map[int]string{200: `{"delivery_id", "delivery_status", "succeeded", "status", "duration_ms", "response_body", "error"}`, 404: "No such subscription."}, Handler: a.testSubscription},
		{Method: "POST", Path: "/subscriptions/:id/replay", Summary: `Start a fresh attempt series for every failed delivery created since a time: {"since": RFC 3339}.`, Body: "json",
			Answers: map[int]string{202: `{"replayed": count}`, 404: "No such subscription.", 409: "The subscription is inactive.", 422: "since is missing or not RFC 3339."}, Handler: a.replaySubscription},
		{Method: "GET", Path: "/deliveries/:id", Summary: "One delivery with its attempts (status, duration, response body up to 64 KiB, error).", Handler: a.getDelivery},
		{Method: "POST", Path: "/deliveries/:id/retry", Summary: "Start a fresh attempt series for a delivery now; it keeps its webhook-id.",
			Answers: map[int]string{202: "The delivery, pending.", 404: "No such delivery.", 409: "An attempt is in progress, or the subscription is inactive."}, Handler: a.retryDelivery},
		{Method: "GET", Path: "/event-types", Summary: "The event catalog: event_types of hookflow.yaml (declared: true) and every type published (declared: false when not declared).", Handler: a.listEventTypes},
	}
}

// subscriptionView is a subscription as the API shows it: the secret and
// sensitive header values masked.
type subscriptionView struct {
	ID             string            `json:"id"`
	Name           string            `json:"name"`
	URL            string            `json:"url"`
	Method         string            `json:"method"`
	ContentType    string            `json:"content_type"`
	MaxAttempts    int               `json:"max_attempts"`
	Active         bool              `json:"active"`
	Secret         string            `json:"secret"`
	HasSecret      bool              `json:"has_secret"`
	Events         []string          `json:"events"`
	Description    string            `json:"description"`
	Headers        map[string]string `json:"headers"`
	RateLimit      *float64          `json:"rate_limit"`
	DisabledReason string            `json:"disabled_reason"`
	DisabledAt     *time.Time        `json:"disabled_at"`
	FailingSince   *time.Time        `json:"failing_since"`
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
}

// sensitiveHeader matches header names whose values are credentials.
var sensitiveHeader = regexp.MustCompile(`(?i)auth|token|secret|key|password|cookie|signature`)

func subView(sub *store.Subscription) subscriptionView {
	v := subscriptionView{ID: sub.ID, Name: sub.Name, URL: sub.URL, Method: sub.Method, ContentType: sub.ContentType,
		MaxAttempts: sub.MaxAttempts, Active: sub.Active, HasSecret: sub.Secret != "", Events: sub.Events,
		Description: sub.Description, Headers: map[string]string{}, DisabledReason: sub.DisabledReason,
		DisabledAt: sub.DisabledAt, FailingSince: sub.FailingSince, CreatedAt: sub.CreatedAt, UpdatedAt: sub.UpdatedAt}
	if v.HasSecret {
		v.Secret = masked
	}
	for k, val := range sub.Headers {
		if sensitiveHeader.MatchString(k) {
			val = masked
		}
		v.Headers[k] = val
	}
	if sub.RateLimit > 0 {
		r := sub.RateLimit
		v.RateLimit = &r
	}
	return v
}

// listSubscriptions is GET /api/v1/subscriptions?active=.
func (a *App) listSubscriptions(c *fiber.Ctx) error {
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	p := store.SubscriptionListParams{Limit: limit, Cursor: c.Query("cursor")}
	switch active := c.Query("active"); active {
	case "":
	case "true", "false":
		b := active == "true"
		p.Active = &b
	default:
		return apiError(c, fiber.StatusBadRequest, "active must be true or false")
	}
	subs, next, err := a.store.SubscriptionList(c.UserContext(), p)
	if err != nil {
		return storeError(c, err)
	}
	items := make([]subscriptionView, len(subs))
	for i, sub := range subs {
		items[i] = subView(sub)
	}
	return c.JSON(fiber.Map{"items": items, "next_cursor": next})
}

// createSubscription is POST /api/v1/subscriptions.
func (a *App) createSubscription(c *fiber.Ctx) error {
	fields, ps := decodeFields(c.Body())
	sub := newSubscription(time.Now().UTC())
	if ps == nil {
		ps = applyFields(sub, fields, nil)
	}
	normalize(sub)
	if ps = append(ps, validate(sub)...); len(ps) > 0 {
		return problemsError(c, ps)
	}
	if err := a.store.SubscriptionCreate(c.UserContext(), sub); err != nil {
		return storeError(c, err)
	}
	a.subs.changed(c.UserContext(), sub.ID)
	return c.Status(fiber.StatusCreated).JSON(subView(sub))
}

// getSubscription is GET /api/v1/subscriptions/{id}.
func (a *App) getSubscription(c *fiber.Ctx) error {
	sub, err := a.store.SubscriptionGet(c.UserContext(), c.Params("id"))
	if err != nil {
		return storeError(c, err)
	}
	return c.JSON(subView(sub))
}

// putSubscription is PUT /api/v1/subscriptions/{id}: the body is the
// whole subscription.
func (a *App) putSubscription(c *fiber.Ctx) error {
	return a.updateSubscription(c, func(prev *store.Subscription) *store.Subscription {
		sub := newSubscription(prev.CreatedAt)
		sub.ID, sub.Version = prev.ID, prev.Version
		sub.DisabledReason, sub.DisabledAt, sub.NoticePending = prev.DisabledReason, prev.DisabledAt, prev.NoticePending
		return sub
	})
}

// patchSubscription is PATCH /api/v1/subscriptions/{id}: the body holds
// the fields to change.
func (a *App) patchSubscription(c *fiber.Ctx) error {
	return a.updateSubscription(c, func(prev *store.Subscription) *store.Subscription {
		sub := *prev
		return &sub
	})
}

// updateSubscription reads, changes and writes a subscription, again when
// it changed meanwhile (an automatic deactivation, say). base returns
// what the body's fields are applied to.
func (a *App) updateSubscription(c *fiber.Ctx, base func(prev *store.Subscription) *store.Subscription) error {
	fields, ps := decodeFields(c.Body())
	if ps != nil {
		return problemsError(c, ps)
	}
	ctx := c.UserContext()
	for try := 0; try < 3; try++ {
		prev, err := a.store.SubscriptionGet(ctx, c.Params("id"))
		if err != nil {
			return storeError(c, err)
		}
		sub := base(prev)
		ps := applyFields(sub, fields, prev)
		normalize(sub)
		if ps = append(ps, validate(sub)...); len(ps) > 0 {
			return problemsError(c, ps)
		}
		sub.UpdatedAt = time.Now().UTC()
		if sub.Active && !prev.Active {
			sub.DisabledReason, sub.DisabledAt, sub.NoticePending = "", nil, false
		}
		err = a.store.SubscriptionUpdate(ctx, sub)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return storeError(c, err)
		}
		a.subs.changed(ctx, sub.ID)
		fresh, err := a.store.SubscriptionGet(ctx, sub.ID)
		if err != nil {
			return storeError(c, err)
		}
		return c.JSON(subView(fresh))
	}
	return apiError(c, fiber.StatusConflict, "the subscription changed while it was being updated; try again")
}

// deleteSubscription is DELETE /api/v1/subscriptions/{id}.
func (a *App) deleteSubscription(c *fiber.Ctx) error {
	id := c.Params("id")
	if err := a.store.SubscriptionDelete(c.UserContext(), id); err != nil {
		return storeError(c, err)
	}
	a.subs.changed(context.WithoutCancel(c.UserContext()), id)
	return c.SendStatus(fiber.StatusNoContent)
}

// problemsError answers 422 with every problem.
func problemsError(c *fiber.Ctx, ps problems) error {
	return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"error": ps.sentence(), "problems": ps})
}
