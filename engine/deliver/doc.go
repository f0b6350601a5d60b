// Package deliver sends published events to their subscriptions (SPEC 4):
// the delivery worker.
//
// Deliveries are created by store.Accept in the same transaction as their
// event, so a 202 for a published event implies its deliveries are
// durable. A Deliverer then moves them through four small stages:
//
//	claim    lease due deliveries in batches, at most Prefetch per
//	         subscription and none of a subscription whose claimed work
//	         still waits (store.DeliveryClaim)
//	pick     a pool of Workers takes them round-robin across
//	         subscriptions, at most PerSubscription in flight for one
//	         subscription and within its rate_limit (scheduler)
//	attempt  build the body, sign it (SPEC 3.5), send it with the one
//	         shared HTTP client, classify the outcome with
//	         engine.CheckResponse and engine.CheckTransportError, and decide:
//	         succeeded, failed, or pending again after the retry schedule
//	record   outcomes are committed in batches (store.DeliveryComplete),
//	         which also keeps each endpoint's health and deactivates the
//	         subscriptions that answered 410 or failed for DisableAfter
//
// A slow or failing endpoint therefore holds at most PerSubscription
// workers and Prefetch claimed deliveries; every other subscription keeps
// its turn. Leases are extended while deliveries are in memory; a delivery
// whose worker died is handed back when its lease ends and attempted
// again, so a crash loses none.
package deliver
