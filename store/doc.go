// Package store keeps hotline's durable records in one bbolt file: call detail
// records, wrap-ups, dialplan versions, agent accounts and agent state changes, the
// queue of background jobs (call analysis), the webhook outbox, and the call search index.
// The records themselves are package record's types; store only persists them.
//
// Every write is one bbolt read-write transaction, and bbolt fsyncs on commit
// (NoSync is never set), so a record whose Put method has returned survives a
// crash or kill -9 of the process. A call's record is written when it is
// answered, in progress, checkpointed as it goes (CheckpointCall) and completed
// when it ends (EndCall); after a crash OpenCalls gives the calls that were in
// progress, for the server to close as interrupted.
//
// Layout, one bucket per record kind, values as JSON so the file stays readable
// with bbolt's own tools and records can gain fields without a migration:
//
//	calls              8-byte big-endian start time (unix ns) + call id → record.Call
//	calls_by_id        call id → key in calls (so GetCall is one lookup)
//	calls_open         call id → nothing (records still in progress: what a restart closes)
//	wrap_ups           call id + 0x00 + agent id → record.WrapUp (merged into the call when read)
//	dialplan_versions  8-byte big-endian version number → record.DialplanVersion
//	agents             agent id → record.Agent
//	agent_states       8-byte big-endian time + agent id → record.AgentState
//	call_search        call id → the call's list summary and filter fields (JSON), with a version
//	call_terms         call id → the call's full-text index terms, space-separated
//	jobs               job id (kind/call id) → record.Job
//	jobs_due           8-byte NextAt + job id → nothing (queued jobs, the order ClaimJob takes them)
//	jobs_state         state + 0x00 + 8-byte updated time + job id → nothing
//	jobs_counts        state → 8-byte count
//	webhook_events     event id → record.WebhookEvent (the id is the idempotency key)
//	webhook_deliveries 8-byte event time + event id + 0x00 + endpoint → record.WebhookDelivery
//	webhook_due        8-byte NextAt + delivery key → nothing (pending deliveries)
//	webhook_counts     state → 8-byte count
//	reply_scripts      script id → record.Script (its versions inside)
//	meta               schema version; whether call_search was filled from older calls
//
// Call search (SearchCalls) runs in memory: at Open the call_search and call_terms
// entries are loaded, in the background, into a slice of summaries and an inverted index
// (term → calls), which every call write keeps in step after it commits. The other design,
// an inverted index in bbolt, would make each call write hundreds of random key writes and
// each query a cursor walk per term; the in-memory one answers text and filter queries
// over 100,000 calls in tens of milliseconds and costs a few seconds of loading after a
// start and about 1 KB of heap per call (search.go explains the details, BENCHMARKS.md
// has the figures).
//
// The job and outbox buckets keep their indexes and counts in the transaction that
// changes a record, so a crash never leaves a job or a delivery half-moved; jobs left
// running by a crash are queued again by Open.
//
// Only one process may open the file at a time; a second Open fails after one
// second with ErrLocked.
//
// The package owns persistence only. It does not decide what a call's
// disposition is (the IVR and acd do), and it does not parse dialplans.
package store
