package storetest

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"jobline/internal/jobs"
)

// testHistoryTimeline drives one job through every way an attempt ends and
// checks the attempts and redrives its history shows: a retry, a lease
// that expired (reclaim), a failed last attempt, a redrive by an operator,
// then a completed attempt.
func testHistoryTimeline(t *testing.T, b *bundle) {
	j := b.create(t, b.newJob(randomID("owner-")))
	t0 := b.t0
	_, tok := b.claim(t, j.ID, t0)
	if _, err := b.store.Retry(b.ctx, j.ID, tok, jobs.RetryWait{
		ErrorMessage: "boom 1", NextAttemptAt: t0.Add(2 * time.Second), Now: t0.Add(time.Second), Attempt: 1,
	}); err != nil {
		t.Fatalf("Retry: %v", err)
	}
	b.claim(t, j.ID, t0.Add(3*time.Second)) // attempt 2: its worker dies
	_, tok = b.claim(t, j.ID, t0.Add(2*time.Minute))
	failed, err := b.store.Finish(b.ctx, j.ID, tok, jobs.Outcome{
		Status: jobs.StatusFailed, ErrorMessage: "boom 3", DeadLettered: true, Now: t0.Add(2*time.Minute + time.Second), Attempt: 3,
	})
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	redriveAt := t0.Add(time.Hour)
	if _, err := b.store.Redrive(b.ctx, j.ID, jobs.RedriveRequest{Reason: "fixed the bug", By: "ops-anna", Now: redriveAt}); err != nil {
		t.Fatalf("Redrive: %v", err)
	}
	_, tok = b.claim(t, j.ID, redriveAt.Add(time.Second))
	done, err := b.store.Finish(b.ctx, j.ID, tok, jobs.Outcome{Status: jobs.StatusCompleted, Now: redriveAt.Add(2 * time.Second), Attempt: 1})
	if err != nil {
		t.Fatalf("Finish after redrive: %v", err)
	}

	if got := jobs.Attempts(failed); len(got) != 3 {
		t.Fatalf("attempts before the redrive = %+v, want 3", got)
	}
	got := jobs.Attempts(done)
	want := []jobs.AttemptRecord{
		{Attempt: 1, StartedAt: t0, EndedAt: t0.Add(time.Second), Outcome: jobs.OutcomeRetry, Error: "boom 1"},
		{Attempt: 2, StartedAt: t0.Add(3 * time.Second), EndedAt: t0.Add(2 * time.Minute), Outcome: jobs.OutcomeLeaseLost},
		{Attempt: 3, StartedAt: t0.Add(2 * time.Minute), EndedAt: t0.Add(2*time.Minute + time.Second), Outcome: jobs.OutcomeFailed, Error: "boom 3"},
		{Attempt: 1, StartedAt: redriveAt.Add(time.Second), EndedAt: redriveAt.Add(2 * time.Second), Outcome: jobs.OutcomeCompleted},
	}
	checkAttempts(t, got, want)
	rs := jobs.Redrives(done)
	if len(rs) != 1 || rs[0].By != "ops-anna" || rs[0].Detail != "fixed the bug" || !rs[0].At.Equal(redriveAt) {
		t.Errorf("redrives = %+v", rs)
	}
}

// testHistoryBounded redrives a job with the most attempts, each failing
// with a long error, many times: the history never holds more than
// jobs.MaxHistoryEvents events, details are cut to jobs.MaxEventDetail
// bytes, and the job stays far below DynamoDB's 400 KB item limit.
func testHistoryBounded(t *testing.T, b *bundle) {
	j := b.newJob(randomID("owner-"))
	j.MaxAttempts = jobs.MaxMaxAttempts
	j = b.create(t, j)
	longError := strings.Repeat("é", 2*jobs.MaxEventDetail)
	now := b.t0
	for cycle := range 4 {
		for attempt := 1; attempt <= jobs.MaxMaxAttempts; attempt++ {
			now = now.Add(time.Minute)
			_, tok := b.claim(t, j.ID, now)
			var err error
			if attempt < jobs.MaxMaxAttempts {
				_, err = b.store.Retry(b.ctx, j.ID, tok, jobs.RetryWait{ErrorMessage: longError, NextAttemptAt: now, Now: now, Attempt: attempt})
			} else {
				_, err = b.store.Finish(b.ctx, j.ID, tok, jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: longError, DeadLettered: true, Now: now, Attempt: attempt})
			}
			if err != nil {
				t.Fatalf("cycle %d attempt %d: %v", cycle, attempt, err)
			}
		}
		got, err := b.store.Redrive(b.ctx, j.ID, jobs.RedriveRequest{Reason: longError, By: strings.Repeat("o", 1000), Now: now})
		if err != nil {
			t.Fatalf("Redrive %d: %v", cycle, err)
		}
		checkHistoryBounds(t, got)
	}
	got, err := b.store.Get(b.ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(jobs.Redrives(got)); n != 4 {
		t.Errorf("%d redrives kept, want all 4", n)
	}
	size, _ := json.Marshal(got)
	if len(size) > 64<<10 {
		t.Errorf("job with a full history is %d bytes of JSON, want under 64 KiB", len(size))
	}
}

// checkHistoryBounds checks the length and detail bounds of j's history.
func checkHistoryBounds(t *testing.T, j jobs.Job) {
	t.Helper()
	if len(j.History) > jobs.MaxHistoryEvents {
		t.Fatalf("history holds %d events, more than %d", len(j.History), jobs.MaxHistoryEvents)
	}
	for _, e := range j.History {
		if len(e.Detail) > jobs.MaxEventDetail || len(e.By) > jobs.MaxEventBy {
			t.Fatalf("event %s has a %d-byte detail and a %d-byte by", e.Type, len(e.Detail), len(e.By))
		}
	}
}

// testCancelByOperator: an operator cancels another owner's job, and the
// history says who; an owner's cancel of another's job is still ErrNotFound.
func testCancelByOperator(t *testing.T, b *bundle) {
	j, _ := b.driveTo(t, jobs.StatusProcessing)
	if _, err := b.store.Cancel(b.ctx, j.ID, jobs.CancelRequest{Owner: "not-the-owner", Now: b.t0}); !errors.Is(err, jobs.ErrNotFound) {
		t.Fatalf("Cancel by another owner: %v, want ErrNotFound", err)
	}
	got, err := b.store.Cancel(b.ctx, j.ID, jobs.CancelRequest{AnyOwner: true, By: "ops-anna", Reason: "runaway", Now: b.t0.Add(time.Second)})
	if err != nil {
		t.Fatalf("operator Cancel: %v", err)
	}
	last := got.History[len(got.History)-1]
	if got.Status != jobs.StatusCanceled || last.Type != jobs.EventCancel || last.By != "ops-anna" || last.Detail != "runaway" {
		t.Fatalf("after operator cancel: status %s, last event %+v", got.Status, last)
	}
	if as := jobs.Attempts(got); len(as) != 1 || as[0].Outcome != jobs.OutcomeCanceled || !as[0].EndedAt.Equal(b.t0.Add(time.Second)) {
		t.Fatalf("attempts after cancel = %+v", as)
	}
}

// testListAll lists every owner's jobs newest first, with and without the
// owner, status and type filters, across pages.
func testListAll(t *testing.T, b *bundle) {
	if !b.listAll {
		t.Skip("this store does not list every owner's jobs yet")
	}
	// A time range of its own: ListAll sees other tests' jobs too, all
	// created at baseTime.
	base := b.t0.Add(-24 * time.Hour * 365)
	tag := randomID("type-")
	var want []jobs.Job
	for i := range 5 {
		j := b.newJob(randomID("owner-"))
		j.JobType = tag
		j.CreatedAt = base.Add(time.Duration(i) * time.Second)
		want = append([]jobs.Job{b.create(t, j)}, want...)
	}
	var got []jobs.Job
	cursor := ""
	for range 10 {
		page, err := b.store.ListAll(b.ctx, jobs.ListQuery{JobType: tag, Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatalf("ListAll: %v", err)
		}
		got = append(got, page.Jobs...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(got) != len(want) {
		t.Fatalf("ListAll returned %d jobs, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID {
			t.Fatalf("ListAll order: got %s at %d, want %s", got[i].ID, i, want[i].ID)
		}
	}
	page, err := b.store.ListAll(b.ctx, jobs.ListQuery{Owner: want[2].Owner, JobType: tag, Limit: 10})
	if err != nil || len(page.Jobs) != 1 || page.Jobs[0].ID != want[2].ID {
		t.Fatalf("ListAll by owner = %+v, %v", page.Jobs, err)
	}
	page, err = b.store.ListAll(b.ctx, jobs.ListQuery{Status: jobs.StatusCanceled, JobType: tag, Limit: 10})
	if err != nil || len(page.Jobs) != 0 {
		t.Fatalf("ListAll canceled = %+v, %v", page.Jobs, err)
	}
}
