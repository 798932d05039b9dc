package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"jobline/internal/jobs"
)

// Bounds of what a job's history adds to its JSON, documented in
// docs/api.md ("History bounds"). Parameters and result come on top.
const (
	maxOwnerHistoryJSON = 64 << 10  // the owner's attempts
	maxAdminHistoryJSON = 192 << 10 // the admin detail: attempts, redrives, cancels and timeline
)

// worstJob drives a job through the store's transitions the way that
// grows its history most: cycles of maxAttempts attempts, each failing
// with the longest error, each cycle redriven with the longest reason by
// the longest operator name, then one more cycle whose last attempt is
// canceled likewise; every text made of
// the characters JSON escapes the most (a control character becomes 6
// bytes).
func worstJob(t *testing.T, maxAttempts, cycles int) jobs.Job {
	t.Helper()
	ctx := context.Background()
	store := jobs.NewMemoryStore()
	worst := strings.Repeat("\x01", 2*jobs.MaxEventDetail)
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tick := func() time.Time { now = now.Add(time.Second); return now }
	job, _, err := store.Create(ctx, jobs.Job{ID: strings.Repeat("a", 26), Owner: strings.Repeat("o", 256), JobType: "echo",
		Status: jobs.StatusQueued, Parameters: json.RawMessage(`{}`), MaxAttempts: maxAttempts, CreatedAt: now, UpdatedAt: now, SweepAt: now})
	must := func(j jobs.Job, err error) jobs.Job {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	must(job, err)
	for cycle := range cycles + 1 {
		for attempt := 1; attempt <= maxAttempts; attempt++ {
			token := fmt.Sprintf("L%d-%d", cycle, attempt)
			must(store.Claim(ctx, job.ID, jobs.Claim{LeaseToken: token, Now: tick(), LeaseExpiresAt: now.Add(time.Hour)}))
			switch {
			case attempt < maxAttempts:
				must(store.Retry(ctx, job.ID, token, jobs.RetryWait{ErrorMessage: worst, NextAttemptAt: now, Now: tick(), Attempt: attempt}))
			case cycle == cycles:
				// The last cycle's last attempt is canceled while it runs:
				// the history is then at its fullest.
				return must(store.Cancel(ctx, job.ID, jobs.CancelRequest{AnyOwner: true, By: worst, Reason: worst, Now: tick()}))
			default:
				must(store.Finish(ctx, job.ID, token, jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: worst, DeadLettered: true, Now: tick(), Attempt: attempt}))
			}
		}
		must(store.Redrive(ctx, job.ID, jobs.RedriveRequest{Reason: worst, By: worst, Now: tick()}))
	}
	panic("unreachable")
}

// TestWorstHistoryJSONSize: however a job's history grows (within its
// bounds: jobs.MaxHistoryEvents events of at most jobs.MaxEventDetail and
// jobs.MaxEventBy bytes), the owner's JSON of it (attempts) and the
// admin's (attempts, redrives, cancels, timeline) stay within the
// documented sizes.
func TestWorstHistoryJSONSize(t *testing.T) {
	t.Parallel()
	size := func(v any) int {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return len(b)
	}
	for _, shape := range []struct{ maxAttempts, cycles int }{
		{jobs.MaxMaxAttempts, 6}, {1, 60}, {2, 40}, {5, 20}, {jobs.MaxMaxAttempts, 1},
	} {
		j := worstJob(t, shape.maxAttempts, shape.cycles)
		empty := j
		empty.History = nil
		owner := size(viewJob(j)) - size(viewJob(empty))
		admin := size(viewAdminJobDetail(j)) - size(viewAdminJobDetail(empty))
		t.Logf("%2d attempts x %2d redrives: %2d events; the history adds %6d bytes to the owner's JSON, %6d to the admin's",
			shape.maxAttempts, shape.cycles, len(j.History), owner, admin)
		if len(j.History) > jobs.MaxHistoryEvents {
			t.Errorf("%d events, over the bound %d", len(j.History), jobs.MaxHistoryEvents)
		}
		if owner > maxOwnerHistoryJSON || admin > maxAdminHistoryJSON {
			t.Errorf("owner %d bytes (bound %d), admin %d (bound %d)", owner, maxOwnerHistoryJSON, admin, maxAdminHistoryJSON)
		}
	}
}
