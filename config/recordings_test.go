package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestRecordingsKeys(t *testing.T) {
	c, err := load(t, "store: db/hotline.db\nrecordings: {retention_days: 90, max_gb: 1.5}\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(filepath.Dir(c.File), "db", "recordings", "calls"); c.RecordingsDir() != want {
		t.Errorf("default dir %q, want %q (beside the store)", c.RecordingsDir(), want)
	}
	if c.Recordings.RetentionDays != 90 || c.RecordingsMaxBytes() != 3<<29 {
		t.Errorf("retention %d days, %d bytes", c.Recordings.RetentionDays, c.RecordingsMaxBytes())
	}
	c, err = load(t, "recordings: {dir: /srv/rec}\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.RecordingsDir() != "/srv/rec" || c.RecordingsMaxBytes() != 0 {
		t.Errorf("dir %q max %d", c.RecordingsDir(), c.RecordingsMaxBytes())
	}
}

func TestRecordingsInvalid(t *testing.T) {
	_, err := load(t, "log_level: info\nrecordings:\n  retention_days: -1\n  max_gb: -2\n")
	if err == nil {
		t.Fatal("accepted negative retention")
	}
	for _, want := range []string{"hotline.yaml:3: recordings.retention_days -1", "hotline.yaml:4: recordings.max_gb -2"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, err := load(t, "recordings: {keep: 3}\n"); err == nil || !strings.Contains(err.Error(), "unknown key keep") {
		t.Errorf("unknown key: %v", err)
	}
}
