// Package queuetest is the conformance suite every queue.Queue must pass:
// the in-memory queue inside a testing/synctest bubble (fake time), and SQS
// against an emulator in real time. It checks SQS's semantics as Jobline
// relies on them.
package queuetest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"testing/synctest"
	"time"

	"jobline/internal/conformance"
	"jobline/internal/queue"
)

// Harness is one isolated queue under test.
type Harness struct {
	Queue queue.Queue
	// Advance lets time pass: time.Sleep, which in a synctest bubble only
	// moves the bubble's clock, and against a real backend sleeps.
	Advance func(d time.Duration)
	// StrictPriority: every priority level is its own (the memory queue);
	// otherwise only "priority > 0 before priority 0" holds (SQS's two
	// queues).
	StrictPriority bool
	// Tick is the smallest visibility or delay the backend honours
	// (SQS counts whole seconds).
	Tick time.Duration
	// StrictReceipts: a receipt handle of a deleted or moved message is
	// rejected (the memory queue); SQS may still accept one.
	StrictReceipts bool
	// WakeUps: each message sent to the high-priority queue is paired with
	// a wake-up message in the default queue (SQS's lane), which Stats
	// counts as visible until a receive deletes it.
	WakeUps bool
}

// NewHarness returns a fresh, empty queue with its own dead-letter queue
// and a MaxReceiveCount of at least 1.
type NewHarness func(t *testing.T) Harness

// Run runs the suite, its cases in parallel, in real time.
func Run(t *testing.T, newHarness NewHarness) {
	conformance.Run(t, cases, withTick(newHarness), nil)
}

// RunInBubble runs the suite with each case inside its own testing/synctest
// bubble, where time.Sleep and timers move the bubble's fake clock as soon
// as every goroutine waits: for a queue on clock.Real (whose Now is the
// bubble's time) with time.Sleep as Harness.Advance. newHarness is called
// inside the bubble.
func RunInBubble(t *testing.T, newHarness NewHarness) {
	conformance.Run(t, cases, withTick(newHarness), synctest.Test)
}

// cases are the suite's tests.
var cases = []conformance.Case[Harness]{
	{Name: "SendReceiveDelete", Test: testSendReceiveDelete},
	{Name: "VisibilityTimeoutRedelivers", Test: testVisibility},
	{Name: "ChangeVisibility", Test: testChangeVisibility},
	{Name: "Delay", Test: testDelay},
	{Name: "Priority", Test: testPriority},
	{Name: "BatchSendOverTen", Test: testBatchSend},
	{Name: "RedriveAfterMaxReceiveCount", Test: testMaxReceiveRedrive},
	{Name: "DeadLetterAndRedriveBack", Test: testDeadLetterAndBack},
	{Name: "SendToDeadLetterQueue", Test: testDeadLetterSend},
	{Name: "ReleaseListedDeadLetters", Test: testDeadLetterRelease},
	{Name: "InvalidRequests", Test: testInvalid},
	{Name: "Stats", Test: testStats},
}

// withTick returns newHarness with a Tick of a second where it left none.
func withTick(newHarness NewHarness) NewHarness {
	return func(t *testing.T) Harness {
		h := newHarness(t)
		if h.Tick == 0 {
			h.Tick = time.Second
		}
		return h
	}
}

var ctx = context.Background()

// receiveAll receives until n messages arrived (or a few empty polls).
func receiveAll(t *testing.T, q interface {
	Receive(context.Context, queue.ReceiveRequest) ([]queue.Message, error)
}, n int, visibility time.Duration) []queue.Message {
	t.Helper()
	var got []queue.Message
	for empty := 0; len(got) < n && empty < 3; {
		msgs, err := q.Receive(ctx, queue.ReceiveRequest{Max: min(queue.MaxBatch, n-len(got)), Visibility: visibility, Wait: 500 * time.Millisecond})
		if err != nil {
			t.Fatalf("Receive: %v", err)
		}
		if len(msgs) == 0 {
			empty++
		}
		got = append(got, msgs...)
	}
	return got
}

// expectNone checks that no message is visible now.
func expectNone(t *testing.T, q interface {
	Receive(context.Context, queue.ReceiveRequest) ([]queue.Message, error)
}, why string) {
	t.Helper()
	msgs, err := q.Receive(ctx, queue.ReceiveRequest{Max: queue.MaxBatch, Wait: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	if len(msgs) != 0 {
		t.Fatalf("%s: received %d messages (%q), want none", why, len(msgs), msgs[0].Body)
	}
}

func bodies(msgs []queue.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Body
	}
	return out
}

func testSendReceiveDelete(t *testing.T, h Harness) {
	ids, err := h.Queue.Send(ctx, queue.SendRequest{Body: `{"jobId":"a"}`})
	if err != nil || len(ids) != 1 || ids[0] == "" {
		t.Fatalf("Send = %v, %v", ids, err)
	}
	got := receiveAll(t, h.Queue, 1, 2*h.Tick)
	if len(got) != 1 || got[0].Body != `{"jobId":"a"}` || got[0].ReceiveCount != 1 || got[0].ReceiptHandle == "" || got[0].ID != ids[0] {
		t.Fatalf("received %+v", got)
	}
	expectNone(t, h.Queue, "in flight")
	if err := h.Queue.Delete(ctx, got[0].ReceiptHandle); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	// Past the visibility timeout: a deleted message never comes back.
	h.Advance(3 * h.Tick)
	expectNone(t, h.Queue, "after delete")
}

func testVisibility(t *testing.T, h Harness) {
	if _, err := h.Queue.Send(ctx, queue.SendRequest{Body: "v"}); err != nil {
		t.Fatal(err)
	}
	first := receiveAll(t, h.Queue, 1, 2*h.Tick)
	if len(first) != 1 {
		t.Fatalf("first receive: %d", len(first))
	}
	expectNone(t, h.Queue, "within the visibility timeout")
	h.Advance(3 * h.Tick)
	second := receiveAll(t, h.Queue, 1, time.Minute)
	if len(second) != 1 || second[0].Body != "v" || second[0].ReceiveCount != 2 {
		t.Fatalf("redelivery: %+v", second)
	}
	if second[0].ReceiptHandle == first[0].ReceiptHandle {
		t.Fatal("redelivery reused the receipt handle")
	}
	if err := h.Queue.Delete(ctx, second[0].ReceiptHandle); err != nil {
		t.Fatalf("Delete with the new receipt: %v", err)
	}
}

func testChangeVisibility(t *testing.T, h Harness) {
	if _, err := h.Queue.Send(ctx, queue.SendRequest{Body: "cv"}); err != nil {
		t.Fatal(err)
	}
	got := receiveAll(t, h.Queue, 1, time.Hour)
	if len(got) != 1 {
		t.Fatal("no message")
	}
	// Back at once (what the engine does on shutdown).
	if err := h.Queue.ChangeVisibility(ctx, got[0].ReceiptHandle, 0); err != nil {
		t.Fatalf("ChangeVisibility(0): %v", err)
	}
	again := receiveAll(t, h.Queue, 1, time.Hour)
	if len(again) != 1 || again[0].ReceiveCount != 2 {
		t.Fatalf("after ChangeVisibility(0): %+v", again)
	}
	// Later (retry backoff): invisible until then.
	if err := h.Queue.ChangeVisibility(ctx, again[0].ReceiptHandle, 2*h.Tick); err != nil {
		t.Fatalf("ChangeVisibility: %v", err)
	}
	expectNone(t, h.Queue, "before the backoff ends")
	h.Advance(3 * h.Tick)
	third := receiveAll(t, h.Queue, 1, time.Hour)
	if len(third) != 1 || third[0].ReceiveCount != 3 {
		t.Fatalf("after the backoff: %+v", third)
	}
}

func testDelay(t *testing.T, h Harness) {
	if _, err := h.Queue.Send(ctx, queue.SendRequest{Body: "later", Delay: 2 * h.Tick}, queue.SendRequest{Body: "now"}); err != nil {
		t.Fatal(err)
	}
	got := receiveAll(t, h.Queue, 1, time.Hour)
	if len(got) != 1 || got[0].Body != "now" {
		t.Fatalf("before the delay: %v", bodies(got))
	}
	expectNone(t, h.Queue, "delayed message")
	h.Advance(3 * h.Tick)
	got = receiveAll(t, h.Queue, 1, time.Hour)
	if len(got) != 1 || got[0].Body != "later" {
		t.Fatalf("after the delay: %v", bodies(got))
	}
}

func testPriority(t *testing.T, h Harness) {
	reqs := []queue.SendRequest{
		{Body: "p0-a", Priority: 0}, {Body: "p5-a", Priority: 5}, {Body: "p0-b", Priority: 0},
		{Body: "p9-a", Priority: 9}, {Body: "p5-b", Priority: 5},
	}
	if _, err := h.Queue.Send(ctx, reqs...); err != nil {
		t.Fatal(err)
	}
	got := receiveAll(t, h.Queue, len(reqs), time.Hour)
	order := bodies(got)
	if len(order) != len(reqs) {
		t.Fatalf("received %v", order)
	}
	for i, m := range got {
		if (i < 3) != (m.Priority > 0) {
			t.Fatalf("order %v: high-priority messages must come first", order)
		}
	}
	if h.StrictPriority {
		want := []string{"p9-a", "p5-a", "p5-b", "p0-a", "p0-b"}
		if fmt.Sprint(order) != fmt.Sprint(want) {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
}

func testBatchSend(t *testing.T, h Harness) {
	var reqs []queue.SendRequest
	for i := range 23 {
		reqs = append(reqs, queue.SendRequest{Body: fmt.Sprintf("m%02d", i)})
	}
	ids, err := h.Queue.Send(ctx, reqs...)
	if err != nil || len(ids) != 23 {
		t.Fatalf("Send 23 = %d ids, %v", len(ids), err)
	}
	got := bodies(receiveAll(t, h.Queue, 23, time.Hour))
	sort.Strings(got)
	if len(got) != 23 || got[0] != "m00" || got[22] != "m22" {
		t.Fatalf("received %v", got)
	}
}

func testMaxReceiveRedrive(t *testing.T, h Harness) {
	max := h.Queue.MaxReceiveCount()
	if max < 1 {
		t.Fatalf("MaxReceiveCount %d: the harness must configure a redrive policy", max)
	}
	if _, err := h.Queue.Send(ctx, queue.SendRequest{Body: "poison", Priority: 3}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= max; i++ {
		got := receiveAll(t, h.Queue, 1, time.Hour)
		if len(got) != 1 || got[0].ReceiveCount != i {
			t.Fatalf("receive %d: %+v", i, got)
		}
		if err := h.Queue.ChangeVisibility(ctx, got[0].ReceiptHandle, 0); err != nil {
			t.Fatal(err)
		}
	}
	// The next receive moves it to the dead-letter queue instead.
	expectNone(t, h.Queue, "after maxReceiveCount receives")
	dead := receiveAll(t, h.Queue.DeadLetters(), 1, time.Hour)
	if len(dead) != 1 || dead[0].Body != "poison" {
		t.Fatalf("dead-letter queue holds %+v", dead)
	}
}

func testDeadLetterAndBack(t *testing.T, h Harness) {
	dlq := h.Queue.DeadLetters()
	if _, err := h.Queue.Send(ctx, queue.SendRequest{Body: "alive", Priority: 2}); err != nil {
		t.Fatal(err)
	}
	got := receiveAll(t, h.Queue, 1, time.Hour)
	if len(got) != 1 {
		t.Fatal("no message")
	}
	// The copy in the dead-letter queue carries the body the caller gives.
	got[0].Body = "dead"
	if err := h.Queue.DeadLetter(ctx, got[0]); err != nil {
		t.Fatalf("DeadLetter: %v", err)
	}
	if depth, err := dlq.Depth(ctx); err != nil || depth != 1 {
		t.Fatalf("Depth = %d, %v; want 1", depth, err)
	}
	// The original is gone from the main queue for good.
	h.Advance(2 * h.Tick)
	expectNone(t, h.Queue, "after DeadLetter")
	if err := h.Queue.Delete(ctx, got[0].ReceiptHandle); err == nil && h.StrictReceipts {
		t.Fatal("Delete of a dead-lettered message's receipt succeeded")
	}
	dead := receiveAll(t, dlq, 1, time.Hour)
	if len(dead) != 1 || dead[0].Body != "dead" {
		t.Fatalf("DLQ receive: %+v", dead)
	}
	if err := dlq.Redrive(ctx, dead[0]); err != nil {
		t.Fatalf("Redrive: %v", err)
	}
	back := receiveAll(t, h.Queue, 1, time.Hour)
	if len(back) != 1 || back[0].Body != "dead" || back[0].ReceiveCount != 1 || back[0].Priority != 2 {
		t.Fatalf("redriven message: %+v", back)
	}
	if depth, _ := dlq.Depth(ctx); depth != 0 {
		t.Fatalf("DLQ depth after redrive %d", depth)
	}
	// Delete from the DLQ.
	if err := h.Queue.DeadLetter(ctx, back[0]); err != nil {
		t.Fatal(err)
	}
	dead = receiveAll(t, dlq, 1, time.Hour)
	if len(dead) != 1 {
		t.Fatal("no dead letter")
	}
	if err := dlq.Delete(ctx, dead[0].ReceiptHandle); err != nil {
		t.Fatalf("DLQ Delete: %v", err)
	}
	if depth, _ := dlq.Depth(ctx); depth != 0 {
		t.Fatalf("DLQ depth after delete %d", depth)
	}
}

func testDeadLetterSend(t *testing.T, h Harness) {
	dlq := h.Queue.DeadLetters()
	if err := dlq.Send(ctx, queue.SendRequest{Body: "straight", Priority: 4}); err != nil {
		t.Fatalf("DLQ Send: %v", err)
	}
	for _, bad := range []queue.SendRequest{{Body: ""}, {Body: "x", Delay: time.Second}} {
		if err := dlq.Send(ctx, bad); !errors.Is(err, queue.ErrInvalidRequest) {
			t.Errorf("DLQ Send %+v: %v, want ErrInvalidRequest", bad, err)
		}
	}
	expectNone(t, h.Queue, "a dead-letter send reaches the main queue")
	dead := receiveAll(t, dlq, 1, time.Hour)
	if len(dead) != 1 || dead[0].Body != "straight" || dead[0].Priority != 4 {
		t.Fatalf("DLQ holds %+v", dead)
	}
	if err := dlq.Redrive(ctx, dead[0]); err != nil {
		t.Fatal(err)
	}
	back := receiveAll(t, h.Queue, 1, time.Hour)
	if len(back) != 1 || back[0].Body != "straight" || back[0].Priority != 4 {
		t.Fatalf("redriven %+v", back)
	}
}

func testDeadLetterRelease(t *testing.T, h Harness) {
	dlq := h.Queue.DeadLetters()
	for _, body := range []string{"d1", "d2", "d3"} {
		if err := dlq.Send(ctx, queue.SendRequest{Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	listed := receiveAll(t, dlq, 3, time.Hour)
	if len(listed) != 3 {
		t.Fatalf("listed %v", bodies(listed))
	}
	expectNone(t, dlq, "listed dead letters within their visibility")
	// One of them is handled meanwhile; its stale receipt is ignored.
	if err := dlq.Delete(ctx, listed[0].ReceiptHandle); err != nil {
		t.Fatal(err)
	}
	var receipts []string
	for _, m := range listed {
		receipts = append(receipts, m.ReceiptHandle)
	}
	if err := dlq.Release(ctx, receipts...); err != nil {
		t.Fatalf("Release: %v", err)
	}
	again := bodies(receiveAll(t, dlq, 2, time.Hour))
	sort.Strings(again)
	want := bodies(listed[1:])
	sort.Strings(want)
	if fmt.Sprint(again) != fmt.Sprint(want) {
		t.Fatalf("after Release: %v, want %v at once", again, want)
	}
}

func testInvalid(t *testing.T, h Harness) {
	cases := map[string]queue.SendRequest{
		"empty body":     {Body: ""},
		"negative delay": {Body: "x", Delay: -time.Second},
		"delay too long": {Body: "x", Delay: queue.MaxDelay + time.Second},
	}
	for name, req := range cases {
		if _, err := h.Queue.Send(ctx, req); !errors.Is(err, queue.ErrInvalidRequest) {
			t.Errorf("%s: %v, want ErrInvalidRequest", name, err)
		}
	}
	if _, err := h.Queue.Receive(ctx, queue.ReceiveRequest{Max: 11}); !errors.Is(err, queue.ErrInvalidRequest) {
		t.Errorf("receive 11: %v, want ErrInvalidRequest", err)
	}
	if err := h.Queue.Delete(ctx, "not-a-receipt"); !errors.Is(err, queue.ErrInvalidReceipt) {
		t.Errorf("Delete garbage: %v, want ErrInvalidReceipt", err)
	}
	if err := h.Queue.ChangeVisibility(ctx, "not-a-receipt", time.Second); !errors.Is(err, queue.ErrInvalidReceipt) {
		t.Errorf("ChangeVisibility garbage: %v, want ErrInvalidReceipt", err)
	}
	// Nothing was enqueued by the rejected sends.
	expectNone(t, h.Queue, "after rejected sends")
}

// totals sums the counts of the queues' stats and checks their roles: the
// jobs queue first, then at most a high-priority one.
func totals(t *testing.T, stats []queue.Stats) queue.Stats {
	t.Helper()
	if len(stats) == 0 || len(stats) > 2 || stats[0].Role != queue.RoleJobs || (len(stats) == 2 && stats[1].Role != queue.RoleHigh) {
		t.Fatalf("Stats = %+v; want the jobs queue, then maybe the high-priority one", stats)
	}
	var sum queue.Stats
	for _, st := range stats {
		if st.Name == "" {
			t.Errorf("a queue without a name: %+v", st)
		}
		sum.Visible += st.Visible
		sum.InFlight += st.InFlight
		sum.Delayed += st.Delayed
	}
	return sum
}

// testStats counts visible, in-flight and delayed messages in the jobs
// queues and the dead-letter queue. A backend that knows the oldest
// message's age reports at least the time since it was sent.
func testStats(t *testing.T, h Harness) {
	if _, err := h.Queue.Send(ctx, queue.SendRequest{Body: "taken"}, queue.SendRequest{Body: "waits", Priority: 3},
		queue.SendRequest{Body: "later", Delay: 60 * h.Tick}); err != nil {
		t.Fatal(err)
	}
	h.Advance(h.Tick)
	// Take the default queue's message: empty the high queue first.
	var taken []queue.Message
	for _, m := range receiveAll(t, h.Queue, 2, time.Hour) {
		if m.Body == "waits" {
			if err := h.Queue.ChangeVisibility(ctx, m.ReceiptHandle, 0); err != nil {
				t.Fatal(err)
			}
			continue
		}
		taken = append(taken, m)
	}
	if len(taken) != 1 {
		t.Fatalf("received %v, want the undelayed default-queue message", bodies(taken))
	}
	if err := h.Queue.DeadLetters().Send(ctx, queue.SendRequest{Body: "dead"}); err != nil {
		t.Fatal(err)
	}
	stats, err := h.Queue.Stats(ctx)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	// With wake-ups, the one of "waits" is visible until a receive takes
	// it, and which receive does is SQS's choice.
	wakeUps := 0
	if h.WakeUps {
		wakeUps = 1
		if len(stats) != 2 || stats[1].Role != queue.RoleHigh || stats[1].Visible != 1 {
			t.Errorf("Stats = %+v; want the high-priority queue holding its message", stats)
		}
	}
	if got := totals(t, stats); got.Visible < 1 || got.Visible > 1+wakeUps || got.InFlight != 1 || got.Delayed != 1 {
		t.Errorf("jobs queues: visible %d, in flight %d, delayed %d; want 1 (+%d wake-up) 1 1 (%+v)", got.Visible, got.InFlight, got.Delayed, wakeUps, stats)
	}
	if stats[0].OldestKnown && stats[0].OldestAge < h.Tick {
		t.Errorf("oldest message age %v, want at least %v", stats[0].OldestAge, h.Tick)
	}
	dlq, err := h.Queue.DeadLetters().Stats(ctx)
	if err != nil {
		t.Fatalf("dead-letter Stats: %v", err)
	}
	if dlq.Role != queue.RoleDeadLetter || dlq.Name == "" || dlq.Name == stats[0].Name || dlq.Visible != 1 || dlq.Total() != 1 {
		t.Errorf("dead-letter stats = %+v; want one visible message", dlq)
	}
}

// NewMemory returns a memory queue for a test, failing t when cfg is
// invalid.
func NewMemory(t testing.TB, cfg queue.MemoryConfig) *queue.Memory {
	t.Helper()
	q, err := queue.NewMemory(cfg)
	if err != nil {
		t.Fatalf("memory queue: %v", err)
	}
	return q
}
