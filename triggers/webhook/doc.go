// Package webhook turns inbound HTTP requests on /hooks/{path} into durable
// events (SPEC section 2).
//
// A Trigger holds the route table of the loaded workflows (Load swaps it
// atomically) and serves every request through a pipeline of small
// stages, each of which either passes the request on or answers it:
//
//	draining      503 + Retry-After while the server drains
//	route         404 when no workflow listens on the path
//	hub.challenge the Meta/WhatsApp GET handshake (200 or 403), no run
//	method        405 + Allow when no workflow takes the method
//	size          413 over the largest max_body of those workflows
//	rate          429 + Retry-After over the path's rate limit
//	in flight     503 + Retry-After when MaxInFlight requests are in hand
//	verify        401 unless a workflow's signature check passes on the
//	              raw body bytes (the sentence never holds the secret)
//	parse         JSON, form or text into event.body; 400 for bad JSON or
//	              form, 415 for multipart and binary bodies
//	slack         url_verification answered with its challenge, no run
//	dedupe        the delivery id (webhook-id, svix-id, X-GitHub-Delivery,
//	              X-Shopify-Webhook-Id, Idempotency-Key, else the workflow's
//	              on.webhook.dedupe) becomes Event.DedupeKey
//	dispatch      one event, a run per matching verified workflow; 202
//	              after the commit, 200 for a duplicate, 503 when storage
//	              fails
//	respond       with respond: wait, the run's respond step (or 504)
//
// Every error answer is {"error": "<one sentence>"}, and every request,
// rejected ones included, is reported once to Options.Inspect with its
// verdict.
//
// # What the server must wire
//
// Mount Handler at /hooks/* (it reads the path after /hooks/). Give the
// fiber app a BodyLimit at least as large as the largest on.webhook.max_body
// (the trigger enforces each path's own limit, but fiber refuses bigger
// bodies before the handler runs, with its own 413), and set ReadTimeout,
// WriteTimeout and IdleTimeout: fiber's defaults are unlimited. Pass
// Waiters to actions.Deps.Responder so that the respond action reaches the
// waiting requests, and Inspect to the request inspector.
//
// # respond: wait
//
// After the commit, a request whose workflow has respond: wait waits for
// its run's respond step, up to on.webhook.wait_timeout, and then answers
// 504. The respond step may run before the request starts waiting, so the
// registry keeps answers nobody waits for yet for a minute (a bounded
// number of them). A run that finishes without a respond step is only
// noticed when Options.RunDone is set (the request then answers 502);
// otherwise the request waits until the timeout.
package webhook
