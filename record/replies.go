package record

import "time"

// Reply-script statuses. A script is written as a draft (by hand or generated), approved by a
// supervisor before agents see it, and retired when it no longer applies. A rejected candidate is
// retired with the reason in its latest version's note.
const (
	ScriptDraft    = "draft"
	ScriptApproved = "approved"
	ScriptRetired  = "retired"
)

// Script languages.
const (
	LangEnglish = "en-US"
	LangChinese = "zh-CN"
)

// Script is one reply script (话术) of the library: what an agent may say or send for an intent
// or scene, with ${variables} (${customer.name}, ${order}) filled in for the live conversation.
// Title and Text are the current version's; History keeps every version, oldest first.
type Script struct {
	ID     string `json:"id"`
	Intent string `json:"intent"`          // snake_case, as the analysis labels calls ("refund")
	Scene  string `json:"scene,omitempty"` // a finer situation ("refund after 30 days")
	Lang   string `json:"lang"`            // LangEnglish or LangChinese
	Title  string `json:"title"`
	Text   string `json:"text"`
	Tone   string `json:"tone,omitempty"` // formal, warm, brief
	Status string `json:"status"`         // ScriptDraft, ScriptApproved, ScriptRetired
	Author string `json:"author"`         // who wrote the current version ("generated:<engine>" for candidates)
	// Engine is what produced a generated script: "llm" or "embedded" (KB sentences and
	// templates); empty for one written by hand.
	Engine  string          `json:"engine,omitempty"`
	Version int             `json:"version"`
	History []ScriptVersion `json:"history,omitempty"`
	Uses    int             `json:"uses"`
	// Passages are the knowledge-base passages the script was grounded in ("doc › heading: text").
	Passages []string  `json:"passages,omitempty"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
}

// ScriptVersion is one version of a script's wording, or one change of its status.
type ScriptVersion struct {
	Version int       `json:"version"`
	Title   string    `json:"title"`
	Text    string    `json:"text"`
	Status  string    `json:"status"`
	Author  string    `json:"author"`
	Note    string    `json:"note,omitempty"` // "approved", "rejected: too long"
	At      time.Time `json:"at"`
}
