package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/hotline-cc/hotline/config"
	"github.com/hotline-cc/hotline/ivr"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/recording"
	"github.com/hotline-cc/hotline/store"
)

// callRecorders records the IVR's calls with a recording.Manager: ivr.Recorders over the
// caller's RTP session.
type callRecorders struct{ m *recording.Manager }

var _ ivr.Recorders = callRecorders{}

// errNoRTP is a caller's leg that has no RTP session to tap (not a SIP caller).
var errNoRTP = errors.New("the caller's leg has no RTP session to record")

func (r callRecorders) Record(leg ivr.InboundLeg, callID string) (ivr.CallRecorder, error) {
	l, ok := leg.(media.RTPLeg)
	if !ok || l.RTP() == nil {
		return nil, errNoRTP
	}
	return r.m.Record(l.RTP(), callID)
}

// newRecordings makes the recording manager, finishes the files a crash left and attaches them
// to their calls, and keeps the directory within its retention until ctx ends.
func newRecordings(ctx context.Context, cfg *config.Config, st *store.Store, log *slog.Logger) (*recording.Manager, error) {
	dir := cfg.RecordingsDir()
	m, err := recording.NewManager(recording.Options{Dir: dir,
		Retention: recording.Retention{Days: cfg.Recordings.RetentionDays, MaxBytes: cfg.RecordingsMaxBytes()}}, log)
	if err != nil {
		return nil, err
	}
	recovered, err := recording.Recover(dir)
	if err != nil {
		log.Error("recordings: some interrupted files could not be recovered", "dir", dir, "error", err)
	}
	for _, r := range recovered {
		// A call whose server died has no record yet: AddRecording makes one.
		if err := st.AddRecording(r.CallID, r.Recording); err != nil {
			log.Error("recordings: recovered file not attached to its call", "call_id", r.CallID, "file", r.Recording.File, "error", err)
			continue
		}
		log.Info("recordings: recovered an interrupted recording", "call_id", r.CallID, "file", r.Recording.File)
	}
	// Retention drops a deleted recording's transcript and analysis text with it.
	go m.RunRetention(ctx, time.Hour, st)
	log.Info("recordings", "dir", dir, "retention_days", cfg.Recordings.RetentionDays, "max_gb", cfg.Recordings.MaxGB)
	return m, nil
}
