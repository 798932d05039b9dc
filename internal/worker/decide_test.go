package worker

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"jobline/internal/jobs"
	"jobline/internal/queue"
)

// TestDecideCoversTheOutcomeTable checks decide against every row of the
// outcome table in docs/engine.md; each case names its row, and a row
// without a case fails the test.
func TestDecideCoversTheOutcomeTable(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const transient = 10 * time.Second
	claimed := jobs.Job{ID: "j", JobType: "t", Status: jobs.StatusProcessing, Attempt: 1, MaxAttempts: 3, Version: 2, LeaseExpiresAt: now.Add(time.Minute)}
	lastAttempt := claimed
	lastAttempt.Attempt = 3
	failedDL := jobs.Job{ID: "j", JobType: "t", Status: jobs.StatusFailed, DeadLettered: true, Attempt: 3, MaxAttempts: 3, Version: 7}
	// rejected is f with a claim rejected while the job was cur, changed
	// by mutate.
	rejected := func(f facts, cur jobs.Job, mutate func(*jobs.Job)) facts {
		if mutate != nil {
			mutate(&cur)
		}
		f.Job, f.ClaimErr = cur, &jobs.TransitionError{Op: "claim", JobID: cur.ID, Current: cur, Err: jobs.ErrInvalidTransition}
		return f
	}
	storeDown := errors.New("store unavailable")
	handlerErr := errors.New("downstream is down")

	type want struct {
		step         step
		outcome      jobs.Outcome // Status, Result, ErrorMessage, DeadLettered
		wait         time.Duration
		errorMessage string
		fresh        bool
		status       jobs.Status
		err          error // errors.Is target; nil: no error
	}
	tests := []struct {
		row  int // row of the outcome table in docs/engine.md
		name string
		f    facts
		want want
	}{
		{row: 1, name: "body is not a job message",
			f:    facts{BadBody: queue.ErrBadBody},
			want: want{step: stepDeadLetterAsIs, err: queue.ErrBadBody}},
		{row: 2, name: "job not found",
			f:    facts{ClaimErr: fmt.Errorf("claim: %w", jobs.ErrNotFound)},
			want: want{step: stepAcknowledge, err: jobs.ErrNotFound}},
		{row: 3, name: "claim failed: store error",
			f:    facts{ClaimErr: storeDown},
			want: want{step: stepDefer, wait: transient, err: storeDown}},
		{row: 4, name: "own dead-letter copy of an unchanged dead-lettered job: native redrive",
			f:    rejected(facts{Message: queue.JobMessage{JobID: "j", DeadLetterVersion: 7}}, failedDL, nil),
			want: want{step: stepRedrive, status: jobs.StatusFailed}},
		{row: 5, name: "completed job: duplicate",
			f:    rejected(facts{}, failedDL, func(j *jobs.Job) { j.Status, j.DeadLettered = jobs.StatusCompleted, false }),
			want: want{step: stepAcknowledge, status: jobs.StatusCompleted}},
		{row: 5, name: "canceled job",
			f:    rejected(facts{}, failedDL, func(j *jobs.Job) { j.Status, j.DeadLettered = jobs.StatusCanceled, false }),
			want: want{step: stepAcknowledge, status: jobs.StatusCanceled}},
		{row: 5, name: "dead-lettered job, plain message: stale duplicate",
			f:    rejected(facts{}, failedDL, nil),
			want: want{step: stepAcknowledge, status: jobs.StatusFailed}},
		{row: 5, name: "dead-lettered job, copy of an older version",
			f:    rejected(facts{Message: queue.JobMessage{DeadLetterVersion: 6}}, failedDL, nil),
			want: want{step: stepAcknowledge, status: jobs.StatusFailed}},
		{row: 5, name: "dead-lettered job, own copy, already redriven by this delivery",
			f:    rejected(facts{Message: queue.JobMessage{DeadLetterVersion: 7}, Redriven: true}, failedDL, nil),
			want: want{step: stepAcknowledge, status: jobs.StatusFailed}},
		{row: 5, name: "failed, not dead-lettered, own copy",
			f:    rejected(facts{Message: queue.JobMessage{DeadLetterVersion: 7}}, failedDL, func(j *jobs.Job) { j.DeadLettered = false }),
			want: want{step: stepAcknowledge, status: jobs.StatusFailed}},
		{row: 6, name: "leased by another worker",
			f:    rejected(facts{}, claimed, nil),
			want: want{step: stepDefer, wait: time.Minute + time.Second, status: jobs.StatusProcessing}},
		{row: 6, name: "waiting for its next attempt",
			f:    rejected(facts{}, claimed, func(j *jobs.Job) { j.LeaseToken, j.LeaseExpiresAt = "", now.Add(5*time.Second) }),
			want: want{step: stepDefer, wait: 6 * time.Second, status: jobs.StatusProcessing}},
		{row: 7, name: "lease expired on the last attempt",
			f:    rejected(facts{}, lastAttempt, func(j *jobs.Job) { j.LeaseExpiresAt = now }),
			want: want{step: stepFailDiedOnLastAttempt, status: jobs.StatusProcessing}},
		{row: 8, name: "rejected otherwise (expired lease with attempts left: a race)",
			f:    rejected(facts{}, claimed, func(j *jobs.Job) { j.LeaseExpiresAt = now.Add(-time.Second) }),
			want: want{step: stepDefer, wait: transient, status: jobs.StatusProcessing, err: jobs.ErrInvalidTransition}},
		{row: 9, name: "unknown job type",
			f:    withAttempt(claimed, attemptEnd{UnknownType: true}, 0),
			want: want{step: stepFinish, outcome: jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: "unknown job type t", DeadLettered: true}, status: jobs.StatusProcessing}},
		{row: 10, name: "shutdown during the attempt",
			f:    withAttempt(claimed, attemptEnd{Err: errors.New("context canceled"), Interrupted: true}, 0),
			want: want{step: stepGiveBack, errorMessage: "attempt interrupted: the worker shut down", status: jobs.StatusProcessing, err: errAny}},
		{row: 10, name: "shutdown during the last attempt",
			f:    withAttempt(lastAttempt, attemptEnd{Err: errors.New("context canceled"), Interrupted: true, Stopped: true}, 0),
			want: want{step: stepGiveBack, errorMessage: "attempt interrupted: the worker shut down", status: jobs.StatusProcessing, err: errAny}},
		{row: 11, name: "job canceled while running",
			f:    withAttempt(claimed, attemptEnd{Err: errors.New("context canceled"), Stopped: true, SeenStatus: jobs.StatusCanceled}, 0),
			want: want{step: stepAcknowledge, status: jobs.StatusCanceled}},
		{row: 11, name: "job reclaimed while running, told by a rejected write",
			f:    withAttempt(claimed, attemptEnd{Err: errors.New("context canceled"), Stopped: true}, 0),
			want: want{step: stepAcknowledge}},
		{row: 12, name: "result",
			f:    withAttempt(claimed, attemptEnd{Result: map[string]int{"n": 1}}, 0),
			want: want{step: stepFinish, outcome: jobs.Outcome{Status: jobs.StatusCompleted, Result: []byte(`{"n":1}`)}, status: jobs.StatusProcessing}},
		{row: 12, name: "result, though the worker shuts down",
			f:    withAttempt(claimed, attemptEnd{Result: "done", Interrupted: true}, 0),
			want: want{step: stepFinish, outcome: jobs.Outcome{Status: jobs.StatusCompleted, Result: []byte(`"done"`)}, status: jobs.StatusProcessing}},
		{row: 12, name: "result with markup: stored as written, not HTML-escaped",
			f:    withAttempt(claimed, attemptEnd{Result: map[string]string{"html": "<b>&</b>"}}, 0),
			want: want{step: stepFinish, outcome: jobs.Outcome{Status: jobs.StatusCompleted, Result: []byte(`{"html":"<b>&</b>"}`)}, status: jobs.StatusProcessing}},
		{row: 12, name: "no result",
			f:    withAttempt(claimed, attemptEnd{}, 0),
			want: want{step: stepFinish, outcome: jobs.Outcome{Status: jobs.StatusCompleted, Result: []byte(`null`)}, status: jobs.StatusProcessing}},
		{row: 13, name: "result that is not JSON",
			f:    withAttempt(claimed, attemptEnd{Result: func() {}}, 0),
			want: want{step: stepFinish, outcome: jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: "result is not JSON: json: unsupported type: func()"}, status: jobs.StatusProcessing}},
		{row: 13, name: "result over the size limit",
			f:    withAttempt(claimed, attemptEnd{Result: strings.Repeat("x", jobs.MaxResultBytes)}, 0),
			want: want{step: stepFinish, outcome: jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: resultTooLarge(jobs.MaxResultBytes + 2)}, status: jobs.StatusProcessing}},
		{row: 14, name: "partial",
			f:    withAttempt(claimed, attemptEnd{Err: jobs.Partial([]string{"a"}, errors.New("1 of 2 failed"))}, 0),
			want: want{step: stepFinish, outcome: jobs.Outcome{Status: jobs.StatusPartial, Result: []byte(`["a"]`), ErrorMessage: "1 of 2 failed"}, status: jobs.StatusProcessing}},
		{row: 14, name: "partial on the last attempt, result not JSON",
			f:    withAttempt(lastAttempt, attemptEnd{Err: jobs.Partial(func() {}, errors.New("half"))}, 0),
			want: want{step: stepFinish, outcome: jobs.Outcome{Status: jobs.StatusPartial, ErrorMessage: "half"}, status: jobs.StatusProcessing}},
		{row: 14, name: "partial, result over the size limit",
			f:    withAttempt(claimed, attemptEnd{Err: jobs.Partial(strings.Repeat("x", jobs.MaxResultBytes), errors.New("half"))}, 0),
			want: want{step: stepFinish, outcome: jobs.Outcome{Status: jobs.StatusPartial, ErrorMessage: "half; " + resultTooLarge(jobs.MaxResultBytes+2)}, status: jobs.StatusProcessing}},
		{row: 15, name: "permanent error",
			f:    withAttempt(claimed, attemptEnd{Err: fmt.Errorf("wrapped: %w", jobs.Permanent(errors.New("bad input")))}, 0),
			want: want{step: stepFinish, outcome: jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: "wrapped: bad input"}, status: jobs.StatusProcessing}},
		{row: 16, name: "error, attempts left",
			f:    withAttempt(claimed, attemptEnd{Err: handlerErr, Backoff: 3 * time.Second}, 0),
			want: want{step: stepRetry, wait: 3 * time.Second, errorMessage: "downstream is down", status: jobs.StatusProcessing, err: handlerErr}},
		{row: 16, name: "timeout, attempts left",
			f:    withAttempt(claimed, attemptEnd{Err: errors.New("context deadline exceeded"), TimedOut: true, Timeout: time.Minute, Backoff: time.Second}, 0),
			want: want{step: stepRetry, wait: time.Second, errorMessage: "timed out after 1m0s: context deadline exceeded", status: jobs.StatusProcessing, err: errAny}},
		{row: 16, name: "error, attempts left, receives left before the redrive policy",
			f:    withAttempt(claimed, attemptEnd{Err: handlerErr, Backoff: time.Second}, 3),
			want: want{step: stepRetry, wait: time.Second, errorMessage: "downstream is down", status: jobs.StatusProcessing, err: handlerErr}},
		{row: 17, name: "error, attempts left, last receive before the redrive policy",
			f:    withAttempt(claimed, attemptEnd{Err: handlerErr, Backoff: time.Second}, 4),
			want: want{step: stepRetry, wait: time.Second, errorMessage: "downstream is down", fresh: true, status: jobs.StatusProcessing, err: handlerErr}},
		{row: 18, name: "error on the last attempt",
			f:    withAttempt(lastAttempt, attemptEnd{Err: handlerErr, Backoff: time.Second}, 4),
			want: want{step: stepFinish, outcome: jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: "downstream is down", DeadLettered: true}, status: jobs.StatusProcessing}},
		{row: 18, name: "timeout on the last attempt",
			f:    withAttempt(lastAttempt, attemptEnd{Err: errors.New("context deadline exceeded"), TimedOut: true, Timeout: time.Second}, 0),
			want: want{step: stepFinish, outcome: jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: "timed out after 1s: context deadline exceeded", DeadLettered: true}, status: jobs.StatusProcessing}},
		{row: 19, name: "the invocation ran out of time, attempts left",
			f:    withAttempt(claimed, attemptEnd{Err: errors.New("context deadline exceeded"), Interrupted: true, OutOfTime: true, TimedOut: true, Backoff: time.Second}, 0),
			want: want{step: stepRetry, wait: time.Second, errorMessage: "attempt interrupted: the invocation ran out of time: context deadline exceeded", status: jobs.StatusProcessing, err: errAny}},
		{row: 19, name: "the invocation ran out of time on the last attempt",
			f: withAttempt(lastAttempt, attemptEnd{Err: errors.New("context deadline exceeded"), Interrupted: true, OutOfTime: true, Backoff: time.Second}, 0),
			want: want{step: stepFinish, outcome: jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: "attempt interrupted: the invocation ran out of time: context deadline exceeded", DeadLettered: true},
				status: jobs.StatusProcessing}},
		{row: 19, name: "the invocation ran out of time, but the job was canceled meanwhile",
			f:    withAttempt(claimed, attemptEnd{Err: errors.New("context deadline exceeded"), Interrupted: true, OutOfTime: true, Stopped: true, SeenStatus: jobs.StatusCanceled}, 0),
			want: want{step: stepAcknowledge, status: jobs.StatusCanceled}},
	}
	covered := map[int]bool{}
	for _, tt := range tests {
		covered[tt.row] = true
		tt.f.Now, tt.f.TransientRetryDelay = now, transient
		got := decide(tt.f)
		w := tt.want
		if got.Step != w.step || got.Wait != w.wait || got.ErrorMessage != w.errorMessage || got.FreshMessage != w.fresh || got.Status != w.status ||
			got.Outcome.Status != w.outcome.Status || string(got.Outcome.Result) != string(w.outcome.Result) ||
			got.Outcome.ErrorMessage != w.outcome.ErrorMessage || got.Outcome.DeadLettered != w.outcome.DeadLettered {
			t.Errorf("row %d, %s:\n got %s %+v\nwant %s %+v", tt.row, tt.name, got.Step, got, w.step, w)
		}
		switch {
		case w.err == nil && got.Err != nil, w.err != nil && got.Err == nil:
			t.Errorf("row %d, %s: error %v, want %v", tt.row, tt.name, got.Err, w.err)
		case w.err != nil && w.err != errAny && !errors.Is(got.Err, w.err):
			t.Errorf("row %d, %s: error %v, want %v", tt.row, tt.name, got.Err, w.err)
		}
		if got.Reason == "" {
			t.Errorf("row %d, %s: no reason", tt.row, tt.name)
		}
	}
	rows := outcomeTableRows(t)
	for _, row := range rows {
		if !covered[row] {
			t.Errorf("row %d of the outcome table in docs/engine.md has no case", row)
		}
	}
	for row := range covered {
		if !slices.Contains(rows, row) {
			t.Errorf("case for row %d, which docs/engine.md's outcome table does not have", row)
		}
	}
}

// errAny stands for "some error" in a want.
var errAny = errors.New("any error")

// withAttempt is the facts of a claimed attempt that ended as a, on the
// receiveCount-th receive of a queue whose redrive policy moves a message
// after 5 receives.
func withAttempt(job jobs.Job, a attemptEnd, receiveCount int) facts {
	return facts{Job: job, Attempt: &a, ReceiveCount: receiveCount, MaxReceiveCount: 5}
}

// outcomeTableRows reads the row numbers of the outcome table in
// docs/engine.md: the lines "| N | ..." under its "### Outcome table"
// heading.
func outcomeTableRows(t *testing.T) []int {
	t.Helper()
	doc, err := os.ReadFile("../../docs/engine.md")
	if err != nil {
		t.Fatal(err)
	}
	section := regexp.MustCompile(`(?s)### Outcome table\n(.*?)\n#`).FindSubmatch(doc)
	if section == nil {
		t.Fatal(`docs/engine.md has no "### Outcome table" section`)
	}
	var rows []int
	for _, m := range regexp.MustCompile(`(?m)^\| (\d+) \|`).FindAllSubmatch(section[1], -1) {
		n, _ := strconv.Atoi(string(m[1]))
		rows = append(rows, n)
	}
	if len(rows) == 0 {
		t.Fatal("the outcome table in docs/engine.md has no numbered rows")
	}
	return rows
}
