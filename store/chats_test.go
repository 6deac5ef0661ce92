package store

import (
	"errors"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
)

func TestChatsSurviveReopen(t *testing.T) {
	s, path := openTemp(t)
	now := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	open := &record.Chat{ID: "ch1", Source: "web", State: record.ChatAgent, Started: now, Agent: "alice"}
	done := &record.Chat{ID: "ch2", Source: "web", State: record.ChatEnded, Started: now.Add(-time.Hour)}
	// A chat id that is a prefix of another must not see the other's messages.
	other := &record.Chat{ID: "ch10", Source: "web", State: record.ChatBot, Started: now.Add(time.Minute)}
	for _, c := range []*record.Chat{open, done, other} {
		if err := s.PutChat(c); err != nil {
			t.Fatal(err)
		}
	}
	for i := int64(1); i <= 3; i++ {
		if err := s.AppendChatMessage("ch1", record.ChatMessage{Seq: i, From: record.FromVisitor, Text: "m", At: now}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AppendChatMessage("ch10", record.ChatMessage{Seq: 1, From: record.FromVisitor, Text: "x", Image: "image/png"}, []byte("png")); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendChatMessage("ch1", record.ChatMessage{Seq: 0}, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("seq 0 accepted: %v", err)
	}
	s.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	chats, err := s.OpenChats()
	if err != nil || len(chats) != 2 || chats[0].ID != "ch1" || chats[1].ID != "ch10" {
		t.Fatalf("open chats %v %v", chats, err)
	}
	msgs, err := s.ChatMessages("ch1", 1)
	if err != nil || len(msgs) != 2 || msgs[0].Seq != 2 || msgs[1].Seq != 3 {
		t.Fatalf("messages after 1: %+v %v", msgs, err)
	}
	if img, err := s.ChatImage("ch10", 1); err != nil || string(img) != "png" {
		t.Fatalf("image %q %v", img, err)
	}
	if err := s.DeleteChat("ch1"); err != nil {
		t.Fatal(err)
	}
	if msgs, _ := s.ChatMessages("ch1", 0); len(msgs) != 0 {
		t.Fatalf("erased chat keeps %d messages", len(msgs))
	}
	if msgs, _ := s.ChatMessages("ch10", 0); len(msgs) != 1 {
		t.Fatalf("erasing ch1 touched ch10: %d messages", len(msgs))
	}
	if _, err := s.GetChat("ch1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("erased chat still readable: %v", err)
	}
}

func TestTasks(t *testing.T) {
	s, _ := openTemp(t)
	now := time.Now().UTC()
	for i, id := range []string{"t1", "t2"} {
		if err := s.PutTask(&record.Task{ID: id, Kind: record.TaskOfflineMessage, Text: "call me", Created: now.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	t1, _ := s.GetTask("t1")
	t1.Done, t1.DoneBy = now, "alice"
	if err := s.PutTask(t1); err != nil {
		t.Fatal(err)
	}
	open, err := s.Tasks(true, 0)
	if err != nil || len(open) != 1 || open[0].ID != "t2" {
		t.Fatalf("open tasks %v %v", open, err)
	}
	if all, _ := s.Tasks(false, 0); len(all) != 2 || all[0].ID != "t2" {
		t.Fatalf("all tasks %v", all)
	}
}
