package dialplan

import (
	"maps"
	"slices"
)

// newNodeFunc builds a node of one type from its YAML mapping, whose id and type have been read already.
// It reports every problem through f, and looks up every key the type understands even after an error,
// so that f can reject the keys it does not.
type newNodeFunc func(id string, f *fields) Node

// nodeTypes is the registry of node types: the name a node's `type:` gives, and its constructor. A node
// type is one file holding its config struct, its decoding and validation, and its Run, plus one line
// here.
var nodeTypes = map[string]newNodeFunc{
	"answer":    newAnswer,
	"say":       newSay,
	"play":      newPlay,
	"menu":      newMenu,
	"gather":    newGather,
	"bot":       newBotNode,
	"queue":     newQueue,
	"transfer":  newTransfer,
	"record":    newRecord,
	"voicemail": newVoicemail,
	"http":      newHTTP,
	"set":       newSet,
	"branch":    newBranch,
	"goto":      newGoto,
	"hangup":    newHangup,
}

// NodeTypes returns the names of the registered node types, sorted.
func NodeTypes() []string {
	return slices.Sorted(maps.Keys(nodeTypes))
}
