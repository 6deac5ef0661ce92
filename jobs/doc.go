// Package jobs runs durable background work, such as the analysis of ended calls, from a queue
// that survives restarts (the store's jobs buckets).
//
// A Runner claims due jobs one at a time (each claim is one transaction, so two runners never
// run the same job), runs its Handler for each in its own goroutine with at most Concurrency at
// once, and records the outcome: done; failed and queued again with exponential backoff (10 s,
// 20 s, 40 s … capped) while attempts remain; or failed for good when the handler's error wraps
// ErrPermanent or the attempts are used up. Enqueueing is the store's (one bbolt write, done by
// whoever ends the call), and Notify wakes an idle runner at once, so call handling never waits
// on analysis. A job the process was running when it died is queued again by store.Open.
//
// The package owns scheduling and retries only. What a job does is its Handler's; what the UI
// shows of the queue comes from the store's counts and from Counts here.
package jobs
