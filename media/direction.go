package media

import "sync/atomic"

// Direction is which way a media stream flows, as SDP says it with
// a=sendrecv, a=sendonly, a=recvonly or a=inactive (RFC 3264 §5.1). It is
// how a phone holds a call and resumes it (RFC 3264 §8.4): a re-INVITE
// that makes the stream sendonly or inactive, then one that makes it
// sendrecv again.
type Direction uint8

const (
	SendRecv Direction = iota // the default when SDP names none
	SendOnly
	RecvOnly
	Inactive
)

func (d Direction) String() string {
	switch d {
	case SendRecv:
		return "sendrecv"
	case SendOnly:
		return "sendonly"
	case RecvOnly:
		return "recvonly"
	case Inactive:
		return "inactive"
	}
	return "direction(?)"
}

// Sends reports whether the end whose direction this is sends media.
func (d Direction) Sends() bool { return d == SendRecv || d == SendOnly }

// Receives reports whether the end whose direction this is receives media.
func (d Direction) Receives() bool { return d == SendRecv || d == RecvOnly }

// Reverse is the same stream seen from its other end, which is also the
// direction an answer gives to an offer's: sendonly and recvonly swap.
func (d Direction) Reverse() Direction {
	switch d {
	case SendOnly:
		return RecvOnly
	case RecvOnly:
		return SendOnly
	}
	return d
}

// WithoutReceive is d for an end that does not receive (an SDP with the
// connection address 0.0.0.0, the RFC 2543 way of holding a call).
func (d Direction) WithoutReceive() Direction {
	switch d {
	case SendRecv:
		return SendOnly
	case RecvOnly:
		return Inactive
	}
	return d
}

// ParseDirection reads an SDP direction attribute's name ("sendonly");
// ok is false for any other attribute.
func ParseDirection(attr string) (d Direction, ok bool) {
	switch attr {
	case "sendrecv":
		return SendRecv, true
	case "sendonly":
		return SendOnly, true
	case "recvonly":
		return RecvOnly, true
	case "inactive":
		return Inactive, true
	}
	return SendRecv, false
}

// sharedDirection is a session's Direction, set by re-INVITEs and read by
// its pacer and by relaying peers.
type sharedDirection struct{ v atomic.Uint32 }

func (d *sharedDirection) get() Direction { return Direction(d.v.Load()) }

// set changes the direction and returns the one before.
func (d *sharedDirection) set(to Direction) (was Direction) { return Direction(d.v.Swap(uint32(to))) }
