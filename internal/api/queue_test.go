package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"jobline/internal/clock"
	"jobline/internal/queue"
	"jobline/internal/queue/queuetest"
)

// newTestQueue is the coordinator's in-memory queue on the given clock.
func newTestQueue(t *testing.T, c clock.Clock) queue.Queue {
	t.Helper()
	return queuetest.NewMemory(t, queue.MemoryConfig{Clock: c, MaxReceiveCount: 3})
}

// The message a create sends reaches a worker with the job's priority,
// and not before the job's delay.
func TestCreateJobMessageReachesTheQueue(t *testing.T) {
	t.Parallel()
	b := setup(t)
	delayed := b.createJob(t, "alice", `{"jobType":"echo","delaySeconds":30,"priority":9}`)
	low := b.createJob(t, "alice", `{"jobType":"echo"}`)
	high := b.createJob(t, "alice", `{"jobType":"sleep","parameters":{"seconds":1},"priority":5}`)

	receive := func() []queue.Message {
		t.Helper()
		msgs, err := b.queue.Receive(context.Background(), queue.ReceiveRequest{Max: 10, Visibility: time.Hour})
		if err != nil {
			t.Fatalf("receive: %v", err)
		}
		return msgs
	}
	ids := func(msgs []queue.Message) []string {
		var out []string
		for _, m := range msgs {
			jm, err := queue.DecodeJobMessage(m.Body)
			if err != nil {
				t.Fatalf("message body %q: %v", m.Body, err)
			}
			out = append(out, jm.JobID)
		}
		return out
	}
	if got := ids(receive()); len(got) != 2 || got[0] != high.ID || got[1] != low.ID {
		t.Fatalf("before the delay received %v, want [%s %s] (higher priority first, delayed job absent)", got, high.ID, low.ID)
	}
	b.clock.Advance(30 * time.Second)
	if got := ids(receive()); len(got) != 1 || got[0] != delayed.ID {
		t.Fatalf("after the delay received %v, want [%s]", got, delayed.ID)
	}
	if w := b.do(t, request{method: "GET", path: "/jobs/" + delayed.ID, user: "alice"}); w.Code != http.StatusOK {
		t.Fatalf("get delayed job: %d", w.Code)
	}
}
