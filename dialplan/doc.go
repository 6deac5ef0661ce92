// Package dialplan reads the YAML dialplan (configs/dialplan.yaml) into an immutable *Plan, and walks a
// call through one of its flows.
//
// # What it owns
//
//   - The file format: settings (languages, time zone, business-hours calendars, default timeouts),
//     queues, trunks, bot profiles, routes (first match on called/caller number, calendar and SIP header
//     wins; an optional default route) and flows of nodes joined by named edges. README.md is the language
//     reference; configs/dialplan.yaml is the annotated example.
//   - Validation. Parse is strict: unknown keys, missing keys, durations without units, dangling edges,
//     unknown queues, agents, languages and node types are all errors. It reports every error at once, each
//     with file:line:column, the node it is in and a hint ("did you mean ...?"), as an ErrorList. Problems
//     that do not stop a plan from working (unreachable nodes, unused flows and queues, routes that never
//     match, template variables nothing sets, loops that never wait for the caller) are returned
//     separately as warnings.
//   - The node types and their registry. Each type lives in its own file (answer, say, play, menu,
//     gather, bot, queue, transfer, record/voicemail, http, set, branch, goto, hangup) with its config
//     struct, its decoding and validation, and its Run. registry.go lists them all in one table; nothing
//     registers itself. Templates (${var}) are in template.go, branch conditions in expr.go.
//   - The executor: Plan.Select picks a route and flow for a call's Facts, and Run walks the flow node by
//     node (following goto into other flows), reporting each Step so the caller can keep the path in the
//     call record.
//   - The Call interface: everything a node may do to a call. Package dialplantest implements it with a
//     scripted caller for tests; package sim uses it for the dry-run simulator.
//
// # What it does not own
//
//   - Audio, TTS, DTMF detection, recording and HTTP for real: the IVR implements Call on a media leg.
//   - Running bots: a bot node only asks Call.Bot with its profile.
//   - Choosing and ringing agents: a queue node only asks Call.Queue; acd does the work.
//   - Agent definitions: they live in hotline.yaml; Parse checks queue members against
//     Options.KnownAgents.
//   - Storing versions and reloading: a Plan is immutable and carries the Hash of its source, and Version is
//     set by the store. A reload parses a new Plan and swaps a pointer; calls keep the plan they started
//     with.
//
// # Edges and the end of a call
//
// A node's Run names the edge to follow ("next", "nomatch", a menu key, …); the flow maps the name to the
// target node. A name the node has no target for is the end of the flow, and Run hangs up with
// CauseNormal. A node returns EdgeHangup when the call is already over: the hangup node hung up, or the
// caller did. A Call returns ErrHangup from any operation once the caller has hung up, which also ends
// the flow normally. Run gives up with ErrStepBudget after MaxSteps nodes, so a loop without the caller
// cannot hold a call forever.
//
// # Adding a node type
//
// Write <type>.go with the config struct (embedding nodeBase), a constructor func(id string, f *fields)
// Node that reads every key the type understands through f (which reports unknown keys afterwards), and
// the Type, Edges and Run methods; add one line to nodeTypes in registry.go; and write <type>_test.go with
// a valid config, an invalid one (asserting the error text and position) and Run against a
// dialplantest.Caller. Plan-wide sections a node refers to (like queues) are decoded before flows, so a
// constructor can resolve them through f.
package dialplan
