package worker_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"jobline/internal/jobs"
	"jobline/internal/queue"
	"jobline/internal/worker"
)

func TestProcessOutcomes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		handler     handlerFunc
		register    bool // false: the job type is unknown to the registry
		maxAttempts int
		wantDisp    worker.Disposition
		wantStatus  jobs.Status
		wantResult  string
		wantError   string // substring of the job's errorMessage
		wantDL      bool   // job dead-lettered and its message in the DLQ
	}{
		{
			name:     "success completes with the result",
			register: true, handler: func(context.Context, *worker.Task) (any, error) { return map[string]int{"n": 1}, nil },
			wantDisp: worker.AckMessage, wantStatus: jobs.StatusCompleted, wantResult: `{"n":1}`,
		},
		{
			name:     "permanent error fails at once without dead-lettering",
			register: true, maxAttempts: 5,
			handler:  func(context.Context, *worker.Task) (any, error) { return nil, jobs.Permanent(errors.New("bad input")) },
			wantDisp: worker.AckMessage, wantStatus: jobs.StatusFailed, wantError: "bad input",
		},
		{
			name:     "partial error ends partial with its result",
			register: true,
			handler: func(context.Context, *worker.Task) (any, error) {
				return nil, jobs.Partial(map[string][]string{"done": {"a"}, "failed": {"b"}}, errors.New("1 of 2 failed"))
			},
			wantDisp: worker.AckMessage, wantStatus: jobs.StatusPartial, wantResult: `{"done":["a"],"failed":["b"]}`, wantError: "1 of 2 failed",
		},
		{
			name:     "panic is a retryable error",
			register: true, maxAttempts: 3,
			handler:  func(context.Context, *worker.Task) (any, error) { panic("boom") },
			wantDisp: worker.RedeliverLater, wantStatus: jobs.StatusProcessing, wantError: "panic: boom",
		},
		{
			name:     "panic on the last attempt fails and dead-letters",
			register: true, maxAttempts: 1,
			handler:  func(context.Context, *worker.Task) (any, error) { panic("boom") },
			wantDisp: worker.MessageMoved, wantStatus: jobs.StatusFailed, wantError: "panic: boom", wantDL: true,
		},
		{
			name:     "unknown job type fails, dead-lettered",
			register: false,
			wantDisp: worker.MessageMoved, wantStatus: jobs.StatusFailed, wantError: "unknown job type", wantDL: true,
		},
		{
			name:     "result that is not JSON fails permanently",
			register: true, maxAttempts: 3,
			handler:  func(context.Context, *worker.Task) (any, error) { return func() {}, nil },
			wantDisp: worker.AckMessage, wantStatus: jobs.StatusFailed, wantError: "not JSON",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, setupOpt{})
			jobType := "other"
			if tt.register {
				jobType = "t"
				b.handle(jobType, tt.handler)
			}
			b.handle("registered", ok)
			if tt.maxAttempts == 0 {
				tt.maxAttempts = 3
			}
			j := b.create(t, jobType, `{}`, tt.maxAttempts, false)
			r := b.process(t, b.receive(t))
			got := b.get(t, j.ID)
			if r.Disposition != tt.wantDisp || r.Status != tt.wantStatus || got.Status != tt.wantStatus {
				t.Fatalf("result %+v, job status %s; want %s and %s", r, got.Status, tt.wantDisp, tt.wantStatus)
			}
			if tt.wantResult != "" && string(got.Result) != tt.wantResult {
				t.Errorf("result = %s, want %s", got.Result, tt.wantResult)
			}
			if !strings.Contains(got.ErrorMessage, tt.wantError) {
				t.Errorf("errorMessage = %q, want it to contain %q", got.ErrorMessage, tt.wantError)
			}
			if got.DeadLettered != tt.wantDL {
				t.Errorf("deadLettered = %v, want %v", got.DeadLettered, tt.wantDL)
			}
			wantDepth := 0
			if tt.wantDL {
				wantDepth = 1
			}
			if d := b.dlqDepth(t); d != wantDepth {
				t.Errorf("DLQ depth = %d, want %d", d, wantDepth)
			}
			if tt.wantDisp != worker.RedeliverLater {
				b.queueEmpty(t)
			}
		})
	}
}

func TestBadBodyGoesToDeadLetterQueue(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"not json", `{"jobType":"echo"}`, `[1,2]`} {
		b := setup(t, setupOpt{})
		if _, err := b.mem.Send(context.Background(), queue.SendRequest{Body: body}); err != nil {
			t.Fatal(err)
		}
		r := b.process(t, b.receive(t))
		if r.Disposition != worker.MessageMoved || !errors.Is(r.Err, queue.ErrBadBody) {
			t.Errorf("body %q: result %+v, want Moved with ErrBadBody", body, r)
		}
		if d := b.dlqDepth(t); d != 1 {
			t.Errorf("body %q: DLQ depth %d, want 1", body, d)
		}
		b.queueEmpty(t)
		if n := b.store.total(); n != 0 {
			t.Errorf("body %q: %d store calls, want 0", body, n)
		}
	}
}

func TestMessageForMissingJobIsDeleted(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{})
	b.handle("echo", ok)
	b.send(t, jobs.Job{ID: "nope", JobType: "echo"})
	r := b.process(t, b.receive(t))
	if r.Disposition != worker.AckMessage || !errors.Is(r.Err, jobs.ErrNotFound) {
		t.Fatalf("result %+v, want Delete with ErrNotFound", r)
	}
	b.queueEmpty(t)
}

func TestRetriesWithBackoffThenSucceeds(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{})
	const failTimes = 2
	b.handle("flaky", func(_ context.Context, t *worker.Task) (any, error) {
		if t.Job.Attempt <= failTimes {
			return nil, errors.New("transient trouble")
		}
		return map[string]int{"attempt": t.Job.Attempt}, nil
	})
	j := b.create(t, "flaky", `{}`, 3, false)

	for attempt := 1; attempt <= failTimes; attempt++ {
		r := b.process(t, b.receive(t))
		got := b.get(t, j.ID)
		// BackoffBase 1s doubled per attempt, half fixed + Rand 0.5 of the other half.
		base := time.Second << (attempt - 1)
		wantWait := base/2 + base/4
		if r.Disposition != worker.RedeliverLater || got.Status != jobs.StatusProcessing || got.ErrorMessage != "transient trouble" {
			t.Fatalf("attempt %d: result %+v, job %s %q", attempt, r, got.Status, got.ErrorMessage)
		}
		if r.VisibleAfter != wantWait {
			t.Fatalf("attempt %d: the result says the message comes back after %v, want %v", attempt, r.VisibleAfter, wantWait)
		}
		if want := b.clock.Now().Add(wantWait); !got.NextAttemptAt.Equal(want) {
			t.Fatalf("attempt %d: NextAttemptAt %s, want %s", attempt, got.NextAttemptAt, want)
		}
		// The message stays hidden until the backoff has passed.
		b.clock.Advance(wantWait - time.Millisecond)
		if _, ok := b.tryReceive(t); ok {
			t.Fatalf("attempt %d: message visible before its backoff", attempt)
		}
		b.clock.Advance(time.Millisecond)
	}
	r := b.process(t, b.receive(t))
	got := b.get(t, j.ID)
	if r.Disposition != worker.AckMessage || got.Status != jobs.StatusCompleted || got.Attempt != 3 || string(got.Result) != `{"attempt":3}` {
		t.Fatalf("final: result %+v, job %+v", r, got)
	}
	if n := b.handlerCalls("flaky"); n != 3 {
		t.Errorf("handler calls = %d, want 3", n)
	}
	b.queueEmpty(t)
}

// TestRetryWhoseVisibilityChangeFails: the result says when the message
// comes back is unknown (it returns after its current visibility timeout),
// so that processjob sends no wake-up for a time it does not know.
func TestRetryWhoseVisibilityChangeFails(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{})
	b.handle("flaky", func(context.Context, *worker.Task) (any, error) { return nil, errors.New("transient trouble") })
	b.create(t, "flaky", `{}`, 3, false)
	b.queue.changeErr = errors.New("SQS unavailable")
	if r := b.process(t, b.receive(t)); r.Disposition != worker.RedeliverLater || r.VisibleAfter >= 0 {
		t.Fatalf("result %+v; want RedeliverLater with an unknown (negative) VisibleAfter", r)
	}
}

func TestRetryReplacesMessageBeforeQueueRedrivePolicy(t *testing.T) {
	t.Parallel()
	// maxReceiveCount 2: the second receive is the last before SQS would
	// move the message, so a retry then sends a fresh message.
	b := setup(t, setupOpt{maxReceiveCount: 2})
	b.handle("flaky", func(_ context.Context, t *worker.Task) (any, error) {
		if t.Job.Attempt <= 3 {
			return nil, errors.New("transient")
		}
		return "done", nil
	})
	j := b.create(t, "flaky", `{}`, 5, false)
	got := b.runUntilFinal(t, j.ID)
	if got.Status != jobs.StatusCompleted || got.Attempt != 4 {
		t.Fatalf("job %s attempt %d, want completed on attempt 4", got.Status, got.Attempt)
	}
	if d := b.dlqDepth(t); d != 0 {
		t.Errorf("DLQ depth %d: the queue's redrive policy dead-lettered a job with attempts left", d)
	}
	if b.queue.send.Load() == 0 {
		t.Error("no fresh message was sent")
	}
	b.queueEmpty(t)
}

func TestDeadLetteredJobIsFailedAndRedriveCompletesIt(t *testing.T) {
	t.Parallel()
	for _, native := range []bool{false, true} {
		name := map[bool]string{false: "operator redrive", true: "native DLQ redrive"}[native]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, setupOpt{})
			var broken atomic.Bool
			broken.Store(true)
			b.handle("fragile", func(context.Context, *worker.Task) (any, error) {
				if broken.Load() {
					return nil, errors.New("downstream is down")
				}
				return "fixed", nil
			})
			j := b.create(t, "fragile", `{}`, 2, false)
			got := b.runUntilFinal(t, j.ID)
			if got.Status != jobs.StatusFailed || !got.DeadLettered || got.Attempt != 2 || got.ErrorMessage != "downstream is down" {
				t.Fatalf("after attempts: %+v", got)
			}
			if d := b.dlqDepth(t); d != 1 {
				t.Fatalf("DLQ depth %d, want 1", d)
			}
			b.queueEmpty(t)

			// The operator fixes the handler and redrives.
			broken.Store(false)
			ctx := context.Background()
			if !native {
				if _, err := b.store.Store.Redrive(ctx, j.ID, jobs.RedriveRequest{Reason: "handler fixed", By: "test", Now: b.clock.Now()}); err != nil {
					t.Fatalf("Redrive: %v", err)
				}
			}
			dl, err := b.mem.DeadLetters().Receive(ctx, queue.ReceiveRequest{Max: 1})
			if err != nil || len(dl) != 1 {
				t.Fatalf("DLQ receive: %v, %d messages", err, len(dl))
			}
			if err := b.mem.DeadLetters().Redrive(ctx, dl[0]); err != nil {
				t.Fatalf("DLQ redrive: %v", err)
			}
			r := b.process(t, b.receive(t))
			got = b.get(t, j.ID)
			if r.Disposition != worker.AckMessage || got.Status != jobs.StatusCompleted || got.Attempt != 1 || got.DeadLettered {
				t.Fatalf("after redrive: result %+v, job %+v", r, got)
			}
			if rs := jobs.Redrives(got); len(rs) != 1 {
				t.Errorf("history %+v, want one redrive", got.History)
			}
			if rs := jobs.Redrives(got); native && (len(rs) != 1 || !strings.Contains(rs[0].Detail, "dead-letter queue") || rs[0].By != jobs.RedrivenByDLQ) {
				t.Errorf("native redrive recorded as %+v", rs)
			}
			if n := b.handlerCalls("fragile"); n != 3 {
				t.Errorf("handler calls = %d, want 3", n)
			}
			if d := b.dlqDepth(t); d != 0 {
				t.Errorf("DLQ depth %d after redrive", d)
			}
			b.queueEmpty(t)
		})
	}
}

func TestDuplicateDeliveryOfFinishedJobDoesNotRunHandler(t *testing.T) {
	t.Parallel()
	outcomes := map[string]handlerFunc{
		"completed": ok,
		"partial":   func(context.Context, *worker.Task) (any, error) { return nil, jobs.Partial("r", errors.New("half")) },
		"failed":    func(context.Context, *worker.Task) (any, error) { return nil, jobs.Permanent(errors.New("no")) },
	}
	for status, h := range outcomes {
		t.Run(status, func(t *testing.T) {
			t.Parallel()
			b := setup(t, setupOpt{})
			b.handle("x", h)
			j := b.create(t, "x", `{}`, 3, false)
			b.process(t, b.receive(t))
			before := b.get(t, j.ID)
			b.send(t, j) // a duplicate message
			b.store.reset()
			r := b.process(t, b.receive(t))
			if r.Disposition != worker.AckMessage || r.Ran || string(r.Status) != status {
				t.Fatalf("duplicate: %+v", r)
			}
			if n := b.handlerCalls("x"); n != 1 {
				t.Errorf("handler calls = %d, want 1", n)
			}
			if after := b.get(t, j.ID); after.Version != before.Version {
				t.Errorf("duplicate delivery changed the job: version %d -> %d", before.Version, after.Version)
			}
			if n := b.store.total(); n != 1 {
				t.Errorf("duplicate cost %d store calls, want 1 (the rejected claim)", n)
			}
			b.queueEmpty(t)
		})
	}
}

// TestDuplicateOfDeadLetteredJobDoesNotRedrive checks invariant 4 for a
// dead-lettered job: only Jobline's own dead-letter copy, redriven while
// the job is unchanged, runs it again; a stale duplicate (a reconciler
// re-send, a second delivery) or an old copy from an earlier dead-lettering
// is acknowledged without running the handler.
func TestDuplicateOfDeadLetteredJobDoesNotRedrive(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{})
	b.handle("doomed", func(context.Context, *worker.Task) (any, error) { return nil, errors.New("down") })
	j := b.create(t, "doomed", `{}`, 1, false)
	b.send(t, j) // a duplicate, waiting behind the first message
	if r := b.process(t, b.receive(t)); r.Disposition != worker.MessageMoved {
		t.Fatalf("last attempt: %+v", r)
	}
	failed := b.get(t, j.ID)
	if !failed.DeadLettered {
		t.Fatalf("job %+v", failed)
	}
	ctx := context.Background()
	oldCopy := queue.Message{Body: queue.JobMessage{JobID: j.ID, DeadLetterVersion: failed.Version - 1}.Encode()}
	for name, m := range map[string]queue.Message{"plain duplicate": b.receive(t), "old dead-letter copy": oldCopy} {
		r := b.engine.Process(ctx, m)
		if r.Disposition != worker.AckMessage || r.Ran || r.Status != jobs.StatusFailed {
			t.Fatalf("%s: %+v", name, r)
		}
	}
	if got := b.get(t, j.ID); got.Version != failed.Version || got.Status != jobs.StatusFailed {
		t.Fatalf("duplicates changed the job: %+v", got)
	}
	if n := b.handlerCalls("doomed"); n != 1 {
		t.Fatalf("handler calls %d, want 1", n)
	}
	// The real copy in the DLQ names the job's current version.
	dl, err := b.mem.DeadLetters().Receive(ctx, queue.ReceiveRequest{Max: 1})
	if err != nil || len(dl) != 1 {
		t.Fatalf("DLQ: %v %d", err, len(dl))
	}
	msg, err := queue.DecodeJobMessage(dl[0].Body)
	if err != nil || msg.DeadLetterVersion != failed.Version {
		t.Fatalf("DLQ copy %q (%v), want deadLetterVersion %d", dl[0].Body, err, failed.Version)
	}
}

func TestHungHandlerIsReclaimedAndStaleWorkerIsFenced(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{})
	release := make(chan struct{})
	started := make(chan *worker.Task, 1)
	b.handle("hang", func(_ context.Context, t *worker.Task) (any, error) {
		if t.Job.Attempt == 1 {
			started <- t
			<-release // hangs, ignoring its context
			return "stale", nil
		}
		return "fresh", nil
	}, worker.Timeout(time.Minute))
	j := b.create(t, "hang", `{}`, 3, false)

	first := make(chan worker.Result, 1)
	m1 := b.receive(t)
	go func() { first <- b.engine.Process(context.Background(), m1) }()
	stale := <-started

	// The worker is stuck; its message comes back after the visibility
	// timeout (no heartbeat in this test), while the lease still holds.
	b.clock.Advance(30 * time.Second)
	r := b.process(t, b.receive(t))
	leaseEnd := t0.Add(time.Minute + 30*time.Second)
	if r.Disposition != worker.RedeliverLater || r.Ran {
		t.Fatalf("redelivery during the lease: %+v, want Keep without running", r)
	}
	b.clock.Set(leaseEnd.Add(time.Second - time.Millisecond))
	if _, ok := b.tryReceive(t); ok {
		t.Fatal("message visible before the lease expired")
	}

	// Past the lease: the next delivery reclaims the job and completes it.
	b.clock.Set(leaseEnd.Add(time.Second))
	r = b.process(t, b.receive(t))
	got := b.get(t, j.ID)
	if r.Disposition != worker.AckMessage || got.Status != jobs.StatusCompleted || got.Attempt != 2 || string(got.Result) != `"fresh"` {
		t.Fatalf("reclaim: result %+v, job %s attempt %d result %s", r, got.Status, got.Attempt, got.Result)
	}

	// The stale worker can no longer write.
	if _, err := stale.AddAsset(context.Background(), jobs.Asset{AssetType: "x"}); !errors.Is(err, jobs.ErrInvalidTransition) && !errors.Is(err, jobs.ErrLeaseLost) {
		t.Errorf("stale AddAsset = %v, want a fenced rejection", err)
	}
	stale.Progress(50)
	close(release)
	r = <-first
	if r.Disposition != worker.AckMessage || r.Status != jobs.StatusCompleted {
		t.Fatalf("stale finish: %+v, want Delete seeing completed", r)
	}
	if got := b.get(t, j.ID); string(got.Result) != `"fresh"` || got.Progress != 100 {
		t.Errorf("stale worker changed the job: %+v", got)
	}
	b.queueEmpty(t)
}

func TestLeaseExpiredOnLastAttemptFailsAndDeadLetters(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{})
	b.handle("x", ok, worker.Timeout(time.Minute))
	j := b.create(t, "x", `{}`, 1, false)
	// A worker claimed the job and died.
	if _, err := b.store.Store.Claim(context.Background(), j.ID, jobs.Claim{LeaseToken: "dead", Now: t0, LeaseExpiresAt: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	b.clock.Advance(time.Minute)
	r := b.process(t, b.receive(t))
	got := b.get(t, j.ID)
	if r.Disposition != worker.MessageMoved || got.Status != jobs.StatusFailed || !got.DeadLettered || b.handlerCalls("x") != 0 {
		t.Fatalf("result %+v, job %+v", r, got)
	}
	if d := b.dlqDepth(t); d != 1 {
		t.Errorf("DLQ depth %d, want 1", d)
	}
}

func TestCancelWhileRunningCancelsHandlerContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := setup(t, setupOpt{config: func(c *worker.Config) { c.CancelPoll = 3 * time.Second }})
		running := make(chan struct{})
		cause := make(chan error, 1)
		b.handle("long", func(ctx context.Context, _ *worker.Task) (any, error) {
			close(running)
			select {
			case <-ctx.Done():
				cause <- ctx.Err()
				return nil, ctx.Err()
			case <-time.After(10 * time.Second):
				cause <- nil
				return "not canceled", nil
			}
		})
		j := b.create(t, "long", `{}`, 3, false)
		done := make(chan worker.Result, 1)
		m := b.receive(t)
		start := time.Now()
		go func() { done <- b.engine.Process(context.Background(), m) }()
		<-running
		if _, err := b.store.Store.Cancel(context.Background(), j.ID, jobs.CancelRequest{Owner: "alice", Now: b.clock.Now()}); err != nil {
			t.Fatalf("Cancel: %v", err)
		}
		if err := <-cause; !errors.Is(err, context.Canceled) {
			t.Fatalf("handler context: %v, want canceled", err)
		}
		if noticed := time.Since(start); noticed != 3*time.Second {
			t.Errorf("cancel noticed after %s, want the 3s cancel poll", noticed)
		}
		r := <-done
		got := b.get(t, j.ID)
		if r.Disposition != worker.AckMessage || r.Status != jobs.StatusCanceled || got.Status != jobs.StatusCanceled || got.ErrorMessage != "" {
			t.Fatalf("result %+v, job %s %q", r, got.Status, got.ErrorMessage)
		}
		if n := b.store.count("Retry") + b.store.count("Finish"); n != 0 {
			t.Errorf("%d outcome writes for a canceled job, want 0", n)
		}
	})
}
func TestShutdownDuringHandlerLeavesJobForRedelivery(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{})
	running := make(chan struct{})
	var calls atomic.Int32
	b.handle("long", func(ctx context.Context, _ *worker.Task) (any, error) {
		if calls.Add(1) > 1 {
			return "done", nil // the next attempt, after the restart
		}
		close(running)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	j := b.create(t, "long", `{}`, 3, false)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan worker.Result, 1)
	m := b.receive(t)
	go func() { done <- b.engine.Process(ctx, m) }()
	<-running
	cancel()
	r := <-done
	got := b.get(t, j.ID)
	// Released, the attempt not counted (Attempt back to 0).
	if r.Disposition != worker.RedeliverLater || got.Status != jobs.StatusProcessing || got.Attempt != 0 || got.LeaseToken != "" ||
		!strings.Contains(got.ErrorMessage, "shut down") {
		t.Fatalf("result %+v, job %+v", r, got)
	}
	if n, m := b.store.count("Finish"), b.store.count("Retry"); n != 0 || m != 0 {
		t.Errorf("shutdown finished or retried the job (%d Finish, %d Retry calls)", n, m)
	}
	// The message is visible at once and reclaims the released job at once,
	// without waiting for the lease to expire.
	again, ok := b.tryReceive(t)
	if !ok {
		t.Fatal("message not visible again after shutdown")
	}
	if r := b.process(t, again); r.Disposition != worker.AckMessage || calls.Load() != 2 || b.get(t, j.ID).Status != jobs.StatusCompleted {
		t.Fatalf("redelivery after shutdown: %+v", r)
	}
}

// TestInvocationOutOfTimeCountsTheAttempt: a handler cut short because the
// caller's context reached its deadline (a Lambda invocation ran out of
// time) spends its attempt (row 19), so one that never fits ends failed
// after its attempts instead of running again forever.
func TestInvocationOutOfTimeCountsTheAttempt(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := setup(t, setupOpt{config: func(c *worker.Config) { c.BackoffBase, c.BackoffMax = time.Millisecond, time.Millisecond }})
		b.handle("long", func(ctx context.Context, _ *worker.Task) (any, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		})
		j := b.create(t, "long", `{}`, 2, false)
		for attempt := 1; attempt <= 2; attempt++ {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
			r := b.engine.Process(ctx, b.receive(t))
			cancel()
			got := b.get(t, j.ID)
			if got.Attempt != attempt || !strings.Contains(got.ErrorMessage, "the invocation ran out of time") {
				t.Fatalf("after invocation %d: result %+v, job attempt %d, error %q", attempt, r, got.Attempt, got.ErrorMessage)
			}
			b.clock.Advance(time.Second)
		}
		got := b.get(t, j.ID)
		if got.Status != jobs.StatusFailed || !got.DeadLettered || b.dlqDepth(t) != 1 {
			t.Fatalf("after its last attempt ran out of time: %s, dead-lettered %v, DLQ %d", got.Status, got.DeadLettered, b.dlqDepth(t))
		}
	})
}

func TestHeartbeatKeepsLongJobMessageHidden(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := setup(t, setupOpt{
			queue: func(q *countingQueue) { q.onChange = make(chan time.Duration, 1) },
			config: func(c *worker.Config) {
				c.VisibilityTimeout, c.VisibilityHeartbeat = 10*time.Minute, 3*time.Minute
			},
		})
		beat := make(chan struct{})
		b.handle("long", func(context.Context, *worker.Task) (any, error) {
			<-beat
			return "ok", nil
		})
		j := b.create(t, "long", `{}`, 3, false)
		done := make(chan worker.Result, 1)
		m := b.receive(t)
		go func() { done <- b.engine.Process(context.Background(), m) }()
		time.Sleep(3*time.Minute - time.Millisecond)
		synctest.Wait()
		if n := b.queue.changeVisibility.Load(); n != 0 {
			t.Fatalf("%d heartbeats before the heartbeat interval", n)
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		select {
		case d := <-b.queue.onChange:
			if d != 10*time.Minute {
				t.Errorf("heartbeat visibility %s, want 10m", d)
			}
		default:
			t.Fatal("no heartbeat after the heartbeat interval")
		}
		// Past the receive's own 30s, the message is still hidden.
		b.clock.Advance(9 * time.Minute)
		if _, ok := b.tryReceive(t); ok {
			t.Error("a running job's message was redelivered despite the heartbeat")
		}
		close(beat)
		if r := <-done; r.Disposition != worker.AckMessage || b.get(t, j.ID).Status != jobs.StatusCompleted {
			t.Fatalf("result %+v", r)
		}
	})
}
func TestTakeoverWhileRunningCancelsStaleHandler(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := setup(t, setupOpt{config: func(c *worker.Config) { c.CancelPoll = 3 * time.Second }})
		running := make(chan struct{})
		b.handle("long", func(ctx context.Context, _ *worker.Task) (any, error) {
			close(running)
			<-ctx.Done()
			return nil, ctx.Err()
		}, worker.Timeout(time.Minute))
		j := b.create(t, "long", `{}`, 3, false)
		done := make(chan worker.Result, 1)
		m := b.receive(t)
		go func() { done <- b.engine.Process(context.Background(), m) }()
		<-running
		// The lease expires (say, a long GC pause) and another worker reclaims.
		b.clock.Advance(time.Minute + 30*time.Second)
		if _, err := b.store.Store.Claim(context.Background(), j.ID, jobs.Claim{LeaseToken: "other", Now: b.clock.Now(), LeaseExpiresAt: b.clock.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		// The next cancel poll sees the other worker's lease.
		if r := <-done; r.Disposition != worker.AckMessage || r.Status != jobs.StatusProcessing {
			t.Fatalf("result %+v, want Ack seeing the other worker's lease", r)
		}
		if got := b.get(t, j.ID); got.LeaseToken != "other" || got.ErrorMessage != "" || got.Attempt != 2 {
			t.Errorf("stale worker wrote to the job: %+v", got)
		}
	})
}
func TestDeadLetterFailure(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{queue: func(q *countingQueue) { q.deadLetterErr = errors.New("sqs down") }})
	b.handle("fail", func(context.Context, *worker.Task) (any, error) { return nil, errors.New("no") })
	j := b.create(t, "fail", `{}`, 1, false)
	// The job is recorded failed and dead-lettered; keeping its message
	// would look like a redrive later, so it is acknowledged.
	r := b.process(t, b.receive(t))
	if got := b.get(t, j.ID); r.Disposition != worker.AckMessage || got.Status != jobs.StatusFailed || !got.DeadLettered {
		t.Fatalf("result %+v, job %s", r, got.Status)
	}
	b.queueEmpty(t)
	// An unparseable body is kept instead: it has no job to record it.
	if _, err := b.mem.Send(context.Background(), queue.SendRequest{Body: "junk"}); err != nil {
		t.Fatal(err)
	}
	if r := b.process(t, b.receive(t)); r.Disposition != worker.RedeliverLater {
		t.Fatalf("bad body with DLQ down: %+v, want Keep", r)
	}
}

func TestTimeoutIsARetryableError(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := setup(t, setupOpt{})
		b.handle("slow", func(ctx context.Context, _ *worker.Task) (any, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}, worker.Timeout(time.Minute))
		j := b.create(t, "slow", `{}`, 2, false)
		start := time.Now()
		r := b.process(t, b.receive(t))
		got := b.get(t, j.ID)
		if r.Disposition != worker.RedeliverLater || !strings.Contains(got.ErrorMessage, "timed out after 1m0s") {
			t.Fatalf("result %+v, errorMessage %q", r, got.ErrorMessage)
		}
		if ran := time.Since(start); ran != time.Minute {
			t.Errorf("handler ran %s, want its 1m timeout", ran)
		}
	})
}
func TestProgressIsCoalesced(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{})
	var seen []int
	b.handle("p", func(_ context.Context, task *worker.Task) (any, error) {
		read := func() { seen = append(seen, b.get(t, task.Job.ID).Progress) }
		task.Progress(5) // first: written at once
		read()
		for p := 6; p < 40; p++ {
			task.Progress(p) // within the interval: pending, latest wins
		}
		read()
		b.clock.Advance(time.Second)
		task.Progress(40) // interval passed: written
		read()
		task.Progress(41)
		task.Progress(42) // pending when the handler returns
		read()
		return nil, jobs.Permanent(errors.New("stop")) // the pending 42 is flushed before finishing
	})
	j := b.create(t, "p", `{}`, 3, false)
	b.process(t, b.receive(t))
	if want := []int{5, 5, 40, 40}; !equalInts(seen, want) {
		t.Errorf("progress seen by readers = %v, want %v", seen, want)
	}
	if n := b.store.count("Progress"); n != 3 {
		t.Errorf("progress writes = %d, want 3 (5, 40, flush of 42)", n)
	}
	if got := b.get(t, j.ID); got.Progress != 42 || got.Status != jobs.StatusFailed {
		t.Errorf("job progress %d status %s, want 42 failed", got.Progress, got.Status)
	}

	// 0 is the claim's and 100 the finish's: neither is written by
	// Progress, and a completed job needs no flush.
	b2 := setup(t, setupOpt{})
	b2.handle("p", func(_ context.Context, task *worker.Task) (any, error) {
		task.Progress(0)
		task.Progress(1)
		task.Progress(50)
		task.Progress(100)
		b2.clock.Advance(time.Hour)
		task.Progress(100) // still left to the finish
		return "ok", nil
	})
	j2 := b2.create(t, "p", `{}`, 3, false)
	b2.process(t, b2.receive(t))
	if n := b2.store.count("Progress"); n != 1 {
		t.Errorf("progress writes = %d, want 1 (of 1)", n)
	}
	if got := b2.get(t, j2.ID); got.Progress != 100 || got.Status != jobs.StatusCompleted {
		t.Errorf("job %+v", got)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestNoProgressJobCostsTwoStoreWrites(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testNoProgressJobCostsTwoStoreWrites)
}

// testNoProgressJobCostsTwoStoreWrites runs in a bubble, so that no timer
// of the monitor can fire however slow the machine.
func testNoProgressJobCostsTwoStoreWrites(t *testing.T) {
	b := setup(t, setupOpt{config: func(c *worker.Config) {
		// Default intervals: a short job must not trigger any of them.
		c.VisibilityTimeout, c.VisibilityHeartbeat, c.CancelPoll, c.ProgressInterval = 0, 0, 0, 0
	}})
	b.handle("noop", func(context.Context, *worker.Task) (any, error) { return nil, nil })
	for range 5 {
		b.create(t, "noop", `{}`, 3, false)
	}
	b.store.reset()
	for range 5 {
		if r := b.process(t, b.receive(t)); r.Disposition != worker.AckMessage || r.Status != jobs.StatusCompleted {
			t.Fatalf("result %+v", r)
		}
	}
	if claims, finishes, total := b.store.count("Claim"), b.store.count("Finish"), b.store.total(); claims != 5 || finishes != 5 || total != 10 {
		t.Errorf("store calls: %d claims, %d finishes, %d in all; want 5, 5, 10", claims, finishes, total)
	}
	if n := b.queue.changeVisibility.Load() + b.queue.send.Load() + b.queue.deadLetter.Load(); n != 0 {
		t.Errorf("%d queue calls by the engine, want 0 (the caller deletes)", n)
	}
}

func TestTransientStoreErrorKeepsMessage(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{config: func(c *worker.Config) { c.TransientRetryDelay = 7 * time.Second }})
	b.handle("echo", ok)
	j := b.create(t, "echo", `{}`, 3, false)
	b.store.failWith("Claim", errors.New("throttled"))
	r := b.process(t, b.receive(t))
	if r.Disposition != worker.RedeliverLater || r.Ran {
		t.Fatalf("result %+v, want Keep", r)
	}
	b.store.failWith("Claim", nil)
	b.clock.Advance(7*time.Second - time.Millisecond)
	if _, ok := b.tryReceive(t); ok {
		t.Fatal("message back before TransientRetryDelay")
	}
	b.clock.Advance(time.Millisecond)
	b.process(t, b.receive(t))
	if got := b.get(t, j.ID); got.Status != jobs.StatusCompleted {
		t.Fatalf("job %s", got.Status)
	}

	// A failed Finish leaves the job leased; the message comes back and
	// the job completes after the lease expires.
	j2 := b.create(t, "echo", `{}`, 3, false)
	b.store.failWith("Finish", errors.New("throttled"))
	if r := b.process(t, b.receive(t)); r.Disposition != worker.RedeliverLater {
		t.Fatalf("finish failure: %+v", r)
	}
	b.store.failWith("Finish", nil)
	b.clock.Advance(worker.DefaultTimeout + 30*time.Second) // past the lease
	if got := b.runUntilFinal(t, j2.ID); got.Status != jobs.StatusCompleted || got.Attempt != 2 {
		t.Fatalf("after finish failure: %s attempt %d", got.Status, got.Attempt)
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		attempt int
		rand    float64
		want    time.Duration
	}{
		{1, 0, 500 * time.Millisecond},
		{1, 0.999999999, time.Second - 1},
		{2, 0, time.Second},
		{4, 0.5, 6 * time.Second},
		{30, 0, 150 * time.Second}, // capped at BackoffMax (5m), half fixed
		{30, 0.5, 225 * time.Second},
	}
	for _, tt := range tests {
		b := setup(t, setupOpt{config: func(c *worker.Config) { r := tt.rand; c.Rand = func() float64 { return r } }})
		if got := b.engine.Backoff(tt.attempt); got != tt.want {
			t.Errorf("Backoff(%d) with rand %v = %s, want %s", tt.attempt, tt.rand, got, tt.want)
		}
	}
}

// TestNewEngineChecksTimeoutsFitTheRunTime: with a MaxRunTime (processjob),
// a job type whose timeout plus the record margin does not fit is refused
// at start-up, with an error that names it.
func TestNewEngineChecksTimeoutsFitTheRunTime(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{})
	b.handle("quick", ok, worker.Timeout(50*time.Second))
	cfg := b.engine.Config()
	cfg.MaxRunTime = time.Minute - 3*time.Second
	if _, err := worker.NewEngine(cfg); err != nil {
		t.Fatalf("a 50s type in 57s: %v", err)
	}
	b.handle("default", ok) // worker.DefaultTimeout
	_, err := worker.NewEngine(cfg)
	if !errors.Is(err, worker.ErrTimeoutTooLong) || !strings.Contains(err.Error(), `job type "default"`) || strings.Contains(err.Error(), `"quick"`) {
		t.Fatalf("a 4m type in 57s: %v, want ErrTimeoutTooLong naming it alone", err)
	}
	cfg.MaxRunTime = 300*time.Second - 3*time.Second // processjob's
	if _, err := worker.NewEngine(cfg); err != nil {
		t.Fatalf("the default timeout must fit processjob's: %v", err)
	}
}

func TestNewEngineValidatesConfig(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{})
	good := b.engine.Config()
	tests := []struct {
		name   string
		change func(*worker.Config)
	}{
		{"no store", func(c *worker.Config) { c.Store = nil }},
		{"no queue", func(c *worker.Config) { c.Queue = nil }},
		{"no registry", func(c *worker.Config) { c.Registry = nil }},
		{"backoff max below base", func(c *worker.Config) { c.BackoffMax = time.Millisecond }},
		{"heartbeat not below visibility", func(c *worker.Config) { c.VisibilityHeartbeat = c.VisibilityTimeout }},
	}
	for _, tt := range tests {
		cfg := good
		tt.change(&cfg)
		if _, err := worker.NewEngine(cfg); err == nil {
			t.Errorf("%s: NewEngine accepted it", tt.name)
		}
	}
	e, err := worker.NewEngine(worker.Config{Store: b.store, Queue: b.queue, Registry: b.reg})
	if err != nil {
		t.Fatal(err)
	}
	c := e.Config()
	if c.MaxRunTime != 0 || c.RecordMargin != 5*time.Second {
		t.Errorf("MaxRunTime %s, RecordMargin %s; want 0, 5s", c.MaxRunTime, c.RecordMargin)
	}
	if c.LeaseGrace != 30*time.Second || c.VisibilityHeartbeat != 10*time.Second || c.CancelPoll != 3*time.Second ||
		c.TransientRetryDelay != 10*time.Second || c.BackoffMax != 5*time.Minute || c.ProgressInterval != time.Second {
		t.Errorf("defaults: %+v", c)
	}
}

func BenchmarkEngineNoop(b *testing.B) {
	bd := setup(b, setupOpt{})
	bd.handle("noop", func(context.Context, *worker.Task) (any, error) { return nil, nil })
	ctx := context.Background()
	jobsList := make([]jobs.Job, b.N)
	for i := range b.N {
		jobsList[i] = bd.create(b, "noop", `{}`, 3, false)
	}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		msgs, err := bd.mem.Receive(ctx, queue.ReceiveRequest{Max: 1})
		if err != nil || len(msgs) != 1 {
			b.Fatalf("receive: %v %d", err, len(msgs))
		}
		if r := bd.engine.Process(ctx, msgs[0]); r.Disposition != worker.AckMessage {
			b.Fatalf("result %+v", r)
		}
		if err := bd.mem.Delete(ctx, msgs[0].ReceiptHandle); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "jobs/s")
}
