package jobs_test

import (
	"fmt"
	"testing"

	"jobline/internal/jobs"
)

// TestTransitionTableMatchesDesign pins the lifecycle table of docs/design.md;
// the store conformance suite then checks every store against it.
func TestTransitionTableMatchesDesign(t *testing.T) {
	t.Parallel()
	want := map[string]bool{
		"queued->processing":     true,
		"queued->canceled":       true,
		"queued->completed":      true, // a quick run (FinishUnclaimed)
		"processing->processing": true,
		"processing->completed":  true,
		"processing->partial":    true,
		"processing->failed":     true,
		"processing->canceled":   true,
		"failed->queued":         true,
	}
	for _, from := range jobs.Statuses() {
		for _, to := range jobs.Statuses() {
			key := fmt.Sprintf("%s->%s", from, to)
			if got := jobs.CanTransition(from, to); got != want[key] {
				t.Errorf("CanTransition(%s) = %v, want %v", key, got, want[key])
			}
		}
	}
}

func TestStatusValidAndFinal(t *testing.T) {
	t.Parallel()
	final := map[jobs.Status]bool{jobs.StatusCompleted: true, jobs.StatusPartial: true, jobs.StatusFailed: true, jobs.StatusCanceled: true}
	for _, s := range jobs.Statuses() {
		if !s.Valid() {
			t.Errorf("%s not valid", s)
		}
		if s.Final() != final[s] {
			t.Errorf("%s.Final() = %v", s, s.Final())
		}
	}
	for _, s := range []jobs.Status{"", "Queued", "done"} {
		if s.Valid() {
			t.Errorf("%q valid", s)
		}
	}
}
