// Package desk is the agent-session layer: it owns what each agent is doing at their desk.
//
// A call the IVR offers to an agent (ivr.AgentDialer) rings on the device the agent's preference
// and presence choose: the desktop's WebRTC softphone, their registered SIP phone, or both at
// once. While it rings, is talked on, and until the agent has wrapped it up, the call is one of
// the agent's calls here, whatever the device; the agent's desktop session sees each step as an
// event (offered, connected, held, ended, wrap-up saved…) and acts on it with commands (answer,
// reject, hang up, hold, keys, transfer, consult, record or pause the recording, wrap up, set my
// state). Transfers, consultations and recording changes reach the caller's goroutine as
// requests on the agent's leg (ivr.AgentControls); the call's recording state comes back the
// same way (ivr.RecordingWatcher); nothing here runs call flow. Wrap-ups are stored keyed by (call, agent)
// the moment the agent saves them.
//
// Package web turns the desktop's WebSocket into commands and events into messages; it holds no
// call logic. The agents' states are the ACD's (package acd); desk only asks it for the changes
// an agent makes and records every change through a StateLog.
//
// An agent has one desktop session at a time (a newer one replaces the older) and any number of
// calls in it, so chats can join calls here later; the per-agent state is behind small methods
// so that it could move to a shared store for a cluster.
package desk
