package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"jobline/internal/api"
	"jobline/internal/api/openapitest"
	"jobline/internal/clock"
	"jobline/internal/jobs"
	"jobline/internal/queue"
	"jobline/internal/worker"
)

// testStart is the fake clock's start; far from "now" so that tests never
// depend on the wall clock.
var testStart = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// validateJob knows the two job types the tests use: echo (any parameters)
// and sleep ({"seconds": 0..30}).
func validateJob(jobType string, params json.RawMessage) error {
	switch jobType {
	case "echo":
		return nil
	case "sleep":
		var p struct {
			Seconds *int `json:"seconds"`
		}
		if err := json.Unmarshal(params, &p); err != nil || p.Seconds == nil || *p.Seconds < 0 || *p.Seconds > 30 {
			return errors.New("sleep needs parameters {\"seconds\": 0..30}")
		}
		return nil
	default:
		return fmt.Errorf("%w: %q", jobs.ErrUnknownJobType, jobType)
	}
}

// jobTypes lists the two job types validateJob knows, as a registry
// would (worker.Registry.JobTypes).
func jobTypes() []worker.JobType {
	return []worker.JobType{
		{Name: "echo", Description: "returns its parameters", Timeout: 5 * time.Minute},
		{Name: "sleep", Description: "sleeps", Timeout: 90 * time.Second, Parameters: []worker.Parameter{{Name: "seconds", Kind: "integer"}}},
	}
}

// countingStore counts the writes that took effect, so that tests can
// assert that a rejected request wrote nothing. The API's Store seam has
// two writes: Create and Cancel.
type countingStore struct {
	api.Store
	writes atomic.Int64
}

func (s *countingStore) Create(ctx context.Context, j jobs.Job) (jobs.Job, bool, error) {
	stored, created, err := s.Store.Create(ctx, j)
	if created {
		s.writes.Add(1)
	}
	return stored, created, err
}

func (s *countingStore) Cancel(ctx context.Context, id string, c jobs.CancelRequest) (jobs.Job, error) {
	j, err := s.Store.Cancel(ctx, id, c)
	if err == nil {
		s.writes.Add(1)
	}
	return j, err
}

// failingGetStore fails every Get with an error that must not leak.
type failingGetStore struct{ api.Store }

func (failingGetStore) Get(context.Context, string) (jobs.Job, error) {
	return jobs.Job{}, errors.New("dynamodb: table secret-table-name unreachable")
}

// countingQueue records the requests of successful sends and can be told
// to fail them.
type countingQueue struct {
	queue.Queue
	mu   sync.Mutex
	sent []queue.SendRequest
	fail atomic.Bool
}

func (q *countingQueue) Send(ctx context.Context, reqs ...queue.SendRequest) ([]string, error) {
	if q.fail.Load() {
		return nil, errors.New("sqs: connection refused")
	}
	ids, err := q.Queue.Send(ctx, reqs...)
	if err == nil {
		q.mu.Lock()
		q.sent = append(q.sent, reqs...)
		q.mu.Unlock()
	}
	return ids, err
}

func (q *countingQueue) Sent() []queue.SendRequest {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]queue.SendRequest(nil), q.sent...)
}

// syncBuffer is a log sink safe for concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// bundle is what a test needs: the handler (behind HeaderIdentity) and
// the fakes around it.
type bundle struct {
	handler http.Handler
	mem     jobs.Store // the store itself, for setting up jobs
	store   *countingStore
	queue   *countingQueue
	clock   *clock.Fake
	logs    *syncBuffer
}

const testGrace = 90 * time.Second

// setup builds the API on an in-memory store and queue; change, if given,
// adjusts the config before New.
func setup(t *testing.T, change ...func(*api.Config)) *bundle {
	t.Helper()
	mem := jobs.NewMemoryStore()
	fake := clock.NewFake(testStart)
	b := &bundle{
		mem:   mem,
		store: &countingStore{Store: mem},
		queue: &countingQueue{Queue: newTestQueue(t, fake)},
		clock: fake,
		logs:  &syncBuffer{},
	}
	cfg := api.Config{
		Store:       b.store,
		Queue:       b.queue,
		Clock:       b.clock,
		Logger:      slog.New(slog.NewJSONHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		ValidateJob: validateJob,
		JobTypes:    jobTypes,
		QueuedGrace: testGrace,
	}
	for _, c := range change {
		c(&cfg)
	}
	h, err := api.New(cfg)
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	b.handler = api.HeaderIdentity(h)
	return b
}

// request is one HTTP call to the API.
type request struct {
	method  string
	path    string
	user    string // X-User-Id; "" sends none
	body    string
	headers map[string]string
}

// do serves req and returns the recorded response.
func (b *bundle) do(t *testing.T, req request) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	r := httptest.NewRequest(req.method, req.path, body)
	if req.user != "" {
		r.Header.Set(api.UserHeader, req.user)
	}
	for k, v := range req.headers {
		r.Header.Set(k, v)
	}
	return serve(t, b, r)
}

// jobJSON is the API's Job, decoded.
type jobJSON struct {
	ID           string          `json:"id"`
	JobType      string          `json:"jobType"`
	Status       string          `json:"status"`
	Progress     int             `json:"progress"`
	ErrorMessage *string         `json:"errorMessage"`
	Parameters   json.RawMessage `json:"parameters"`
	Result       json.RawMessage `json:"result"`
	Priority     int             `json:"priority"`
	Attempt      int             `json:"attempt"`
	MaxAttempts  int             `json:"maxAttempts"`
	CreatedAt    *string         `json:"createdAt"`
	UpdatedAt    *string         `json:"updatedAt"`
	CompletedAt  *string         `json:"completedAt"`
	Attempts     []attemptJSON   `json:"attempts"`
}

// attemptJSON is one attempt of a Job.
type attemptJSON struct {
	Attempt   int     `json:"attempt"`
	StartedAt string  `json:"startedAt"`
	EndedAt   *string `json:"endedAt"`
	Outcome   string  `json:"outcome"`
	Error     *string `json:"error"`
}

type errorJSON struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// decode parses a JSON response body strictly into v.
func decode(t *testing.T, w *httptest.ResponseRecorder, v any) {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json; body %s", ct, w.Body)
	}
	dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", w.Body, err)
	}
}

// wantError asserts a JSON error response with status and code.
func wantError(t *testing.T, w *httptest.ResponseRecorder, status int, code string) errorJSON {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status = %d, want %d; body %s", w.Code, status, w.Body)
	}
	var e errorJSON
	decode(t, w, &e)
	if e.Error.Code != code || e.Error.Message == "" {
		t.Fatalf("error = %+v, want code %q with a message", e.Error, code)
	}
	return e
}

// createJob creates a job through the API and returns it.
func (b *bundle) createJob(t *testing.T, user, body string) jobJSON {
	t.Helper()
	w := b.do(t, request{method: "POST", path: "/jobs", user: user, body: body})
	if w.Code != http.StatusCreated {
		t.Fatalf("create: status %d, body %s", w.Code, w.Body)
	}
	var j jobJSON
	decode(t, w, &j)
	return j
}

// finish claims and finishes a job directly in the store.
func (b *bundle) finish(t *testing.T, id string, status jobs.Status) {
	t.Helper()
	ctx := context.Background()
	now := b.clock.Now()
	if _, err := b.mem.Claim(ctx, id, jobs.Claim{LeaseToken: "lease-" + id, Now: now, LeaseExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatalf("claim %s: %v", id, err)
	}
	if _, err := b.mem.Finish(ctx, id, "lease-"+id, jobs.Outcome{Status: status, Result: json.RawMessage(`{"ok":true}`), Now: now}); err != nil {
		t.Fatalf("finish %s: %v", id, err)
	}
}

// newRequest builds a request for serve, for tests that need headers that
// request cannot express.
func newRequest(method, path, user, body string) *http.Request {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if user != "" {
		r.Header.Set(api.UserHeader, user)
	}
	return r
}

// serve runs r through the bundle's handler and checks the response
// against docs/openapi.yaml: every response of these tests must be one the
// contract describes.
func serve(t *testing.T, b *bundle, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	b.handler.ServeHTTP(w, r)
	if err := openapitest.Shared(t).Check(r, w.Code, w.Header(), w.Body.Bytes()); err != nil {
		t.Errorf("contract: %v\nbody: %s", err, w.Body)
	}
	return w
}
