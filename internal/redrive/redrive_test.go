package redrive

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"jobline/internal/clock"
	"jobline/internal/jobs"
	"jobline/internal/queue"
	"jobline/internal/queue/queuetest"
)

// bundle is what a redrive test needs.
type bundle struct {
	store *jobs.MemoryStore
	queue *queue.Memory
	clock *clock.Fake
	r     *Redriver
}

func setup(t *testing.T) *bundle {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC))
	b := &bundle{
		store: jobs.NewMemoryStore(),
		queue: queuetest.NewMemory(t, queue.MemoryConfig{Clock: clk, MaxReceiveCount: 5}),
		clock: clk,
	}
	b.r = &Redriver{Store: b.store, Queue: b.queue, Clock: clk, PollWait: 5 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return b
}

// newJob stores a queued job and sends its message.
func (b *bundle) newJob(t *testing.T, id, jobType string) jobs.Job {
	t.Helper()
	ctx := context.Background()
	now := b.clock.Now()
	job, _, err := b.store.Create(ctx, jobs.Job{ID: id, Owner: "owner-" + id, JobType: jobType, Status: jobs.StatusQueued,
		Parameters: json.RawMessage(`{}`), MaxAttempts: 1, CreatedAt: now, UpdatedAt: now, SweepAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatalf("create %s: %v", id, err)
	}
	if _, err := b.queue.Send(ctx, queue.JobSend(job, 0)); err != nil {
		t.Fatalf("send %s: %v", id, err)
	}
	return job
}

// fail runs the job's only attempt to a dead-lettered failure, the way the
// engine does: claim, finish failed + dead-lettered, move the message.
func (b *bundle) fail(t *testing.T, id string, deadLetter bool) {
	t.Helper()
	ctx := context.Background()
	msgs, err := b.queue.Receive(ctx, queue.ReceiveRequest{Max: 10})
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	for _, m := range msgs {
		jm, _ := queue.DecodeJobMessage(m.Body)
		if jm.JobID != id {
			if err := b.queue.ChangeVisibility(ctx, m.ReceiptHandle, 0); err != nil {
				t.Fatalf("release %s: %v", m.ID, err)
			}
			continue
		}
		now := b.clock.Now()
		if _, err := b.store.Claim(ctx, id, jobs.Claim{LeaseToken: "t-" + id, Now: now, LeaseExpiresAt: now.Add(time.Minute)}); err != nil {
			t.Fatalf("claim %s: %v", id, err)
		}
		if _, err := b.store.Finish(ctx, id, "t-"+id, jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: "boom\nagain", DeadLettered: deadLetter, Now: now}); err != nil {
			t.Fatalf("finish %s: %v", id, err)
		}
		if deadLetter {
			err = b.queue.DeadLetter(ctx, m)
		} else {
			err = b.queue.Delete(ctx, m.ReceiptHandle)
		}
		if err != nil {
			t.Fatalf("dispose of %s: %v", id, err)
		}
	}
	b.clock.Advance(time.Minute)
}

func (b *bundle) status(t *testing.T, id string) jobs.Job {
	t.Helper()
	j, err := b.store.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return j
}

// mainQueueJobs drains the jobs queue and returns the job IDs it held.
func (b *bundle) mainQueueJobs(t *testing.T) []string {
	t.Helper()
	var ids []string
	for {
		msgs, err := b.queue.Receive(context.Background(), queue.ReceiveRequest{Max: 10})
		if err != nil {
			t.Fatalf("receive: %v", err)
		}
		if len(msgs) == 0 {
			return ids
		}
		for _, m := range msgs {
			jm, _ := queue.DecodeJobMessage(m.Body)
			ids = append(ids, jm.JobID)
			b.queue.Delete(context.Background(), m.ReceiptHandle)
		}
	}
}

func depth(t *testing.T, b *bundle) int {
	t.Helper()
	n, err := b.queue.DeadLetters().Depth(context.Background())
	if err != nil {
		t.Fatalf("depth: %v", err)
	}
	return n
}

func TestListShowsDeadLetteredJobs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.newJob(t, "a", "fail")
	b.fail(t, "a", true)
	b.queue.DeadLetters() // the message is in the DLQ
	entries, err := b.r.List(context.Background(), 0)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(entries) != 1 {
		t.Fatalf("entries = %+v, want one", entries)
	}
	e := entries[0]
	if e.JobID != "a" || e.JobType != "fail" || e.Owner != "owner-a" || e.Status != jobs.StatusFailed || e.Error != "boom\nagain" ||
		e.Attempt != 1 || e.MaxAttempts != 1 || !e.DeadLettered || e.AgeSeconds != 60 || !e.UpdatedAt.Equal(b.clock.Now().Add(-time.Minute)) {
		t.Errorf("entry = %+v", e)
	}
	if got := b.status(t, "a").Status; got != jobs.StatusFailed {
		t.Errorf("listing changed the job: %s", got)
	}
	if depth(t, b) != 1 {
		t.Errorf("listing removed the message")
	}
}

func TestRedriveRunsJobsAgainAndTwiceIsHarmless(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, id := range []string{"a", "b"} {
		b.newJob(t, id, "fail")
		b.fail(t, id, true)
	}
	res, err := b.r.Redrive(context.Background(), Options{Reason: "fixed the bug"})
	if err != nil {
		t.Fatalf("Redrive: %v", err)
	}
	if res.Redriven != 2 || len(res.Items) != 2 {
		t.Fatalf("result = %+v, want 2 redriven", res)
	}
	for _, id := range []string{"a", "b"} {
		j := b.status(t, id)
		if rs := jobs.Redrives(j); j.Status != jobs.StatusQueued || len(rs) != 1 || rs[0].Detail != "fixed the bug" || rs[0].By != DefaultOperator {
			t.Errorf("job %s after redrive: status %s history %+v", id, j.Status, j.History)
		}
	}
	if n := depth(t, b); n != 0 {
		t.Errorf("DLQ depth = %d, want 0", n)
	}
	if got := b.mainQueueJobs(t); len(got) != 2 {
		t.Errorf("jobs queue holds %v, want a and b", got)
	}

	again, err := b.r.Redrive(context.Background(), Options{})
	if err != nil || again.Redriven != 0 || len(again.Items) != 0 {
		t.Errorf("second redrive = %+v, %v; want nothing done", again, err)
	}
	if j := b.status(t, "a"); len(jobs.Redrives(j)) != 1 {
		t.Errorf("second redrive touched the job: %+v", j.History)
	}
}

func TestListLeavesMessagesVisibleForARedrive(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.newJob(t, "a", "fail")
	b.fail(t, "a", true)
	if _, err := b.r.List(context.Background(), 0); err != nil {
		t.Fatalf("List: %v", err)
	}
	// Right after the listing, a redrive by type finds the message: the
	// listing made it visible again.
	res, err := b.r.Redrive(context.Background(), Options{JobType: "fail"})
	if err != nil || res.Redriven != 1 || res.Items[0].Action != ActionRedriven {
		t.Fatalf("redrive after a listing = %+v, %v", res, err)
	}
	if n := depth(t, b); n != 0 {
		t.Errorf("DLQ depth = %d, want 0", n)
	}
	if got := b.mainQueueJobs(t); len(got) != 1 || got[0] != "a" {
		t.Fatalf("jobs queue = %v, want a's message moved back", got)
	}
}

func TestRedriveByJobIDWithoutDeadLetterMessage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.newJob(t, "a", "fail")
	b.fail(t, "a", true)
	// Someone deleted the DLQ message by hand: the job alone is dead-lettered.
	ctx := context.Background()
	dl, err := b.queue.DeadLetters().Receive(ctx, queue.ReceiveRequest{Max: 1})
	if err != nil || len(dl) != 1 {
		t.Fatalf("DLQ: %v %d", err, len(dl))
	}
	stale := dl[0]
	if err := b.queue.DeadLetters().Delete(ctx, stale.ReceiptHandle); err != nil {
		t.Fatal(err)
	}
	res, err := b.r.Redrive(ctx, Options{JobID: "a"})
	if err != nil {
		t.Fatalf("Redrive: %v", err)
	}
	if res.Redriven != 1 || res.Items[0].Action != ActionRedriven || b.status(t, "a").Status != jobs.StatusQueued {
		t.Fatalf("result = %+v, job %s", res, b.status(t, "a").Status)
	}
	if got := b.mainQueueJobs(t); len(got) != 1 || got[0] != "a" {
		t.Fatalf("jobs queue = %v, want a fresh message for a", got)
	}
	// A leftover DLQ message of the job, found later, is stale: only removed.
	if err := b.queue.DeadLetters().Send(ctx, queue.SendRequest{Body: stale.Body}); err != nil {
		t.Fatal(err)
	}
	res, err = b.r.Redrive(ctx, Options{})
	if err != nil {
		t.Fatalf("Redrive: %v", err)
	}
	if res.Redriven != 0 || len(res.Items) != 1 || res.Items[0].Action != ActionRemovedStale {
		t.Fatalf("result = %+v, want one removed-stale", res)
	}
	if n := depth(t, b); n != 0 {
		t.Errorf("DLQ depth = %d, want 0", n)
	}
	if got := b.mainQueueJobs(t); len(got) != 0 {
		t.Errorf("a stale message was sent again: %v", got)
	}
	if j := b.status(t, "a"); j.Status != jobs.StatusQueued || len(jobs.Redrives(j)) != 1 {
		t.Errorf("job changed by the stale pass: %s %+v", j.Status, j.History)
	}
	// Redriving the queued job by ID again is a no-op.
	res, err = b.r.Redrive(ctx, Options{JobID: "a"})
	if err != nil || res.Redriven != 0 || res.Items[0].Action != ActionSkipped {
		t.Errorf("redrive of a queued job = %+v, %v; want skipped", res, err)
	}
}

func TestRedriveFiltersDryRunAndErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		opts         Options
		wantRedriven int
		wantQueued   []string
		wantNotFound int
		wantErr      error
	}{
		{name: "job type", opts: Options{JobType: "fail"}, wantRedriven: 2, wantQueued: []string{"a", "b"}},
		{name: "other type", opts: Options{JobType: "report"}, wantRedriven: 1, wantQueued: []string{"c"}},
		{name: "max", opts: Options{Max: 1}, wantRedriven: 1},
		{name: "dry run", opts: Options{DryRun: true}, wantRedriven: 3, wantQueued: nil},
		{name: "job id", opts: Options{JobID: "b"}, wantRedriven: 1, wantQueued: []string{"b"}},
		{name: "missing job", opts: Options{JobID: "nope"}, wantRedriven: 0, wantNotFound: 1},
		{name: "selection", opts: Options{JobIDs: []string{"c", "a", "nope"}}, wantRedriven: 2, wantQueued: []string{"a", "c"}, wantNotFound: 1},
		{name: "selection of a type", opts: Options{JobIDs: []string{"c", "a"}, JobType: "fail"}, wantRedriven: 1, wantQueued: []string{"a"}},
		{name: "empty job id", opts: Options{JobIDs: []string{""}}, wantErr: errAny},
		{name: "not dead-lettered", opts: Options{JobID: "d"}, wantRedriven: 0},
		{name: "negative max", opts: Options{Max: -1}, wantErr: errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			for _, j := range []struct{ id, typ string }{{"a", "fail"}, {"b", "fail"}, {"c", "report"}} {
				b.newJob(t, j.id, j.typ)
				b.fail(t, j.id, true)
			}
			b.newJob(t, "d", "fail")
			b.fail(t, "d", false)
			res, err := b.r.Redrive(context.Background(), tt.opts)
			if tt.wantErr != nil {
				if err == nil || (tt.wantErr != errAny && !errors.Is(err, tt.wantErr)) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Redrive: %v", err)
			}
			if res.Redriven != tt.wantRedriven || res.DryRun != tt.opts.DryRun || res.NotFound() != tt.wantNotFound {
				t.Errorf("result = %+v, want %d redriven and %d not found", res, tt.wantRedriven, tt.wantNotFound)
			}
			for _, it := range res.Items {
				if tt.opts.DryRun && (it.Action == ActionRedriven || it.Action == ActionRemovedStale) {
					t.Errorf("a dry run reports %s for %s; want would-...", it.Action, it.JobID)
				}
			}
			var queued []string
			for _, id := range []string{"a", "b", "c", "d"} {
				if b.status(t, id).Status == jobs.StatusQueued {
					queued = append(queued, id)
				}
			}
			if tt.wantQueued != nil || tt.opts.DryRun {
				if strings.Join(queued, ",") != strings.Join(tt.wantQueued, ",") {
					t.Errorf("queued jobs = %v, want %v", queued, tt.wantQueued)
				}
			}
			if len(queued) != tt.wantRedriven && !tt.opts.DryRun {
				t.Errorf("%d jobs queued, %d reported redriven", len(queued), tt.wantRedriven)
			}
			if b.status(t, "d").Status != jobs.StatusFailed {
				t.Errorf("a failed job that was never dead-lettered was redriven")
			}
		})
	}
}

var errAny = errors.New("any error")

func TestCLI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		wantCode  int
		wantOut   []string
		wantErr   string
		wantNoOut []string
	}{
		{name: "no command", args: nil, wantCode: ExitUsage, wantErr: "missing command"},
		{name: "unknown command", args: []string{"purge"}, wantCode: ExitUsage, wantErr: `unknown command "purge"`},
		{name: "unknown flag", args: []string{"redrive", "--force"}, wantCode: ExitUsage, wantErr: "flag provided but not defined: -force"},
		{name: "bad max", args: []string{"redrive", "--max", "x"}, wantCode: ExitUsage, wantErr: "invalid value"},
		{name: "negative max", args: []string{"redrive", "--max=-2"}, wantCode: ExitUsage, wantErr: "--max must be 0 or more"},
		{name: "list takes no job id", args: []string{"list", "--job-id", "a"}, wantCode: ExitUsage, wantErr: "flag provided but not defined: -job-id"},
		{name: "stray argument", args: []string{"list", "extra"}, wantCode: ExitUsage, wantErr: `unexpected argument "extra"`},
		{name: "show without id", args: []string{"show"}, wantCode: ExitUsage, wantErr: "show takes one JOB_ID"},
		{name: "help", args: []string{"--help"}, wantCode: ExitOK, wantOut: []string{"usage:", "dlqredrive show JOB_ID", "Exit codes"}},
		{name: "redrive help", args: []string{"redrive", "--help"}, wantCode: ExitOK,
			wantOut: []string{"usage: dlqredrive redrive", "-dry-run", "-job-id value", "-reason string", `(default "operator redrive")`, "-max int"}},
		{name: "list help", args: []string{"list", "-h"}, wantCode: ExitOK, wantOut: []string{"usage: dlqredrive list", "-max int", "(default 100)", "-json"}},
		{name: "show help", args: []string{"show", "--help"}, wantCode: ExitOK, wantOut: []string{"usage: dlqredrive show JOB_ID", "-json"}},
		{name: "list", args: []string{"list"}, wantCode: ExitOK,
			wantOut: []string{"JOB ID", "a ", "fail", "owner-a", "1/1", "FAILED AT", "2026-11-29T06:00:00Z", "2m0s", "boom again", "1 dead-lettered message(s)"}},
		{name: "list json", args: []string{"list", "--json"}, wantCode: ExitOK, wantOut: []string{`"ageSeconds": 120`, `"updatedAt": "2026-11-29T06:00:00Z"`}, wantNoOut: []string{`"age":`}},
		{name: "dry run", args: []string{"redrive", "--dry-run", "--job-type", "fail"}, wantCode: ExitOK,
			wantOut: []string{"would redrive", "1 job(s) would be redriven (dry run"}, wantNoOut: []string{"redriven  "}},
		{name: "redrive json", args: []string{"redrive", "--job-id", "a", "--json"}, wantCode: ExitOK, wantOut: []string{`"redriven": 1`, `"action": "redriven"`}},
		{name: "redrive missing job", args: []string{"redrive", "--job-id", "zzz"}, wantCode: ExitNotFound, wantOut: []string{"zzz", "not found"}, wantErr: "1 job(s) not found"},
		{name: "show", args: []string{"show", "a"}, wantCode: ExitOK,
			wantOut: []string{"job            a", "owner-a", "status         failed (attempt 1 of 1)", "attempts (1)", "2026-11-29T06:00:00Z", "failed", "boom again", "redrives and cancels (0)"}},
		{name: "show json", args: []string{"show", "a", "--json"}, wantCode: ExitOK, wantOut: []string{`"jobId": "a"`, `"outcome": "failed"`, `"events": []`}},
		{name: "show missing job", args: []string{"show", "zzz"}, wantCode: ExitNotFound, wantErr: "job not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.newJob(t, "a", "fail")
			b.fail(t, "a", true)
			b.clock.Advance(time.Minute)
			b.r.Logger = nil // RunCLI logs to stderr
			opened := false
			var stdout, stderr bytes.Buffer
			code := RunCLI(context.Background(), tt.args, &stdout, &stderr, func(context.Context) (*Redriver, error) {
				opened = true
				return b.r, nil
			})
			if code != tt.wantCode {
				t.Fatalf("exit code = %d, want %d; stderr %s", code, tt.wantCode, stderr.String())
			}
			if tt.wantCode == ExitUsage && opened {
				t.Errorf("a usage error opened the backend")
			}
			for _, want := range tt.wantOut {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
				}
			}
			for _, unwanted := range append(tt.wantNoOut, "level=", "msg=") {
				if strings.Contains(stdout.String(), unwanted) {
					t.Errorf("stdout has %q:\n%s", unwanted, stdout.String())
				}
			}
			if tt.wantErr != "" && !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantErr, stderr.String())
			}
		})
	}
}

// A redrive's log lines go to stderr, its table to stdout; show prints the
// redrive with who and why.
func TestCLIRedriveLogsToStderrAndShowTellsWhoRedrove(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.newJob(t, "a", "fail")
	b.fail(t, "a", true)
	b.r.Logger = nil
	open := func(context.Context) (*Redriver, error) { return b.r, nil }
	var stdout, stderr bytes.Buffer
	if code := RunCLI(context.Background(), []string{"redrive", "--job-id", "a", "--reason", "fixed INC-7", "--operator", "ops-bo"}, &stdout, &stderr, open); code != ExitOK {
		t.Fatalf("redrive: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "msg=\"redrove job\"") || strings.Contains(stdout.String(), "msg=") {
		t.Errorf("logs belong on stderr only:\nstdout %s\nstderr %s", stdout.String(), stderr.String())
	}
	stdout.Reset()
	if code := RunCLI(context.Background(), []string{"show", "a"}, &stdout, &stderr, open); code != ExitOK {
		t.Fatalf("show: exit %d", code)
	}
	if !strings.Contains(stdout.String(), "redrive  ops-bo  fixed INC-7") || !strings.Contains(stdout.String(), "status         queued") {
		t.Errorf("show after the redrive:\n%s", stdout.String())
	}
}

func TestLambdaPayloads(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.newJob(t, "a", "fail")
	b.fail(t, "a", true)
	decode := func(payload string) Command {
		var c Command
		if err := json.Unmarshal([]byte(payload), &c); err != nil {
			t.Fatalf("decode %s: %v", payload, err)
		}
		return c
	}
	if _, err := b.r.Handle(context.Background(), decode(`{"action":"purge"}`)); err == nil {
		t.Errorf("unknown action accepted")
	}
	if _, err := b.r.Handle(context.Background(), decode(`{"action":"redrive","max":-1}`)); err == nil {
		t.Errorf("negative max accepted")
	}
	dry, err := b.r.Handle(context.Background(), decode(`{"action":"redrive","jobId":"a","dryRun":true}`))
	if err != nil || dry.Result == nil || !dry.Result.DryRun || dry.Result.Redriven != 1 || b.status(t, "a").Status != jobs.StatusFailed {
		t.Fatalf("dry run = %+v, %v", dry, err)
	}
	b.clock.Advance(DefaultScanVisibility + time.Second)
	list, err := b.r.Handle(context.Background(), decode(`{"action":"list"}`))
	if err != nil || len(list.Entries) != 1 || list.Entries[0].JobID != "a" {
		t.Fatalf("list = %+v, %v", list, err)
	}
	b.clock.Advance(DefaultScanVisibility + time.Second)
	res, err := b.r.Handle(context.Background(), decode(`{"action":"redrive","jobType":"fail","max":5}`))
	if err != nil || res.Result.Redriven != 1 || b.status(t, "a").Status != jobs.StatusQueued {
		t.Fatalf("redrive = %+v, %v", res, err)
	}
	show, err := b.r.Handle(context.Background(), decode(`{"action":"show","jobId":"a"}`))
	if err != nil || show.Job == nil || show.Job.JobID != "a" || len(show.Job.Attempts) != 1 || len(show.Job.Events) != 1 || show.Job.Events[0].Type != jobs.EventRedrive {
		t.Fatalf("show = %+v, %v", show, err)
	}
	if _, err := b.r.Handle(context.Background(), decode(`{"action":"show"}`)); err == nil {
		t.Errorf("show without a jobId accepted")
	}
	if _, err := b.r.Handle(context.Background(), decode(`{"action":"show","jobId":"zzz"}`)); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("show of a missing job: %v, want ErrNotFound", err)
	}
}
