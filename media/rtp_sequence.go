package media

// Inbound RTP sequence tracking: which packets of the sender's stream went
// missing, and which arrive too late to play.
//
// Loss is judged by sequence number, not timestamp: a sender that stops
// sending during silence (DTX, VAD on a desk phone) keeps its sequence
// numbers contiguous while its timestamps jump, and that is not loss.

const (
	// maxConcealGap is the longest run of lost packets that is filled in
	// (5 × 20 ms). Longer holes are a stream that paused or restarted, not
	// loss worth inventing audio for.
	maxConcealGap = 5
	// maxMisorder is how far behind the newest packet a packet may arrive
	// and still count as late rather than as a restarted stream (RFC 3550
	// appendix A.1).
	maxMisorder = 100
	// maxDropout is the largest forward jump still counted as loss; beyond
	// it the sender restarted its numbering (RFC 3550 appendix A.1).
	maxDropout = 3000
)

// seqVerdict says what to do with an arriving packet.
type seqVerdict int

const (
	seqNext    seqVerdict = iota // in order (or the first of a stream)
	seqGap                       // in order after lost packets
	seqLate                      // behind the newest packet: late or duplicate
	seqRestart                   // a jump too large to be loss: resynchronised
)

func (v seqVerdict) String() string {
	switch v {
	case seqNext:
		return "next"
	case seqGap:
		return "gap"
	case seqLate:
		return "late"
	case seqRestart:
		return "restart"
	}
	return "unknown"
}

// rtpSequence follows the sequence numbers of one sender's stream. It is
// owned by the read loop.
type rtpSequence struct {
	ssrc    uint32
	last    uint16
	started bool
}

// push records a packet and returns the verdict and, for seqGap, how many
// packets are missing before it. A new SSRC starts a new stream.
func (q *rtpSequence) push(ssrc uint32, seq uint16) (seqVerdict, int) {
	if !q.started || ssrc != q.ssrc {
		q.ssrc, q.last, q.started = ssrc, seq, true
		return seqNext, 0
	}
	// Differences are taken modulo 2^16, so 65535 → 0 is the next packet.
	d := seq - q.last
	switch {
	case d == 1:
		q.last = seq
		return seqNext, 0
	case d == 0 || d > 0x10000-maxMisorder:
		return seqLate, 0
	case d < maxDropout:
		q.last = seq
		return seqGap, int(d) - 1
	default:
		q.last = seq
		return seqRestart, 0
	}
}
