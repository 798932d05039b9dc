package queue

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// waiting is how many long polls wait on q's jobs queue.
func waiting(q *Memory) int {
	q.main.mu.Lock()
	defer q.main.mu.Unlock()
	return len(q.main.waiters)
}

// TestSendWakesOneLongPollPerMessage: five long polls wait; a send of two
// messages wakes two of them, which take one message each, and leaves the
// other three asleep.
func TestSendWakesOneLongPollPerMessage(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		q, err := NewMemory(MemoryConfig{})
		if err != nil {
			t.Fatal(err)
		}
		var received atomic.Int32
		for range 5 {
			go func() {
				msgs, _ := q.Receive(context.Background(), ReceiveRequest{Max: 1, Wait: 20 * time.Second})
				received.Add(int32(len(msgs)))
			}()
		}
		synctest.Wait()
		if n := waiting(q); n != 5 {
			t.Fatalf("%d long polls wait, want 5", n)
		}
		if _, err := q.Send(context.Background(), SendRequest{Body: "a"}, SendRequest{Body: "b"}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if n, got := waiting(q), received.Load(); n != 3 || got != 2 {
			t.Fatalf("after a send of 2: %d long polls wait, %d messages received; want 3 and 2", n, got)
		}
		time.Sleep(20 * time.Second) // the others' wait ends
		synctest.Wait()
		if n := waiting(q); n != 0 {
			t.Fatalf("%d long polls still wait after their wait ended", n)
		}
	})
}

// TestWakeUpOfAnEndingLongPollGoesToTheNext: a long poll whose context ends
// as a send wakes it passes the wake-up on, so the message is received at
// once by another poll, not after that poll's wait.
func TestWakeUpOfAnEndingLongPollGoesToTheNext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		q, err := NewMemory(MemoryConfig{})
		if err != nil {
			t.Fatal(err)
		}
		first, cancel := context.WithCancel(context.Background())
		got := make(chan int, 2)
		poll := func(ctx context.Context) {
			msgs, _ := q.Receive(ctx, ReceiveRequest{Max: 1, Wait: 20 * time.Second})
			got <- len(msgs)
		}
		// The poll that ends waits last, so the send's wake-up goes to it.
		go poll(context.Background())
		synctest.Wait()
		go poll(first)
		synctest.Wait()
		start := time.Now()
		cancel()
		if _, err := q.Send(context.Background(), SendRequest{Body: "a"}); err != nil {
			t.Fatal(err)
		}
		a, b := <-got, <-got
		if a+b != 1 || time.Since(start) != 0 {
			t.Fatalf("polls received %d and %d messages after %s; want the message at once", a, b, time.Since(start))
		}
	})
}
