package jobs_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"jobline/internal/jobs"
)

func TestTruncate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"0123456789ab", 10, "0123456…"},
		{"ééééé", 6, "é…"}, // never cuts inside a rune
	}
	for _, tt := range tests {
		got := jobs.Truncate(tt.in, tt.n)
		if got != tt.want || len(got) > tt.n || !utf8.ValidString(got) {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestCompactHistoryKeepsOperatorEventsFirst(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var h []jobs.Event
	for i := range 3 * jobs.MaxHistoryEvents {
		typ := jobs.EventAttemptStarted
		if i%40 == 39 {
			typ = jobs.EventRedrive
		}
		h = append(h, jobs.Event{At: t0.Add(time.Duration(i) * time.Second), Type: typ})
	}
	got := jobs.CompactHistory(h)
	if len(got) != jobs.KeptBeforeRedrive {
		t.Fatalf("kept %d events, want %d", len(got), jobs.KeptBeforeRedrive)
	}
	redrives := 0
	for i, e := range got {
		if i > 0 && !got[i-1].At.Before(e.At) {
			t.Fatalf("order lost at %d", i)
		}
		if e.Type == jobs.EventRedrive {
			redrives++
		}
	}
	if redrives != 6 { // every redrive of 240 events, 6 <= KeptOperatorEvents
		t.Errorf("kept %d redrives, want 6", redrives)
	}
	if last := got[len(got)-1]; !last.At.Equal(h[len(h)-1].At) {
		t.Errorf("newest event dropped")
	}
	short := h[:5]
	if got := jobs.CompactHistory(short); len(got) != 5 {
		t.Errorf("a short history was compacted to %d", len(got))
	}
}

func TestAttemptsNumbersFromTheEnd(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	// The start of attempt 4 was compacted away: its end is ignored, and
	// attempts 5 and 6 keep their numbers.
	j := jobs.Job{Status: jobs.StatusProcessing, Attempt: 6, History: []jobs.Event{
		jobs.AttemptEnded(at(1), 4, jobs.OutcomeRetry, "x"),
		{At: at(2), Type: jobs.EventAttemptStarted},
		jobs.AttemptEnded(at(3), 5, jobs.OutcomeRetry, strings.Repeat("y", 3)),
		{At: at(4), Type: jobs.EventAttemptStarted},
	}}
	got := jobs.Attempts(j)
	if len(got) != 2 || got[0].Attempt != 5 || got[0].Error != "yyy" || got[1].Attempt != 6 || got[1].Outcome != jobs.OutcomeRunning || !got[1].EndedAt.IsZero() {
		t.Fatalf("Attempts = %+v", got)
	}
	// Ends without numbers (older writers) count back from the job's attempt.
	j = jobs.Job{Status: jobs.StatusCompleted, Attempt: 2, CompletedAt: at(9), History: []jobs.Event{
		{At: at(1), Type: jobs.EventAttemptStarted},
		{At: at(2), Type: jobs.EventAttemptStarted},
	}}
	got = jobs.Attempts(j)
	if len(got) != 2 || got[0].Attempt != 1 || got[0].Outcome != jobs.OutcomeLeaseLost || got[1].Attempt != 2 || got[1].Outcome != jobs.OutcomeCompleted || !got[1].EndedAt.Equal(at(9)) {
		t.Fatalf("Attempts = %+v", got)
	}
}
