package store

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
)

// crashChildEnv tells a re-executed test binary to act as the writer that gets killed.
const crashChildEnv = "HOTLINE_STORE_CRASH_CHILD"

// TestPutCallSurvivesKill runs a child process that writes CDRs as fast as it
// can and prints each id after PutCall returns, kills it with SIGKILL in the
// middle of the stream, and checks that every acknowledged record is in the file.
func TestPutCallSurvivesKill(t *testing.T) {
	if path := os.Getenv(crashChildEnv); path != "" {
		crashChild(path)
		return
	}
	path := t.TempDir() + "/data/hotline.db"
	cmd := exec.Command(os.Args[0], "-test.run=^TestPutCallSurvivesKill$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	var acked []string
	sc := bufio.NewScanner(out)
	const killAfter = 100
	deadline := time.AfterFunc(10*time.Second, func() { cmd.Process.Kill() })
	defer deadline.Stop()
	for sc.Scan() {
		line := sc.Text()
		if len(line) < 4 || line[:4] != "ack " {
			continue // test framework chatter
		}
		acked = append(acked, line[4:])
		if len(acked) == killAfter {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Lines written before the kill are still read above; they were acknowledged too.
	cmd.Wait()
	if len(acked) < killAfter {
		t.Fatalf("child acknowledged only %d records before exiting", len(acked))
	}

	s, err := Open(path)
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer s.Close()
	for _, id := range acked {
		if _, err := s.GetCall(id); err != nil {
			t.Errorf("acknowledged record lost: %v", err)
		}
	}
	all, err := s.ListCalls(record.CallQuery{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("child acknowledged %d records before SIGKILL; file holds %d", len(acked), len(all))
}

func crashChild(path string) {
	s, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(2)
	}
	start := time.Now()
	for i := 0; ; i++ {
		id := fmt.Sprintf("crash-%d", i)
		if err := s.PutCall(sampleCall(id, start.Add(time.Duration(i)*time.Millisecond))); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(2)
		}
		// os.Stdout is unbuffered: the line leaves the process once PutCall has returned.
		fmt.Fprintf(os.Stdout, "ack %s\n", id)
	}
}
