package rtc

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/opus"
	"github.com/pion/webrtc/v4"
)

// opusFMTP is what browsers offer for Opus; registering the same line makes
// their offer an exact match.
const opusFMTP = "minptime=10;useinbandfec=1"

// opusAnswerFMTP is the Opus line of the answer, which configures the
// browser's encoder: the server decodes at 16 kHz, so the browser is told
// that wideband is all it plays back, and spends no bits above 8 kHz.
const opusAnswerFMTP = opusFMTP + ";maxplaybackrate=16000;sprop-maxcapturerate=16000"

// ErrNoCodec means the browser offered no audio codec the server speaks.
var ErrNoCodec = errors.New("rtc: no common audio codec")

// engineCodecs lists the audio codecs the engine accepts, best first:
// Opus (wideband, 16 kHz audio) where the build has libopus, then G.711,
// which every browser has.
func engineCodecs() []webrtc.RTPCodecParameters {
	var cs []webrtc.RTPCodecParameters
	if opus.Available {
		cs = append(cs, webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: opus.ClockRate, Channels: 2, SDPFmtpLine: opusFMTP,
		}, PayloadType: opus.DefaultPayloadType})
	}
	return append(cs,
		webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}, PayloadType: 0},
		webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000, Channels: 1}, PayloadType: 8},
	)
}

// mediaCodec returns the codec that decodes and encodes c's payloads, or
// nil when the server cannot (Opus in a build without libopus, anything
// but audio).
func mediaCodec(c webrtc.RTPCodecParameters) media.Codec {
	switch {
	case strings.EqualFold(c.MimeType, webrtc.MimeTypeOpus) && opus.Available:
		return opus.New(uint8(c.PayloadType))
	case strings.EqualFold(c.MimeType, webrtc.MimeTypePCMU):
		return media.PCMU()
	case strings.EqualFold(c.MimeType, webrtc.MimeTypePCMA):
		return media.PCMA()
	}
	return nil
}

// preference ranks a codec by the engine's order (lower is better).
func preference(c webrtc.RTPCodecParameters) int {
	for i, e := range engineCodecs() {
		if strings.EqualFold(c.MimeType, e.MimeType) {
			return i
		}
	}
	return len(engineCodecs())
}

// chooseCodec picks the leg's codec once the browser's offer is applied:
// the engine's favourite among the codecs both sides have. It reorders the
// audio transceiver's codecs so the answer lists that one first, because
// the browser sends with the first codec of the answer, and the leg then
// sends and receives the same codec at the same rate. The others stay in
// the answer, in the engine's order, as fallbacks.
func chooseCodec(pc *webrtc.PeerConnection) (webrtc.RTPCodecParameters, media.Codec, error) {
	for _, tr := range pc.GetTransceivers() {
		if tr.Kind() != webrtc.RTPCodecTypeAudio || tr.Receiver() == nil {
			continue
		}
		var ours []webrtc.RTPCodecParameters
		for _, c := range tr.Receiver().GetParameters().Codecs {
			if mediaCodec(c) != nil {
				ours = append(ours, c)
			}
		}
		if len(ours) == 0 {
			continue
		}
		slices.SortStableFunc(ours, func(a, b webrtc.RTPCodecParameters) int { return preference(a) - preference(b) })
		// The browser's format parameters set up our encoder for its
		// decoder (Opus: in-band FEC, which browsers decode); the answer
		// then carries ours.
		remoteFMTP := ours[0].SDPFmtpLine
		for i := range ours {
			if strings.EqualFold(ours[i].MimeType, webrtc.MimeTypeOpus) {
				ours[i].SDPFmtpLine = opusAnswerFMTP
			}
		}
		if err := tr.SetCodecPreferences(ours); err != nil {
			return webrtc.RTPCodecParameters{}, nil, fmt.Errorf("rtc: codec preferences: %w", err)
		}
		return ours[0], media.WithRemoteFMTP(mediaCodec(ours[0]), remoteFMTP), nil
	}
	return webrtc.RTPCodecParameters{}, nil, ErrNoCodec
}
