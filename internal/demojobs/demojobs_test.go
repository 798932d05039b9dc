package demojobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"jobline/internal/blob"
	"jobline/internal/clock"
	"jobline/internal/demojobs"
	"jobline/internal/jobs"
	"jobline/internal/queue"
	"jobline/internal/queue/queuetest"
	"jobline/internal/worker"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

type env struct {
	clock  *clock.Fake
	store  *jobs.MemoryStore
	queue  *queue.Memory
	files  *blob.Dir
	reg    *worker.Registry
	engine *worker.Engine
	slept  *[]time.Duration
}

func setup(t *testing.T) *env {
	t.Helper()
	fc := clock.NewFake(t0)
	files, err := blob.NewDir(t.TempDir(), "http://127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	slept := []time.Duration{}
	reg := worker.NewRegistry()
	demojobs.Register(reg, files, demojobs.WithSleep(func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		slept = append(slept, d)
		fc.Advance(d) // time passes only on the fake clock
		return ctx.Err()
	}))
	e := &env{clock: fc, store: jobs.NewMemoryStore(), queue: queuetest.NewMemory(t, queue.MemoryConfig{Clock: fc}), files: files, reg: reg, slept: &slept}
	e.engine, err = worker.NewEngine(worker.Config{
		Store: e.store, Queue: e.queue, Registry: reg, Clock: fc,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

var seq int

// run creates a job (validated like the API does), then processes its
// messages until it is final, moving the fake clock past each backoff.
func (e *env) run(t *testing.T, jobType, params string, maxAttempts int) jobs.Job {
	t.Helper()
	if err := e.reg.Validate(jobType, json.RawMessage(params)); err != nil {
		t.Fatalf("Validate(%s, %s): %v", jobType, params, err)
	}
	seq++
	now := e.clock.Now()
	j, _, err := e.store.Create(context.Background(), jobs.Job{
		ID: fmt.Sprintf("%s-%d", jobType, seq), Owner: "alice", JobType: jobType,
		Parameters: json.RawMessage(params), MaxAttempts: maxAttempts, CreatedAt: now, SweepAt: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := e.queue.Send(ctx, queue.JobSend(j, 0)); err != nil {
		t.Fatal(err)
	}
	for range 200 {
		if got, _ := e.store.Get(ctx, j.ID); got.Status.Final() {
			return got
		}
		msgs, err := e.queue.Receive(ctx, queue.ReceiveRequest{Max: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) == 0 {
			e.clock.Advance(time.Second)
			continue
		}
		if r := e.engine.Process(ctx, msgs[0]); r.Disposition == worker.AckMessage {
			_ = e.queue.Delete(ctx, msgs[0].ReceiptHandle)
		}
	}
	t.Fatalf("job %s not final", j.ID)
	return jobs.Job{}
}

func TestDemoJobs(t *testing.T) {
	e := setup(t)
	ctx := context.Background()

	t.Run("echo returns its parameters", func(t *testing.T) {
		got := e.run(t, "echo", `{"hello":"world","n":[1,2]}`, 3)
		if got.Status != jobs.StatusCompleted || string(got.Result) != `{"hello":"world","n":[1,2]}` {
			t.Fatalf("%s %s", got.Status, got.Result)
		}
	})

	t.Run("sleep reports progress each second and completes", func(t *testing.T) {
		before := e.clock.Now()
		got := e.run(t, "sleep", `{"seconds":3}`, 3)
		if got.Status != jobs.StatusCompleted || got.Progress != 100 || string(got.Result) != `{"sleptSeconds":3}` {
			t.Fatalf("%s %d %s", got.Status, got.Progress, got.Result)
		}
		if slept := e.clock.Now().Sub(before); slept != 3*time.Second {
			t.Errorf("slept %s, want 3s", slept)
		}
		for _, d := range *e.slept {
			if d > time.Second {
				t.Errorf("one sleep of %s: progress would lag", d)
			}
		}
	})

	t.Run("fail ends failed and dead-lettered after maxAttempts", func(t *testing.T) {
		got := e.run(t, "fail", `{}`, 2)
		if got.Status != jobs.StatusFailed || !got.DeadLettered || got.Attempt != 2 || got.ErrorMessage != demojobs.ErrAlwaysFails.Error() {
			t.Fatalf("%+v", got)
		}
		if n, _ := e.queue.DeadLetters().Depth(ctx); n != 1 {
			t.Errorf("DLQ depth %d, want 1", n)
		}
	})

	t.Run("flaky fails failTimes attempts then completes", func(t *testing.T) {
		got := e.run(t, "flaky", `{"failTimes":2}`, 3)
		if got.Status != jobs.StatusCompleted || got.Attempt != 3 || string(got.Result) != `{"succeededOnAttempt":3}` {
			t.Fatalf("%s attempt %d %s", got.Status, got.Attempt, got.Result)
		}
		got = e.run(t, "flaky", `{"failTimes":3}`, 3)
		if got.Status != jobs.StatusFailed || !got.DeadLettered {
			t.Fatalf("flaky beyond maxAttempts: %s", got.Status)
		}
	})

	t.Run("partial ends partial with done and failed items", func(t *testing.T) {
		got := e.run(t, "partial", `{}`, 3)
		var res demojobs.PartialResult
		if err := json.Unmarshal(got.Result, &res); err != nil {
			t.Fatal(err)
		}
		if got.Status != jobs.StatusPartial || len(res.Done) != 3 || len(res.Failed) != 1 || got.ErrorMessage != "1 of 4 items failed" {
			t.Fatalf("%s %s %q", got.Status, got.Result, got.ErrorMessage)
		}
	})

	t.Run("report writes a downloadable CSV asset", func(t *testing.T) {
		got := e.run(t, "report", `{"rows":3}`, 3)
		if got.Status != jobs.StatusCompleted {
			t.Fatalf("%s %q", got.Status, got.ErrorMessage)
		}
		assets, err := e.store.ListAssets(ctx, got.ID)
		if err != nil || len(assets) != 1 {
			t.Fatalf("assets %v, %v", assets, err)
		}
		a := assets[0]
		if a.AssetType != "report" || a.URL != "http://127.0.0.1:8080/files/"+a.StoragePath || a.JobID != got.ID {
			t.Errorf("asset %+v", a)
		}
		rc, err := e.files.Open(ctx, a.StoragePath)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		body, _ := io.ReadAll(rc)
		if string(body) != "row,square\n1,1\n2,4\n3,9\n" || int64(len(body)) != a.FileSize {
			t.Errorf("file %q, size %d", body, a.FileSize)
		}
	})
}

func TestSleepHonoursContext(t *testing.T) {
	t.Parallel()
	// In a bubble the real sleep takes no wall time, and a sleep that
	// ignored its context would run its full 30s of bubble time.
	synctest.Test(t, func(t *testing.T) {
		reg := worker.NewRegistry()
		demojobs.Register(reg, nil) // the real sleep
		store := jobs.NewMemoryStore()
		q := queuetest.NewMemory(t, queue.MemoryConfig{})
		e, err := worker.NewEngine(worker.Config{Store: store, Queue: q, Registry: reg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		job, _, err := store.Create(ctx, jobs.Job{ID: "s", Owner: "o", JobType: "sleep", Parameters: json.RawMessage(`{"seconds":30}`), MaxAttempts: 3, CreatedAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := q.Send(ctx, queue.JobSend(job, 0)); err != nil {
			t.Fatal(err)
		}
		msgs, err := q.Receive(ctx, queue.ReceiveRequest{Max: 1})
		if err != nil || len(msgs) != 1 {
			t.Fatalf("receive: %v", err)
		}
		start := time.Now()
		time.AfterFunc(2500*time.Millisecond, cancel) // a shutdown, mid-sleep
		r := e.Process(ctx, msgs[0])
		if r.Disposition != worker.RedeliverLater || !r.Ran {
			t.Fatalf("result %+v, want RedeliverLater after running", r)
		}
		if took := time.Since(start); took != 2500*time.Millisecond {
			t.Errorf("sleep returned after %s, want at the shutdown (2.5s)", took)
		}
		if got, _ := store.Get(ctx, "s"); got.Progress != 7 {
			t.Errorf("progress %d, want 7 (2 of 30 seconds)", got.Progress)
		}
	})
}

func TestValidation(t *testing.T) {
	t.Parallel()
	reg := worker.NewRegistry()
	demojobs.Register(reg, nil)
	tests := []struct {
		jobType, params string
		ok              bool
	}{
		{"echo", `{"any":"thing"}`, true},
		{"echo", `[1]`, false},
		{"echo", ``, true},
		{"sleep", `{"seconds":1}`, true},
		{"sleep", `{"seconds":30}`, true},
		{"sleep", `{"seconds":0.5}`, true},
		{"sleep", `{"seconds":0}`, false},
		{"sleep", `{"seconds":31}`, false},
		{"sleep", `{"seconds":-1}`, false},
		{"sleep", `{}`, false},
		{"sleep", `{"seconds":"5"}`, false},
		{"sleep", `{"seconds":5,"extra":1}`, false},
		{"sleep", `{"secs":5}`, false},
		{"fail", `{}`, true},
		{"flaky", `{"failTimes":2}`, true},
		{"flaky", `{}`, true},
		{"flaky", `{"failTimes":-1}`, false},
		{"flaky", `{"failTimes":26}`, false},
		{"partial", `{}`, true},
		{"report", `{}`, true},
		{"report", `{"rows":1000}`, true},
		{"report", `{"rows":1001}`, false},
	}
	for _, tt := range tests {
		err := reg.Validate(tt.jobType, json.RawMessage(tt.params))
		if tt.ok && err != nil {
			t.Errorf("Validate(%s, %s) = %v, want ok", tt.jobType, tt.params, err)
		}
		if !tt.ok && !errors.Is(err, worker.ErrInvalidParameters) {
			t.Errorf("Validate(%s, %s) = %v, want ErrInvalidParameters", tt.jobType, tt.params, err)
		}
	}
	if got := strings.Join(reg.Types(), ","); got != "echo,fail,flaky,partial,report,sleep" {
		t.Errorf("types %s", got)
	}
	// Clients read the JSON they sent in the messages, not Go's names.
	messages := map[string]string{
		`{"seconds":"5"}`: "invalid parameters for sleep: parameters.seconds must be a number",
		`{"secs":5}`:      `invalid parameters for sleep: parameters: unknown field "secs"`,
		`{"seconds":31}`:  "invalid parameters for sleep: seconds must be more than 0 and at most 30",
	}
	for params, want := range messages {
		if err := reg.Validate("sleep", json.RawMessage(params)); err == nil || err.Error() != want {
			t.Errorf("Validate(sleep, %s) = %v, want %q", params, err, want)
		}
	}
	// Every type says what it does, and the typed ones name their fields.
	for _, jt := range reg.JobTypes() {
		if jt.Description == "" {
			t.Errorf("%s has no description", jt.Name)
		}
	}
	if got := fmt.Sprint(reg.JobTypes()[5].Parameters); got != "[{seconds number}]" {
		t.Errorf("sleep parameters %s", got)
	}
}
