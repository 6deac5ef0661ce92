package desk

import (
	"context"
	"log/slog"

	"github.com/hotline-cc/hotline/rtc"
)

// WebRTC answers desktop softphones with the rtc engine.
func WebRTC(e *rtc.Engine) Browsers { return webrtc{e} }

type webrtc struct{ e *rtc.Engine }

func (w webrtc) Answer(ctx context.Context, id, offer string, log *slog.Logger) (BrowserLeg, string, error) {
	leg, answer, err := w.e.Accept(ctx, id, offer, log)
	if err != nil {
		return nil, "", err
	}
	return leg, answer, nil
}
