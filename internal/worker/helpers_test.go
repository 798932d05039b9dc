package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"jobline/internal/clock"
	"jobline/internal/jobs"
	"jobline/internal/queue"
	"jobline/internal/queue/queuetest"
	"jobline/internal/worker"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// countingStore counts the calls of each Store method, to check request
// budgets, and can make the next calls of a method fail.
type countingStore struct {
	jobs.Store
	mu    sync.Mutex
	calls map[string]int
	fail  map[string]error
}

func (s *countingStore) hit(op string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[op]++
	return s.fail[op]
}

func (s *countingStore) count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

func (s *countingStore) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		n += c
	}
	return n
}

func (s *countingStore) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
}

func (s *countingStore) failWith(op string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[op] = err
}

func (s *countingStore) Get(ctx context.Context, id string) (jobs.Job, error) {
	if err := s.hit("Get"); err != nil {
		return jobs.Job{}, err
	}
	return s.Store.Get(ctx, id)
}

func (s *countingStore) GetLatest(ctx context.Context, id string) (jobs.Job, error) {
	if err := s.hit("GetLatest"); err != nil {
		return jobs.Job{}, err
	}
	return s.Store.GetLatest(ctx, id)
}

func (s *countingStore) FinishUnclaimed(ctx context.Context, id string, u jobs.UnclaimedRun) (jobs.Job, error) {
	if err := s.hit("FinishUnclaimed"); err != nil {
		return jobs.Job{}, err
	}
	return s.Store.FinishUnclaimed(ctx, id, u)
}

func (s *countingStore) Claim(ctx context.Context, id string, c jobs.Claim) (jobs.Job, error) {
	if err := s.hit("Claim"); err != nil {
		return jobs.Job{}, err
	}
	return s.Store.Claim(ctx, id, c)
}

func (s *countingStore) Progress(ctx context.Context, id, token string, p int, now time.Time) (jobs.Job, error) {
	if err := s.hit("Progress"); err != nil {
		return jobs.Job{}, err
	}
	return s.Store.Progress(ctx, id, token, p, now)
}

func (s *countingStore) Finish(ctx context.Context, id, token string, o jobs.Outcome) (jobs.Job, error) {
	if err := s.hit("Finish"); err != nil {
		return jobs.Job{}, err
	}
	return s.Store.Finish(ctx, id, token, o)
}

func (s *countingStore) Retry(ctx context.Context, id, token string, r jobs.RetryWait) (jobs.Job, error) {
	if err := s.hit("Retry"); err != nil {
		return jobs.Job{}, err
	}
	return s.Store.Retry(ctx, id, token, r)
}

func (s *countingStore) Release(ctx context.Context, id, token string, r jobs.Release) (jobs.Job, error) {
	if err := s.hit("Release"); err != nil {
		return jobs.Job{}, err
	}
	return s.Store.Release(ctx, id, token, r)
}

func (s *countingStore) FailExpired(ctx context.Context, id string, attempt int, msg string, now time.Time) (jobs.Job, error) {
	if err := s.hit("FailExpired"); err != nil {
		return jobs.Job{}, err
	}
	return s.Store.FailExpired(ctx, id, attempt, msg, now)
}

func (s *countingStore) Redrive(ctx context.Context, id string, r jobs.RedriveRequest) (jobs.Job, error) {
	if err := s.hit("Redrive"); err != nil {
		return jobs.Job{}, err
	}
	return s.Store.Redrive(ctx, id, r)
}

func (s *countingStore) RescheduleSweep(ctx context.Context, id string, v int64, sweepAt, now time.Time) (jobs.Job, error) {
	if err := s.hit("RescheduleSweep"); err != nil {
		return jobs.Job{}, err
	}
	return s.Store.RescheduleSweep(ctx, id, v, sweepAt, now)
}

func (s *countingStore) ListDue(ctx context.Context, before time.Time, limit int) ([]jobs.Job, error) {
	if err := s.hit("ListDue"); err != nil {
		return nil, err
	}
	return s.Store.ListDue(ctx, before, limit)
}

func (s *countingStore) AddAsset(ctx context.Context, token string, a jobs.Asset) (jobs.Asset, error) {
	if err := s.hit("AddAsset"); err != nil {
		return jobs.Asset{}, err
	}
	return s.Store.AddAsset(ctx, token, a)
}

// countingQueue counts ChangeVisibility, Send and DeadLetter calls.
// It can fail DeadLetter and ChangeVisibility, and report each
// ChangeVisibility on a channel.
type countingQueue struct {
	queue.Queue
	changeVisibility, send, deadLetter atomic.Int64
	deadLetterErr                      error
	sendErr                            error // every Send fails with it
	changeErr                          error // every ChangeVisibility fails with it
	onChange                           chan time.Duration
}

func (q *countingQueue) ChangeVisibility(ctx context.Context, rh string, d time.Duration) error {
	q.changeVisibility.Add(1)
	if q.changeErr != nil {
		return q.changeErr
	}
	err := q.Queue.ChangeVisibility(ctx, rh, d)
	if q.onChange != nil {
		select {
		case q.onChange <- d:
		default:
		}
	}
	return err
}

func (q *countingQueue) Send(ctx context.Context, reqs ...queue.SendRequest) ([]string, error) {
	q.send.Add(1)
	if q.sendErr != nil {
		return nil, q.sendErr
	}
	return q.Queue.Send(ctx, reqs...)
}

func (q *countingQueue) DeadLetter(ctx context.Context, m queue.Message) error {
	q.deadLetter.Add(1)
	if q.deadLetterErr != nil {
		return q.deadLetterErr
	}
	return q.Queue.DeadLetter(ctx, m)
}

// bundle is what an engine test needs.
type bundle struct {
	clock  *clock.Fake
	store  *countingStore
	mem    *queue.Memory
	queue  *countingQueue
	reg    *worker.Registry
	engine *worker.Engine
	calls  sync.Map // jobType -> *atomic.Int64 handler calls
}

type setupOpt struct {
	maxReceiveCount int
	config          func(*worker.Config)
	queue           func(*countingQueue) // adjusts the queue before the engine is built
}

// setup builds a fake clock, memory store and queue, a registry and an
// engine whose timers never fire during a test (intervals of an hour), so
// that only the fake clock moves time. A test that needs the engine's
// timers sets their intervals and runs in a synctest bubble (setup
// included, so that the queue's channels belong to the bubble).
func setup(t testing.TB, o setupOpt) *bundle {
	t.Helper()
	fc := clock.NewFake(t0)
	mem := queuetest.NewMemory(t, queue.MemoryConfig{Clock: fc, VisibilityTimeout: 30 * time.Second, MaxReceiveCount: o.maxReceiveCount})
	b := &bundle{
		clock: fc,
		store: &countingStore{Store: jobs.NewMemoryStore(), calls: map[string]int{}, fail: map[string]error{}},
		mem:   mem,
		queue: &countingQueue{Queue: mem},
		reg:   worker.NewRegistry(),
	}
	if o.queue != nil {
		o.queue(b.queue)
	}
	cfg := worker.Config{
		Store:               b.store,
		Queue:               b.queue,
		Registry:            b.reg,
		Clock:               fc,
		Logger:              slog.New(slog.NewTextHandler(io.Discard, nil)),
		Rand:                func() float64 { return 0.5 },
		VisibilityTimeout:   30 * time.Second,
		VisibilityHeartbeat: time.Hour - time.Second,
		CancelPoll:          time.Hour,
		ProgressInterval:    time.Second,
	}
	// A huge VisibilityTimeout keeps the heartbeat away.
	cfg.VisibilityTimeout = time.Hour
	if o.config != nil {
		o.config(&cfg)
	}
	e, err := worker.NewEngine(cfg)
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	b.engine = e
	return b
}

// handlerFunc is a handler that ignores its decoded parameters.
type handlerFunc func(ctx context.Context, t *worker.Task) (any, error)

// handle registers a handler, taking any object as parameters, that counts
// its calls.
func (b *bundle) handle(jobType string, fn handlerFunc, opts ...worker.Option) {
	n := &atomic.Int64{}
	b.calls.Store(jobType, n)
	worker.Register(b.reg, jobType, func(ctx context.Context, t *worker.Task, _ json.RawMessage) (any, error) {
		n.Add(1)
		return fn(ctx, t)
	}, opts...)
}

func (b *bundle) handlerCalls(jobType string) int64 {
	n, ok := b.calls.Load(jobType)
	if !ok {
		return 0
	}
	return n.(*atomic.Int64).Load()
}

var jobSeq atomic.Int64

// create stores a queued job and sends its message (unless noMessage).
func (b *bundle) create(t testing.TB, jobType string, params string, maxAttempts int, noMessage bool) jobs.Job {
	t.Helper()
	now := b.clock.Now()
	j, _, err := b.store.Store.Create(context.Background(), jobs.Job{
		ID:          fmt.Sprintf("job-%d", jobSeq.Add(1)),
		Owner:       "alice",
		JobType:     jobType,
		Parameters:  json.RawMessage(params),
		MaxAttempts: maxAttempts,
		CreatedAt:   now,
		UpdatedAt:   now,
		SweepAt:     now,
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if !noMessage {
		b.send(t, j)
	}
	return j
}

func (b *bundle) send(t testing.TB, j jobs.Job) {
	t.Helper()
	if _, err := b.mem.Send(context.Background(), queue.JobSend(j, 0)); err != nil {
		t.Fatalf("send: %v", err)
	}
}

// receive returns the one visible message, failing if there is none.
func (b *bundle) receive(t testing.TB) queue.Message {
	t.Helper()
	m, ok := b.tryReceive(t)
	if !ok {
		t.Fatalf("no visible message at %s", b.clock.Now())
	}
	return m
}

func (b *bundle) tryReceive(t testing.TB) (queue.Message, bool) {
	t.Helper()
	msgs, err := b.mem.Receive(context.Background(), queue.ReceiveRequest{Max: 1})
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	if len(msgs) == 0 {
		return queue.Message{}, false
	}
	return msgs[0], true
}

// process runs the engine on m and acts on the disposition like the pool.
func (b *bundle) process(t testing.TB, m queue.Message) worker.Result {
	t.Helper()
	r := b.engine.Process(context.Background(), m)
	if r.Disposition == worker.AckMessage {
		if err := b.mem.Delete(context.Background(), m.ReceiptHandle); err != nil {
			t.Logf("delete: %v", err)
		}
	}
	return r
}

func (b *bundle) get(t testing.TB, id string) jobs.Job {
	t.Helper()
	j, err := b.store.Store.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return j
}

func (b *bundle) dlqDepth(t testing.TB) int {
	t.Helper()
	n, err := b.mem.DeadLetters().Depth(context.Background())
	if err != nil {
		t.Fatalf("dlq depth: %v", err)
	}
	return n
}

// visible returns how many messages of the jobs queue are visible.
func (b *bundle) visible(t testing.TB) int {
	t.Helper()
	stats, err := b.mem.Stats(context.Background())
	if err != nil {
		t.Fatalf("queue stats: %v", err)
	}
	return stats[0].Visible
}

func (b *bundle) queueEmpty(t testing.TB) {
	t.Helper()
	stats, _ := b.mem.Stats(context.Background())
	if st := stats[0]; st.Total() != 0 {
		t.Errorf("queue not empty: visible %d, in flight %d, delayed %d", st.Visible, st.InFlight, st.Delayed)
	}
}

// runUntilFinal receives and processes, advancing the fake clock when no
// message is visible, until the job is final or steps run out.
func (b *bundle) runUntilFinal(t testing.TB, id string) jobs.Job {
	t.Helper()
	for range 100 {
		if j := b.get(t, id); j.Status.Final() {
			return j
		}
		m, ok := b.tryReceive(t)
		if !ok {
			b.clock.Advance(time.Second)
			continue
		}
		b.process(t, m)
	}
	t.Fatalf("job %s not final after 100 steps: %+v", id, b.get(t, id))
	return jobs.Job{}
}

func ok(_ context.Context, t *worker.Task) (any, error) {
	return map[string]string{"ok": t.Job.ID}, nil
}
