package queue_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"jobline/internal/clock"
	"jobline/internal/queue"
	"jobline/internal/queue/queuetest"
)

// newMemory returns a memory queue on clock.Real, which inside a synctest
// bubble tells the bubble's fake time.
func newMemory(t *testing.T, cfg queue.MemoryConfig) *queue.Memory {
	t.Helper()
	q, err := queue.NewMemory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestMemoryConformance(t *testing.T) {
	t.Parallel()
	queuetest.RunInBubble(t, func(t *testing.T) queuetest.Harness {
		q := newMemory(t, queue.MemoryConfig{VisibilityTimeout: 30 * time.Second, MaxReceiveCount: 3})
		return queuetest.Harness{Queue: q, Advance: time.Sleep, StrictPriority: true, StrictReceipts: true, Tick: time.Second}
	})
}

// The memory queue's tests rely on clock.Real following a bubble's fake
// time, which starts at midnight UTC, 2000-01-01.
func TestRealClockTellsBubbleTime(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
		if now := (clock.Real{}).Now(); !now.Equal(start) {
			t.Fatalf("clock.Real in a bubble = %v, want %v", now, start)
		}
		time.Sleep(time.Hour)
		if now := (clock.Real{}).Now(); !now.Equal(start.Add(time.Hour)) {
			t.Fatalf("after a fake hour clock.Real = %v", now)
		}
	})
}

func TestNewMemoryValidates(t *testing.T) {
	t.Parallel()
	for _, cfg := range []queue.MemoryConfig{
		{VisibilityTimeout: -time.Second},
		{VisibilityTimeout: queue.MaxVisibility + time.Second},
		{MaxReceiveCount: -1},
	} {
		if _, err := queue.NewMemory(cfg); err == nil {
			t.Errorf("NewMemory(%+v) succeeded, want an error", cfg)
		}
	}
}

func TestMemoryStats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	q := newMemory(t, queue.MemoryConfig{Clock: clk})
	if _, err := q.Send(ctx, queue.SendRequest{Body: "a"}, queue.SendRequest{Body: "b"}, queue.SendRequest{Body: "c", Delay: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Receive(ctx, queue.ReceiveRequest{Max: 1}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(20 * time.Second)
	stats, err := q.Stats(ctx)
	if err != nil || len(stats) != 1 {
		t.Fatalf("Stats = %+v, %v; want one queue", stats, err)
	}
	want := queue.Stats{Name: queue.MemoryQueueName, Role: queue.RoleJobs, Visible: 1, InFlight: 1, Delayed: 1, OldestAge: 20 * time.Second, OldestKnown: true}
	if stats[0] != want {
		t.Fatalf("stats = %+v, want %+v", stats[0], want)
	}
	dlq, err := q.DeadLetters().Stats(ctx)
	if want := (queue.Stats{Name: queue.MemoryDeadLetterName, Role: queue.RoleDeadLetter, OldestKnown: true}); err != nil || dlq != want {
		t.Fatalf("empty DLQ stats = %+v, %v; want %+v", dlq, err, want)
	}
}

// longPoll starts a receive of one message waiting up to wait, and returns
// where its messages and the fake time it took arrive.
func longPoll(q queue.Queue, wait time.Duration) (<-chan []queue.Message, <-chan time.Duration) {
	got, took := make(chan []queue.Message, 1), make(chan time.Duration, 1)
	go func() {
		start := time.Now()
		msgs, _ := q.Receive(context.Background(), queue.ReceiveRequest{Max: 1, Wait: wait})
		took <- time.Since(start)
		got <- msgs
	}()
	return got, took
}

func TestMemoryLongPollWakesOnSend(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		q := newMemory(t, queue.MemoryConfig{})
		got, took := longPoll(q, 10*time.Second)
		time.Sleep(3 * time.Second)
		if _, err := q.Send(context.Background(), queue.SendRequest{Body: "wake"}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if d := <-took; d != 3*time.Second {
			t.Errorf("long poll returned after %v, want at the send (3s)", d)
		}
		if msgs := <-got; len(msgs) != 1 || msgs[0].Body != "wake" {
			t.Fatalf("long poll got %v", msgs)
		}
	})
}

// A long poll wakes exactly when a delayed message becomes visible, and
// when a received one's visibility timeout ends: it waits on a timer for
// the first waiting message, not by polling.
func TestMemoryLongPollWakesWhenAMessageBecomesVisible(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		q := newMemory(t, queue.MemoryConfig{VisibilityTimeout: 30 * time.Second})
		if _, err := q.Send(ctx, queue.SendRequest{Body: "later", Delay: 5 * time.Second}); err != nil {
			t.Fatal(err)
		}
		got, took := longPoll(q, 20*time.Second)
		if d, msgs := <-took, <-got; d != 5*time.Second || len(msgs) != 1 || msgs[0].Body != "later" {
			t.Fatalf("long poll got %v after %v, want the delayed message after 5s", msgs, d)
		}
		got, took = longPoll(q, 20*time.Second)
		if d, msgs := <-took, <-got; d != 20*time.Second || len(msgs) != 0 {
			t.Fatalf("long poll got %v after %v, want nothing after the full 20s wait", msgs, d)
		}
		got, took = longPoll(q, 20*time.Second)
		if d, msgs := <-took, <-got; d != 10*time.Second || len(msgs) != 1 || msgs[0].ReceiveCount != 2 {
			t.Fatalf("long poll got %v after %v, want the redelivery when the 30s visibility ends (10s)", msgs, d)
		}
	})
}

// Shortening an in-flight message's visibility wakes a long poll that was
// waiting for a later time.
func TestMemoryLongPollSeesShortenedVisibility(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		q := newMemory(t, queue.MemoryConfig{VisibilityTimeout: time.Hour})
		if _, err := q.Send(ctx, queue.SendRequest{Body: "m"}); err != nil {
			t.Fatal(err)
		}
		first, err := q.Receive(ctx, queue.ReceiveRequest{Max: 1})
		if err != nil || len(first) != 1 {
			t.Fatalf("receive: %v %v", first, err)
		}
		got, took := longPoll(q, 20*time.Second)
		synctest.Wait()
		if err := q.ChangeVisibility(ctx, first[0].ReceiptHandle, 2*time.Second); err != nil {
			t.Fatal(err)
		}
		if d, msgs := <-took, <-got; d != 2*time.Second || len(msgs) != 1 {
			t.Fatalf("long poll got %v after %v, want the message after 2s", msgs, d)
		}
	})
}

func TestMemoryReceiveHonoursContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		q := newMemory(t, queue.MemoryConfig{})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		start := time.Now()
		if _, err := q.Receive(ctx, queue.ReceiveRequest{Max: 1, Wait: time.Minute}); err == nil {
			t.Fatal("Receive outlived its context")
		}
		if d := time.Since(start); d != 30*time.Millisecond {
			t.Fatalf("Receive returned after %v, want when the context ended (30ms)", d)
		}
	})
}

// BenchmarkMemorySendReceive measures one send plus one receive and delete
// while 100k messages wait in the queue.
func BenchmarkMemorySendReceive(b *testing.B) {
	for _, backlog := range []int{0, 100_000} {
		b.Run(fmt.Sprintf("backlog=%d", backlog), func(b *testing.B) {
			ctx := context.Background()
			q, err := queue.NewMemory(queue.MemoryConfig{})
			if err != nil {
				b.Fatal(err)
			}
			batch := make([]queue.SendRequest, 0, 1000)
			for i := 0; i < backlog; i++ {
				batch = append(batch, queue.SendRequest{Body: "backlog", Priority: i % 4})
				if len(batch) == cap(batch) {
					if _, err := q.Send(ctx, batch...); err != nil {
						b.Fatal(err)
					}
					batch = batch[:0]
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := q.Send(ctx, queue.SendRequest{Body: "x", Priority: i % 4}); err != nil {
					b.Fatal(err)
				}
				msgs, err := q.Receive(ctx, queue.ReceiveRequest{Max: 1})
				if err != nil || len(msgs) != 1 {
					b.Fatalf("receive: %v %v", msgs, err)
				}
				if err := q.Delete(ctx, msgs[0].ReceiptHandle); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
