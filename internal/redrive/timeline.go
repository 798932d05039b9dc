package redrive

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"jobline/internal/jobs"
)

// Timeline is one job's story as an operator reads it (dlqredrive show):
// what it is (its Entry, without a message), each attempt, and each
// redrive and cancel with who and why.
type Timeline struct {
	Entry
	CompletedAt *time.Time        `json:"completedAt"`
	Attempts    []TimelineAttempt `json:"attempts"`
	// Events are the redrives and cancels, oldest first.
	Events []TimelineEvent `json:"events"`
}

// TimelineAttempt is one attempt (jobs.Attempts).
type TimelineAttempt struct {
	Attempt   int                 `json:"attempt"`
	StartedAt time.Time           `json:"startedAt"`
	EndedAt   *time.Time          `json:"endedAt"`
	Outcome   jobs.AttemptOutcome `json:"outcome"`
	Error     string              `json:"error,omitempty"`
}

// TimelineEvent is a redrive or a cancel.
type TimelineEvent struct {
	At     time.Time      `json:"at"`
	Type   jobs.EventType `json:"type"`
	By     string         `json:"by"`
	Reason string         `json:"reason,omitempty"`
}

// Timeline returns job's Timeline.
func (r *Redriver) Timeline(job jobs.Job) Timeline {
	r = r.withDefaults()
	t := Timeline{Entry: r.jobEntry(job), CompletedAt: timeOrNil(job.CompletedAt), Attempts: []TimelineAttempt{}, Events: []TimelineEvent{}}
	for _, a := range jobs.Attempts(job) {
		t.Attempts = append(t.Attempts, TimelineAttempt{Attempt: a.Attempt, StartedAt: a.StartedAt, EndedAt: timeOrNil(a.EndedAt), Outcome: a.Outcome, Error: a.Error})
	}
	for _, e := range job.History {
		if e.Type == jobs.EventRedrive || e.Type == jobs.EventCancel {
			t.Events = append(t.Events, TimelineEvent{At: e.At, Type: e.Type, By: e.By, Reason: e.Detail})
		}
	}
	return t
}

// timeOrNil is &t, or nil for the zero time.
func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// stamp formats t for the CLI's tables: RFC 3339 in UTC, to the second.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// stampOrNil formats a time that may be unset.
func stampOrNil(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return stamp(*t)
}

// writeTimeline prints a timeline: the job, its attempts, its redrives and
// cancels.
func writeTimeline(w io.Writer, t Timeline) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "job\t%s\ntype\t%s\nowner\t%s\nstatus\t%s (attempt %d of %d)\n", t.JobID, t.JobType, t.Owner, t.Status, t.Attempt, t.MaxAttempts)
	fmt.Fprintf(tw, "dead-lettered\t%t\ncreated\t%s\nupdated\t%s\ncompleted\t%s\nerror\t%s\n",
		t.DeadLettered, stamp(t.CreatedAt), stamp(t.UpdatedAt), stampOrNil(t.CompletedAt), orDash(oneLine(t.Error, 200)))
	tw.Flush()

	fmt.Fprintf(w, "\nattempts (%d)\n", len(t.Attempts))
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ATTEMPT\tSTARTED\tENDED\tOUTCOME\tERROR")
	for _, a := range t.Attempts {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", a.Attempt, stamp(a.StartedAt), stampOrNil(a.EndedAt), a.Outcome, orDash(oneLine(a.Error, 80)))
	}
	tw.Flush()

	fmt.Fprintf(w, "\nredrives and cancels (%d)\n", len(t.Events))
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tEVENT\tBY\tREASON")
	for _, e := range t.Events {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", stamp(e.At), e.Type, orDash(e.By), orDash(oneLine(e.Reason, 80)))
	}
	tw.Flush()
}
