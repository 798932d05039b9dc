package queue_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"jobline/internal/clock"
	"jobline/internal/queue"
	"jobline/internal/queue/queuetest"
)

func TestMemoryConformance(t *testing.T) {
	t.Parallel()
	queuetest.Run(t, func(t *testing.T) queuetest.Harness {
		clk := clock.NewFake(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
		q := queue.NewMemory(queue.MemoryConfig{Clock: clk, VisibilityTimeout: 30 * time.Second, MaxReceiveCount: 3})
		return queuetest.Harness{Queue: q, Advance: clk.Advance, StrictPriority: true, StrictReceipts: true, Tick: time.Second}
	})
}

func TestMemoryStats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	q := queue.NewMemory(queue.MemoryConfig{Clock: clk})
	if _, err := q.Send(ctx, queue.SendRequest{Body: "a"}, queue.SendRequest{Body: "b"}, queue.SendRequest{Body: "c", Delay: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Receive(ctx, queue.ReceiveRequest{Max: 1}); err != nil {
		t.Fatal(err)
	}
	if v, f, d := q.Stats(); v != 1 || f != 1 || d != 1 {
		t.Fatalf("stats visible %d in flight %d delayed %d; want 1 1 1", v, f, d)
	}
}

func TestMemoryLongPollWakesOnSend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	q := queue.NewMemory(queue.MemoryConfig{PollInterval: time.Hour})
	got := make(chan []queue.Message, 1)
	go func() {
		msgs, _ := q.Receive(ctx, queue.ReceiveRequest{Max: 1, Wait: 10 * time.Second})
		got <- msgs
	}()
	time.Sleep(20 * time.Millisecond)
	if _, err := q.Send(ctx, queue.SendRequest{Body: "wake"}); err != nil {
		t.Fatal(err)
	}
	select {
	case msgs := <-got:
		if len(msgs) != 1 || msgs[0].Body != "wake" {
			t.Fatalf("long poll got %v", msgs)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("long poll did not wake on send")
	}
}

func TestMemoryReceiveHonoursContext(t *testing.T) {
	t.Parallel()
	q := queue.NewMemory(queue.MemoryConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := q.Receive(ctx, queue.ReceiveRequest{Max: 1, Wait: time.Minute}); err == nil {
		t.Fatal("Receive outlived its context")
	}
}

// BenchmarkMemorySendReceive measures one send plus one receive and delete
// while 100k messages wait in the queue.
func BenchmarkMemorySendReceive(b *testing.B) {
	for _, backlog := range []int{0, 100_000} {
		b.Run(fmt.Sprintf("backlog=%d", backlog), func(b *testing.B) {
			ctx := context.Background()
			q := queue.NewMemory(queue.MemoryConfig{})
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
