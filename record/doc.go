// Package record holds hotline's domain records: what the server keeps about each conversation
// (the call record with its dialplan path, transcript turns, the bot's handoff packet, transfer
// attempts and wrap-ups), about agents (accounts and state changes), and the dialplan versions
// that were live, plus the kinds the conversation-intelligence, customer and chat features fill
// in (recordings, analysis, chat messages, customers).
//
// It is a leaf: it imports nothing of hotline's. Package store persists these records; ivr, bot,
// dialplan, desk and web build and read them, and never use store types. Field names and JSON
// tags are the stored form and the API's form of a record, so a rename here is a schema change:
// add fields, do not rename them.
//
// Live state is not here: a call in progress is ivr's (its record is written, in progress, when
// it is answered, checkpointed as it goes and completed when it ends), an agent's session is
// desk's, and what the browser shows is web's own JSON.
package record
