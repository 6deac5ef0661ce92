// Package admission decides, before the SIP stack spends anything on a request, whether it is
// served: requests from known scanners are dropped in silence, INVITEs and REGISTERs beyond a
// per-source token bucket are refused (503 with Retry-After, or dropped), and new calls are refused
// while the server is at its call limit or while the media path is measurably overloaded.
//
// It owns the scanner list, the per-source buckets (bounded: idle buckets expire, the table has a
// cap), the exempt networks and trunk addresses, and the overload guard with its health probe. It
// does not parse SIP: the sip package reads the method, the User-Agent and the To tag out of each
// datagram and asks Check; nor does it send responses or count registration failures (the
// registrar does that, per user and per address).
package admission
