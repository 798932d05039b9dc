package api

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"jobline/internal/jobs"
)

// The poll hint: every answer that carries a job that is not final (POST
// /jobs 201, GET /jobs/{id} 200 and 304) says in Retry-After when the
// server expects the job to have changed, so that a client that waits for
// it reads a job a few times in its life instead of every second or two
// (the web client's default poll follows it). Each read costs an API
// request, a function invocation and a database read, so a good hint is
// most of what a job costs to follow.

// Bounds of the poll hint, in whole seconds as Retry-After takes them.
const (
	minPollAfter = time.Second
	maxPollAfter = 30 * time.Second
	// expectedPickup is how long a due job usually waits before a worker
	// claims and runs a short one: the SQS event source's batching window
	// (1 s, template.yaml) and the run.
	expectedPickup = 2 * time.Second
)

// pollAfter estimates when job will have changed: a due queued job when a
// worker has picked it up (or, waiting longer, in half the time it has
// waited: a backlog); a delayed job or one waiting for its next attempt
// when it is due; a running job when its progress rate says it ends (10%
// and half a second later, so the read finds it done), or, without
// progress, after as long again as it has run. Zero for a final job.
func pollAfter(j jobs.Job, now time.Time) time.Duration {
	var wait time.Duration
	switch {
	case j.Status.Final():
		return 0
	case j.Status == jobs.StatusQueued:
		due := j.CreatedAt.Add(time.Duration(j.DelaySeconds) * time.Second)
		if rs := jobs.Redrives(j); len(rs) > 0 {
			due = rs[len(rs)-1].At
		}
		wait = queuedWait(due, now)
	case j.NextAttemptAt.After(now):
		wait = j.NextAttemptAt.Sub(now) + expectedPickup
	default:
		wait = runningWait(j, now)
	}
	return min(max(wait, minPollAfter), maxPollAfter)
}

// queuedWait is the wait for a queued job due at due.
func queuedWait(due, now time.Time) time.Duration {
	waited := now.Sub(due)
	switch {
	case waited < 0:
		return -waited + expectedPickup
	case waited < expectedPickup:
		return expectedPickup - waited
	}
	return waited / 2
}

// runningWait is the wait for a running job: from its progress rate since
// its attempt started, or as long again as it has run.
func runningWait(j jobs.Job, now time.Time) time.Duration {
	started := j.UpdatedAt
	if as := jobs.Attempts(j); len(as) > 0 && !as[len(as)-1].StartedAt.IsZero() {
		started = as[len(as)-1].StartedAt
	}
	ran := now.Sub(started)
	reported := j.UpdatedAt.Sub(started) // the last write is the latest progress
	if j.Progress <= 0 || j.Progress >= 100 || reported <= 0 {
		return ran
	}
	total := time.Duration(float64(reported) * 100 / float64(j.Progress))
	left := total - ran
	return left + left/10 + time.Second/2
}

// setPollHint sets Retry-After on an answer carrying job, unless it is
// final.
func setPollHint(w http.ResponseWriter, j jobs.Job, now time.Time) {
	if d := pollAfter(j, now); d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
	}
}
