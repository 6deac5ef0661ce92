package store

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
)

func TestAudit(t *testing.T) {
	s, _ := openTemp(t)
	t1 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, a := range []record.Audit{
		{Who: "sue", Action: record.AuditListen, Call: "c1"},
		{Who: "admin-token", Action: record.AuditExport, Detail: "queue=support"},
		{Who: "sue", Action: record.AuditListen, Call: "c2"},
	} {
		a.At = t1.Add(time.Duration(i) * time.Second)
		if err := s.AppendAudit(a); err != nil {
			t.Fatal(err)
		}
	}
	c1, err := s.Audits("c1", 0)
	if err != nil || len(c1) != 1 || c1[0].Who != "sue" || !c1[0].At.Equal(t1) {
		t.Fatalf("c1: %+v %v", c1, err)
	}
	if all, _ := s.Audits("", 0); len(all) != 3 || all[1].Action != record.AuditExport {
		t.Fatalf("all: %+v", all)
	}
}
