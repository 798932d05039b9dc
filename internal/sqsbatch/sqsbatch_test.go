package sqsbatch

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"jobline/internal/queue"
	"jobline/internal/queue/sqsqueue"
	"jobline/internal/worker"
)

// fakeEngine answers a disposition per message ID and records what it saw.
type fakeEngine struct {
	mu          sync.Mutex
	seen        map[string]queue.Message
	disposition map[string]worker.Disposition
	delay       time.Duration
	running     atomic.Int32
	maxRunning  atomic.Int32
}

func (f *fakeEngine) Process(ctx context.Context, m queue.Message) worker.Result {
	n := f.running.Add(1)
	defer f.running.Add(-1)
	for {
		cur := f.maxRunning.Load()
		if n <= cur || f.maxRunning.CompareAndSwap(cur, n) {
			break
		}
	}
	select {
	case <-time.After(f.delay):
	case <-ctx.Done():
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen[m.ID] = m
	d, ok := f.disposition[m.ID]
	if !ok {
		d = worker.AckMessage
	}
	return worker.Result{Disposition: d, JobID: m.ID}
}

// visibilityQueue records ChangeVisibility calls.
type visibilityQueue struct {
	mu      sync.Mutex
	changed map[string]time.Duration
}

func (q *visibilityQueue) ChangeVisibility(_ context.Context, receipt string, d time.Duration) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.changed[receipt] = d
	return nil
}

func loadBatch(t *testing.T) events.SQSEvent {
	t.Helper()
	raw, err := os.ReadFile("testdata/sqs-batch-10.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func newTestBatch(t *testing.T, eng Processor, q VisibilityChanger, concurrency int) *Runner {
	t.Helper()
	// The real SQS queue converts records; it makes no request for that.
	records, err := sqsqueue.New(nil, sqsqueue.Config{
		QueueURL:           "https://sqs.us-east-1.amazonaws.com/123456789012/jobline-JobsQueue-XyZ",
		HighQueueURL:       "https://sqs.us-east-1.amazonaws.com/123456789012/jobline-JobsHighQueue-AbC",
		DeadLetterQueueURL: "https://sqs.us-east-1.amazonaws.com/123456789012/jobline-DeadLetterQueue-Q",
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(Config{
		Engine: eng, Queue: q, Records: records, Concurrency: concurrency,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func failures(resp events.SQSEventResponse) []string {
	ids := []string{}
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

func TestBatchReportsExactlyTheKeptRecords(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		eng := &fakeEngine{seen: map[string]queue.Message{}, delay: 20 * time.Millisecond, disposition: map[string]worker.Disposition{
			"msg-2": worker.RedeliverLater, "msg-5": worker.RedeliverLater, "msg-9": worker.RedeliverLater, "msg-3": worker.MessageMoved,
		}}
		b := newTestBatch(t, eng, &visibilityQueue{changed: map[string]time.Duration{}}, 3)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		resp, err := b.Handle(ctx, loadBatch(t))
		if err != nil {
			t.Fatalf("Handle: %v", err)
		}
		if got, want := failures(resp), []string{"msg-2", "msg-5", "msg-9"}; !reflect.DeepEqual(got, want) {
			t.Errorf("batchItemFailures = %v, want %v", got, want)
		}
		if len(eng.seen) != 10 {
			t.Errorf("engine saw %d records, want 10", len(eng.seen))
		}
		if max := eng.maxRunning.Load(); max != 3 {
			t.Errorf("at most %d records ran at once, want the bound 3", max)
		}
		// Conversion: receipt prefixes of sqsqueue, receive count, priority.
		m0, m9 := eng.seen["msg-0"], eng.seen["msg-9"]
		if m0.ReceiptHandle != "d:rh-0" || m0.ReceiveCount != 1 || m0.Priority != 0 || m0.Body != `{"jobId":"job-0","jobType":"flaky"}` ||
			!m0.SentAt.Equal(time.UnixMilli(1795845600000)) {
			t.Errorf("msg-0 = %+v", m0)
		}
		if m9.ReceiptHandle != "h:rh-9" || m9.Priority != 5 || m9.ReceiveCount != 1 {
			t.Errorf("msg-9 = %+v", m9)
		}
	})
}

// In a synctest bubble time is exact: with 500ms left, a 400ms minimum and
// records of 150ms two at a time, the first pair starts and, 150ms later,
// too little time is left for any other.
func TestBatchStopsStartingRecordsWhenTimeIsShort(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		eng := &fakeEngine{seen: map[string]queue.Message{}, delay: 150 * time.Millisecond, disposition: map[string]worker.Disposition{}}
		q := &visibilityQueue{changed: map[string]time.Duration{}}
		b := newTestBatch(t, eng, q, 2)
		b.cfg.MinRemaining = 400 * time.Millisecond
		b.cfg.StopMargin = 10 * time.Millisecond
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		resp, err := b.Handle(ctx, loadBatch(t))
		if err != nil {
			t.Fatalf("Handle: %v", err)
		}
		want := []string{"msg-2", "msg-3", "msg-4", "msg-5", "msg-6", "msg-7", "msg-8", "msg-9"}
		if got := failures(resp); !reflect.DeepEqual(got, want) || len(eng.seen) != 2 {
			t.Fatalf("failures %v and %d processed; want %v unstarted and 2 processed", got, len(eng.seen), want)
		}
		for _, id := range want {
			i := id[len("msg-"):]
			prefix := "d:"
			if i == "9" {
				prefix = "h:"
			}
			if d, ok := q.changed[prefix+"rh-"+i]; !ok || d != DefaultUnstartedDelay {
				t.Errorf("unstarted %s visibility = %v, %v; want %v", id, d, ok, DefaultUnstartedDelay)
			}
		}
	})
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	records, err := sqsqueue.New(nil, sqsqueue.Config{QueueURL: "https://q/jobs", DeadLetterQueueURL: "https://q/dlq"})
	if err != nil {
		t.Fatal(err)
	}
	eng, q := &fakeEngine{}, &visibilityQueue{}
	for name, cfg := range map[string]Config{
		"no engine":            {Queue: q, Records: records},
		"no queue":             {Engine: eng, Records: records},
		"no records":           {Engine: eng, Queue: q},
		"negative concurrency": {Engine: eng, Queue: q, Records: records, Concurrency: -1},
		"negative margin":      {Engine: eng, Queue: q, Records: records, StopMargin: -time.Second},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New succeeded, want an error", name)
		}
	}
}

func TestBatchRejectsRecordsFromUnknownQueues(t *testing.T) {
	t.Parallel()
	eng := &fakeEngine{seen: map[string]queue.Message{}, disposition: map[string]worker.Disposition{}}
	b := newTestBatch(t, eng, &visibilityQueue{changed: map[string]time.Duration{}}, 4)
	ev := loadBatch(t)
	ev.Records[4].EventSourceARN = "arn:aws:sqs:us-east-1:123456789012:someone-else"
	resp, _ := b.Handle(context.Background(), ev)
	if got := failures(resp); !reflect.DeepEqual(got, []string{"msg-4"}) {
		t.Errorf("failures = %v, want [msg-4]", got)
	}
	if _, ran := eng.seen["msg-4"]; ran {
		t.Errorf("a record of an unknown queue ran")
	}
}

// fakeLane holds lane messages, records deletions, and takes records with
// the WakeUp attribute for wake-ups.
type fakeLane struct {
	mu      sync.Mutex
	msgs    []queue.Message
	asked   int // the page of the last receive
	looks   int // receives
	deleted []string
	wakes   []time.Duration // WakeAfter's delays
}

func (l *fakeLane) ReceiveLane(_ context.Context, max int) ([]queue.Message, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asked = max
	l.looks++
	n := min(max, len(l.msgs))
	out := l.msgs[:n]
	l.msgs = l.msgs[n:]
	return out, nil
}

func (l *fakeLane) Delete(_ context.Context, receipt string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.deleted = append(l.deleted, receipt)
	return nil
}

func (l *fakeLane) WakeAfter(_ context.Context, d time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.wakes = append(l.wakes, d)
	return nil
}

func (l *fakeLane) IsWakeUp(r events.SQSMessage) bool {
	_, ok := r.MessageAttributes["WakeUp"]
	return ok
}

// orderEngine records the order in which messages ran.
type orderEngine struct {
	mu    sync.Mutex
	order []string
	keep  map[string]bool
}

func (e *orderEngine) Process(_ context.Context, m queue.Message) worker.Result {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.order = append(e.order, m.ID)
	if e.keep[m.ID] {
		return worker.Result{Disposition: worker.RedeliverLater}
	}
	return worker.Result{Disposition: worker.AckMessage}
}

// TestBatchRunsTheLaneFirst: the lane's messages run before the batch's
// records; those done with are deleted (the mapping only deletes its own
// records), those kept are not; a wake-up record runs nothing and is a
// success.
func TestBatchRunsTheLaneFirst(t *testing.T) {
	t.Parallel()
	lane := &fakeLane{msgs: []queue.Message{
		{ID: "high-1", ReceiptHandle: "h:r1", Priority: 5}, {ID: "high-2", ReceiptHandle: "h:r2", Priority: 1}, {ID: "high-3", ReceiptHandle: "h:r3"},
	}}
	eng := &orderEngine{keep: map[string]bool{"high-2": true}}
	b := newTestBatch(t, eng, &visibilityQueue{changed: map[string]time.Duration{}}, 1)
	b.cfg.Lane = lane
	ev := loadBatch(t)
	ev.Records = ev.Records[:2]
	ev.Records[0].MessageAttributes = map[string]events.SQSMessageAttribute{"WakeUp": {DataType: "String", StringValue: aws.String("1")}}
	resp, err := b.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	// Concurrency 1: one lane message per invocation, before the records.
	if lane.asked != 1 || !reflect.DeepEqual(eng.order, []string{"high-1", ev.Records[1].MessageId}) {
		t.Fatalf("asked the lane for %d, ran %v; want 1 lane message, then the job record (not the wake-up)", lane.asked, eng.order)
	}
	if !reflect.DeepEqual(lane.deleted, []string{"h:r1"}) || len(failures(resp)) != 0 {
		t.Fatalf("deleted %v, failures %v; want the done lane message deleted and no failure", lane.deleted, failures(resp))
	}

	eng.order = nil
	b.cfg.Concurrency = 4
	if _, err := b.Handle(context.Background(), events.SQSEvent{}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(eng.order) // concurrent now
	if !reflect.DeepEqual(eng.order, []string{"high-2", "high-3"}) || !reflect.DeepEqual(lane.deleted, []string{"h:r1", "h:r3"}) {
		t.Fatalf("ran %v, deleted %v; want the lane drained and the kept message left", eng.order, lane.deleted)
	}
}

// wakeUp marks record i of ev as a wake-up.
func wakeUp(ev events.SQSEvent, i int) events.SQSEvent {
	ev.Records = slices.Clone(ev.Records)
	ev.Records[i].MessageAttributes = map[string]events.SQSMessageAttribute{"WakeUp": {DataType: "String", StringValue: aws.String("1")}}
	return ev
}

// TestBatchLooksAtTheLaneOnlyWithAReason: a few records without a wake-up
// make no request to the lane; a wake-up does, a full batch does once per
// LaneInterval, and a look that filled its page makes the next invocation
// look again until one comes back short.
func TestBatchLooksAtTheLaneOnlyWithAReason(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	lane := &fakeLane{}
	eng := &orderEngine{}
	b := newTestBatch(t, eng, &visibilityQueue{changed: map[string]time.Duration{}}, 4)
	b.cfg.Lane = lane
	b.gate = NewLaneGate(b.cfg.FullBatch, b.cfg.LaneInterval, func() time.Time { return now })
	full := loadBatch(t)
	few := events.SQSEvent{Records: full.Records[:2]}
	steps := []struct {
		name    string
		advance time.Duration
		ev      events.SQSEvent
		add     int // lane messages added before the invocation
		looks   int // the lane's receives so far
	}{
		{"a few records", 0, few, 0, 0},
		{"a few records with a wake-up", 0, wakeUp(few, 0), 0, 1},
		{"a full batch within the interval", 500 * time.Millisecond, full, 0, 1},
		{"a full batch after the interval", 600 * time.Millisecond, full, 0, 2},
		{"a full batch right after", 0, full, 0, 2},
		{"a wake-up finding a full page", 0, wakeUp(few, 1), 5, 3},
		{"a few records after a full page", 0, few, 0, 4}, // finds 1
		{"a few records after a short page", 0, few, 0, 4},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		for i := range s.add {
			lane.msgs = append(lane.msgs, queue.Message{ID: fmt.Sprintf("high-%d", i), ReceiptHandle: fmt.Sprintf("h:r%d", i)})
		}
		if _, err := b.Handle(context.Background(), s.ev); err != nil {
			t.Fatal(err)
		}
		if lane.looks != s.looks {
			t.Fatalf("%s: %d looks at the lane in all, want %d", s.name, lane.looks, s.looks)
		}
	}
	if len(lane.msgs) != 0 || len(lane.deleted) != 5 {
		t.Fatalf("lane left %d messages, deleted %v; want all 5 run and deleted", len(lane.msgs), lane.deleted)
	}
}

// resultEngine answers a result per message ID (AckMessage otherwise).
type resultEngine struct{ results map[string]worker.Result }

func (e *resultEngine) Process(_ context.Context, m queue.Message) worker.Result {
	if r, ok := e.results[m.ID]; ok {
		return r
	}
	return worker.Result{Disposition: worker.AckMessage}
}

// TestBatchWakesTheLaneForAMessageItLeaves: a lane message left to come
// back within SQS's longest delay (at once, for one given back) gets a
// wake-up delayed like it (one left for longer, or whose visibility could
// not be set, waits for the reconciler's minute), and so does a lane
// message left unstarted.
func TestBatchWakesTheLaneForAMessageItLeaves(t *testing.T) {
	t.Parallel()
	lane := &fakeLane{msgs: []queue.Message{
		{ID: "retry-soon", ReceiptHandle: "h:1"}, {ID: "retry-late", ReceiptHandle: "h:2"}, {ID: "unknown", ReceiptHandle: "h:3"}, {ID: "done", ReceiptHandle: "h:4"},
		{ID: "given-back", ReceiptHandle: "h:6"},
	}}
	eng := &resultEngine{results: map[string]worker.Result{
		"retry-soon": {Disposition: worker.RedeliverLater, VisibleAfter: 30 * time.Second},
		"retry-late": {Disposition: worker.RedeliverLater, VisibleAfter: 20 * time.Minute},
		"unknown":    {Disposition: worker.RedeliverLater, VisibleAfter: -1},
		"given-back": {Disposition: worker.RedeliverLater},
	}}
	b := newTestBatch(t, eng, &visibilityQueue{changed: map[string]time.Duration{}}, 5)
	b.cfg.Lane = lane
	if _, err := b.Handle(context.Background(), wakeUp(events.SQSEvent{Records: loadBatch(t).Records[:1]}, 0)); err != nil {
		t.Fatal(err)
	}
	slices.Sort(lane.wakes) // the lane's messages ran at once
	if !reflect.DeepEqual(lane.wakes, []time.Duration{0, 30 * time.Second}) || !reflect.DeepEqual(lane.deleted, []string{"h:4"}) {
		t.Fatalf("wake-ups %v, deleted %v; want one at once (the message given back) and one after 30s, and the done message deleted", lane.wakes, lane.deleted)
	}

	// Too little time left: the lane message is not started, and comes back
	// after UnstartedDelay with a wake-up.
	lane.msgs, lane.wakes = []queue.Message{{ID: "late", ReceiptHandle: "h:5"}}, nil
	q := &visibilityQueue{changed: map[string]time.Duration{}}
	b.cfg.Queue = q
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := b.Handle(ctx, wakeUp(events.SQSEvent{Records: loadBatch(t).Records[:1]}, 0)); err != nil {
		t.Fatal(err)
	}
	if q.changed["h:5"] != DefaultUnstartedDelay || !reflect.DeepEqual(lane.wakes, []time.Duration{DefaultUnstartedDelay}) {
		t.Fatalf("visibility %v, wake-ups %v; want both %v", q.changed, lane.wakes, DefaultUnstartedDelay)
	}
}
