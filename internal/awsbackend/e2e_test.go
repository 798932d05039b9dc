package awsbackend_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"jobline/internal/api"
	"jobline/internal/awsapi"
	"jobline/internal/awsapi/dynamo"
	"jobline/internal/awsbackend/awstest"
	"jobline/internal/clock"
	"jobline/internal/jobs"
	"jobline/internal/jobs/dynamostore"
	"jobline/internal/queue"
	"jobline/internal/queue/sqsqueue"
	"jobline/internal/worker"
)

// system is the whole job system on the emulator, with every AWS request
// counted.
type system struct {
	counter  *awstest.RequestCounter
	reads    *consistency
	store    *dynamostore.Store
	queue    *sqsqueue.Queue
	api      http.Handler
	engine   *worker.Engine
	clock    *clock.Fake
	registry *worker.Registry
}

// consistency records the ConsistentRead flag of every GetItem.
type consistency struct {
	mu         sync.Mutex
	consistent []bool
}

// hook records each GetItem's ConsistentRead.
func (c *consistency) hook() awsapi.Hook {
	return awsapi.Hook{Call: func(ctx context.Context, call *awsapi.Call, next func(context.Context) error) error {
		if get, ok := call.Input.(*dynamo.GetItemInput); ok {
			c.mu.Lock()
			c.consistent = append(c.consistent, get.ConsistentRead != nil && *get.ConsistentRead)
			c.mu.Unlock()
		}
		return next(ctx)
	}}
}

// newSystem wires the API and the engine to DynamoDB and SQS on the
// emulator: the template table (or a fresh copy when freshTable) and fresh
// queues.
func newSystem(t testing.TB, freshTable bool) *system {
	t.Helper()
	cfg := awstest.Config(t)
	s := &system{counter: awstest.NewRequestCounter(), reads: &consistency{}}
	clients := awstest.Clients(t, cfg, s.counter.Hook(), s.reads.hook())
	table := cfg.TableName
	if freshTable {
		table = awstest.NewTable(t, clients.DynamoDB, cfg)
	}
	store, err := dynamostore.New(clients.Dynamo, awstest.StoreConfig(cfg, table))
	if err != nil {
		t.Fatal(err)
	}
	s.store = store
	q, err := sqsqueue.New(clients.SQSAPI, awstest.NewQueues(t, clients.SQS, cfg, 0))
	if err != nil {
		t.Fatal(err)
	}
	s.queue = q
	s.clock = clock.NewFake(time.Now())
	s.registry = worker.NewRegistry()
	worker.Register(s.registry, "echo", func(context.Context, *worker.Task, json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(`{"echoed":true}`), nil
	})
	worker.Register(s.registry, "quick-echo", func(context.Context, *worker.Task, json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(`{"echoed":true}`), nil
	}, worker.Quick())
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := api.New(api.Config{Store: s.store, Queue: s.queue, Clock: s.clock, Logger: quiet, ValidateJob: s.registry.Validate})
	if err != nil {
		t.Fatal(err)
	}
	s.api = api.HeaderIdentity(h)
	s.engine, err = worker.NewEngine(worker.Config{Store: s.store, Queue: s.queue, Registry: s.registry, Clock: s.clock, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// do serves one API request as user.
func (s *system) do(t testing.TB, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set(api.UserHeader, "user-budget")
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.api.ServeHTTP(rec, req)
	return rec
}

// createJob creates an echo job through the API and returns its ID.
func (s *system) createJob(t testing.TB) string {
	t.Helper()
	return s.createJobOf(t, "echo")
}

func (s *system) createJobOf(t testing.TB, jobType string) string {
	t.Helper()
	rec := s.do(t, http.MethodPost, "/jobs", `{"jobType":"`+jobType+`","parameters":{"n":1}}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST /jobs: %d %s", rec.Code, rec.Body)
	}
	var j struct{ ID string }
	if err := json.Unmarshal(rec.Body.Bytes(), &j); err != nil || j.ID == "" {
		t.Fatalf("POST /jobs body %s: %v", rec.Body, err)
	}
	return j.ID
}

// receiveOne receives the next message (long polling).
func (s *system) receiveOne(t testing.TB) queue.Message {
	t.Helper()
	for range 5 {
		msgs, err := s.queue.Receive(context.Background(), queue.ReceiveRequest{Max: 1, Visibility: time.Minute, Wait: time.Second})
		if err != nil {
			t.Fatalf("Receive: %v", err)
		}
		if len(msgs) == 1 {
			return msgs[0]
		}
	}
	t.Fatal("no message arrived")
	return queue.Message{}
}

// process runs the engine on m and acknowledges it as the Lambda's event
// source mapping (or the dev pool) would.
func (s *system) process(t testing.TB, m queue.Message) worker.Result {
	t.Helper()
	r := s.engine.Process(context.Background(), m)
	if r.Disposition == worker.AckMessage {
		if err := s.queue.Delete(context.Background(), m.ReceiptHandle); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	}
	return r
}

// dynamoWrites counts the DynamoDB write requests.
func dynamoWrites(c *awstest.RequestCounter) int64 {
	return c.Get("DynamoDB.PutItem") + c.Get("DynamoDB.UpdateItem") + c.Get("DynamoDB.DeleteItem") +
		c.Get("DynamoDB.TransactWriteItems") + c.Get("DynamoDB.BatchWriteItem")
}

// TestRequestBudget pins the AWS requests of one job's life: creating it is
// one DynamoDB write and one SQS send; processing it (no progress) at most
// two DynamoDB writes and one SQS delete (a quick type's: one strongly
// consistent read, one write and the delete); reading it one eventually
// consistent read.
func TestRequestBudget(t *testing.T) {
	t.Parallel()
	s := newSystem(t, false)

	s.counter.Reset()
	id := s.createJob(t)
	if w, d, send, sqsAll := dynamoWrites(s.counter), s.counter.Total("DynamoDB"), s.counter.Get("SQS.SendMessage"), s.counter.Total("SQS"); w != 1 || d != 1 || send != 1 || sqsAll != 1 {
		t.Errorf("create: %d DynamoDB writes (%d requests), %d SQS sends (%d requests); want 1, 1, 1, 1: %v", w, d, send, sqsAll, s.counter.Counts())
	}

	m := s.receiveOne(t)
	s.counter.Reset()
	r := s.process(t, m)
	if r.Status != jobs.StatusCompleted || !r.Ran {
		t.Fatalf("process: %+v", r)
	}
	if w, d, del, sqsAll := dynamoWrites(s.counter), s.counter.Total("DynamoDB"), s.counter.Get("SQS.DeleteMessage"), s.counter.Total("SQS"); w > 2 || d != w || del != 1 || sqsAll != 1 {
		t.Errorf("process: %d DynamoDB writes (%d requests), %d SQS deletes (%d requests); want <= 2 writes and nothing else, 1 delete: %v", w, d, del, sqsAll, s.counter.Counts())
	}

	s.quickBudget(t)

	s.counter.Reset()
	s.reads.mu.Lock()
	s.reads.consistent = nil
	s.reads.mu.Unlock()
	rec := s.do(t, http.MethodGet, "/jobs/"+id, "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"completed"`) {
		t.Fatalf("GET /jobs/%s: %d %s", id, rec.Code, rec.Body)
	}
	if get, all := s.counter.Get("DynamoDB.GetItem"), s.counter.Total(""); get != 1 || all != 1 {
		t.Errorf("read: %d GetItem, %d requests in all; want 1 and 1: %v", get, all, s.counter.Counts())
	}
	s.reads.mu.Lock()
	defer s.reads.mu.Unlock()
	if len(s.reads.consistent) != 1 || s.reads.consistent[0] {
		t.Errorf("read: ConsistentRead flags %v, want one eventually consistent read", s.reads.consistent)
	}
}

// quickBudget checks a quick type's run: one strongly consistent GetItem
// and one UpdateItem (no claim), and the delete.
func (s *system) quickBudget(t *testing.T) {
	t.Helper()
	s.createJobOf(t, "quick-echo")
	m := s.receiveOne(t)
	s.counter.Reset()
	s.reads.mu.Lock()
	s.reads.consistent = nil
	s.reads.mu.Unlock()
	if r := s.process(t, m); r.Status != jobs.StatusCompleted || r.Attempt != 1 {
		t.Fatalf("quick process: %+v", r)
	}
	get, upd, d := s.counter.Get("DynamoDB.GetItem"), s.counter.Get("DynamoDB.UpdateItem"), s.counter.Total("DynamoDB")
	if get != 1 || upd != 1 || d != 2 || s.counter.Get("SQS.DeleteMessage") != 1 || s.counter.Total("SQS") != 1 {
		t.Errorf("quick process: %d GetItem, %d UpdateItem (%d DynamoDB requests); want 1, 1, 2 and one SQS delete: %v", get, upd, d, s.counter.Counts())
	}
	s.reads.mu.Lock()
	defer s.reads.mu.Unlock()
	if len(s.reads.consistent) != 1 || !s.reads.consistent[0] {
		t.Errorf("quick process: ConsistentRead flags %v, want one strongly consistent read", s.reads.consistent)
	}
}

// TestReconcilerRecoversLostSend injects a crash between PutItem and
// SendMessage: the job is in the table, no message exists. The reconciler
// finds it through the sweep index (GSI2) and re-sends its message, which
// the engine then runs to completion.
func TestReconcilerRecoversLostSend(t *testing.T) {
	t.Parallel()
	s := newSystem(t, true)
	ctx := context.Background()
	now := s.clock.Now()
	job := jobs.Job{
		ID: "lost-send-" + now.Format("150405.000000000"), Owner: "user-crash", JobType: "echo",
		Status: jobs.StatusQueued, Parameters: json.RawMessage(`{}`), MaxAttempts: 3,
		CreatedAt: now, UpdatedAt: now, SweepAt: now.Add(jobs.DefaultQueuedGrace),
	}
	if _, created, err := s.store.Create(ctx, job); err != nil || !created {
		t.Fatalf("Create: %v %v", created, err)
	}
	// The API crashed here: no SendMessage.
	if msgs, err := s.queue.Receive(ctx, queue.ReceiveRequest{Max: 1}); err != nil || len(msgs) != 0 {
		t.Fatalf("queue before the sweep: %v %v; want empty", msgs, err)
	}

	rec, err := worker.NewReconciler(worker.ReconcilerConfig{Store: s.store, Queue: s.queue, Clock: s.clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := rec.RunOnce(ctx); err != nil || rep.Resent != 0 {
		t.Fatalf("sweep before the job is due: %+v %v; want nothing re-sent", rep, err)
	}
	s.clock.Advance(10 * time.Minute)
	rep, err := rec.RunOnce(ctx)
	if err != nil || rep.Resent != 1 {
		t.Fatalf("sweep after the grace: %+v %v; want 1 re-sent", rep, err)
	}
	m := s.receiveOne(t)
	if r := s.process(t, m); r.JobID != job.ID || r.Status != jobs.StatusCompleted {
		t.Fatalf("process the re-sent message: %+v", r)
	}
	got, err := s.store.Get(ctx, job.ID)
	if err != nil || got.Status != jobs.StatusCompleted || got.Attempt != 1 {
		t.Fatalf("job after recovery: %+v %v", got, err)
	}
	// Final jobs leave the sweep index: the next sweep finds nothing.
	s.clock.Advance(time.Hour)
	if rep, err := rec.RunOnce(ctx); err != nil || rep.Scanned != 0 {
		t.Fatalf("sweep after completion: %+v %v; want nothing scanned", rep, err)
	}
}
