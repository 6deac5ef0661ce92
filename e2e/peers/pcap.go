package peers

import (
	"encoding/binary"
	"os"
	"time"
)

// WriteRTPPCAP writes payloads as a capture of one RTP stream (payload type
// pt, source ssrc, one packet every 20 ms, timestamps advancing by step) for
// sipp's play_pcap_audio, which replays the RTP toward the peer's SDP
// address. step is the RTP clock per packet: 160 for G.711 and G.722.
func WriteRTPPCAP(path string, pt uint8, ssrc, step uint32, payloads [][]byte) error {
	le, be := binary.LittleEndian, binary.BigEndian
	var b []byte
	b = le.AppendUint32(b, 0xa1b2c3d4) // pcap, microsecond timestamps
	b = le.AppendUint16(b, 2)
	b = le.AppendUint16(b, 4)
	b = le.AppendUint32(b, 0) // thiszone
	b = le.AppendUint32(b, 0) // sigfigs
	b = le.AppendUint32(b, 65535)
	b = le.AppendUint32(b, 1) // Ethernet
	for i, payload := range payloads {
		rtp := []byte{0x80, pt & 0x7f}
		rtp = be.AppendUint16(rtp, uint16(i))
		rtp = be.AppendUint32(rtp, uint32(i)*step)
		rtp = be.AppendUint32(rtp, ssrc)
		rtp = append(rtp, payload...)
		udp := be.AppendUint16(nil, 6000)
		udp = be.AppendUint16(udp, 6000)
		udp = be.AppendUint16(udp, uint16(8+len(rtp)))
		udp = be.AppendUint16(udp, 0) // no checksum
		ip := []byte{0x45, 0}
		ip = be.AppendUint16(ip, uint16(20+len(udp)+len(rtp)))
		ip = append(ip, 0, 0, 0x40, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1)
		be.PutUint16(ip[10:], ipChecksum(ip))
		eth := []byte{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x08, 0x00}
		frame := append(append(append(eth, ip...), udp...), rtp...)
		at := time.Duration(i) * 20 * time.Millisecond
		b = le.AppendUint32(b, uint32(1_700_000_000+at/time.Second))
		b = le.AppendUint32(b, uint32(at%time.Second/time.Microsecond))
		b = le.AppendUint32(b, uint32(len(frame)))
		b = le.AppendUint32(b, uint32(len(frame)))
		b = append(b, frame...)
	}
	return os.WriteFile(path, b, 0o644)
}

func ipChecksum(h []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(h); i += 2 {
		sum += uint32(h[i])<<8 | uint32(h[i+1])
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}
