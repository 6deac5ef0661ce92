// Package webhook tells other systems about calls: it sends the events call.ended and
// call.analyzed as signed JSON POSTs to the endpoints in the configuration, from a durable
// outbox (the store's webhook buckets), retrying with exponential backoff (1 s, 2 s, 4 s … up
// to 10 min between tries) for up to Config.MaxAge (24 h by default), across restarts.
//
// Publish stores an event and one pending delivery per subscribed endpoint in one transaction;
// Dispatcher.Run sends what is due. Only the URLs in the configuration are ever called: an
// event names endpoints by their configured name, redirects are not followed, and nothing a
// caller sends can choose a URL, so the server is no open relay.
//
// # Receiving
//
// Each request carries
//
//	Content-Type: application/json
//	Hotline-Event-Id: evt_…            the idempotency key, the same on every retry of the event
//	Hotline-Event-Type: call.ended     or call.analyzed
//	Hotline-Signature: t=1765000000,v1=5f2c…
//
// where v1 is the hex HMAC-SHA256, keyed with the endpoint's secret, of the timestamp, a dot and
// the raw body ("1765000000.{...}"). A receiver should:
//
//  1. Check the signature over the raw body bytes before parsing them, with a constant-time
//     comparison, and reject a timestamp more than 5 minutes from its own clock (a replayed
//     request). Verify does both; Go receivers can call it.
//  2. Answer 2xx quickly once the event is stored on its side; anything else (or no answer
//     within the timeout) is retried.
//  3. Drop an event whose Hotline-Event-Id it has seen: delivery is at least once, so after a
//     lost response or a restart the same event may come again. A call's analysis that is run
//     again (changed rules) is a new call.analyzed event with a new id.
//
// The body is {"id", "type", "created", "call_id", "data"}, data being the call's summary for
// call.ended and its analysis for call.analyzed.
//
// The package owns signing, the outbox's delivery and its retries. It does not decide when a
// call has ended or been analysed (the IVR and the analysis jobs publish), and it stores
// nothing itself (package store does).
package webhook
