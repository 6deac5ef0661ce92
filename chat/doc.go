// Package chat is hotline's text channel: web chat sessions (the widget on a company's site,
// the text API, external messaging platforms through one adapter) answered by the same bot
// profile and knowledge base as the voice hotline, and handed to the same ACD queues and agents.
//
// A chat is an interaction like a call: one goroutine per chat runs it straight-line (bot, then
// queue, then agent), its messages are durable as they are accepted, and its record (a
// record.Call with Channel "chat") goes through the same redaction and analysis. The agent's
// side is package desk's (AgentDesk); routing is the ACD's (Router); who the customer is, the
// customer package's (Customers).
package chat
