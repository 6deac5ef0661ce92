// Package store keeps hotline's durable records in one bbolt file: call detail
// records, wrap-ups, dialplan versions, agent accounts and agent state changes.
// The records themselves are package record's types; store only persists them.
//
// Every write is one bbolt read-write transaction, and bbolt fsyncs on commit
// (NoSync is never set), so a record whose Put method has returned survives a
// crash or kill -9 of the process. Callers record a call's CDR before they
// consider the call ended.
//
// Layout, one bucket per record kind, values as JSON so the file stays readable
// with bbolt's own tools and records can gain fields without a migration:
//
//	calls              8-byte big-endian start time (unix ns) + call id → record.Call
//	calls_by_id        call id → key in calls (so GetCall is one lookup)
//	wrap_ups           call id + 0x00 + agent id → record.WrapUp (merged into the call when read)
//	dialplan_versions  8-byte big-endian version number → record.DialplanVersion
//	agents             agent id → record.Agent
//	agent_states       8-byte big-endian time + agent id → record.AgentState
//	meta               schema version
//
// Only one process may open the file at a time; a second Open fails after one
// second with ErrLocked.
//
// The package owns persistence only. It does not decide what a call's
// disposition is (the IVR and acd do), and it does not parse dialplans.
package store
