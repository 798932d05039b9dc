package api

import (
	"time"

	"jobline/internal/jobs"
	"jobline/internal/metrics"
	"jobline/internal/queue"
	"jobline/internal/redrive"
)

// adminJobView is a Job as admins see it: the owner's view, plus who owns
// it, whether it was dead-lettered, and its redrives and cancels with who
// and why. Lease tokens and worker IDs stay inside here too.
type adminJobView struct {
	jobView
	Owner        string              `json:"owner"`
	DeadLettered bool                `json:"deadLettered"`
	Redrives     []operatorEventView `json:"redrives"`
	Cancels      []operatorEventView `json:"cancels"`
}

// operatorEventView is a redrive or a cancel: when, by whom (an admin's or
// owner's ID, or "dead-letter queue" for the console's native redrive),
// and why (null when no reason was given).
type operatorEventView struct {
	At     *string `json:"at"`
	By     string  `json:"by"`
	Reason *string `json:"reason"`
}

// adminJobDetailView is GET /admin/jobs/{id}: the admin view with the
// job's whole history, oldest first.
type adminJobDetailView struct {
	adminJobView
	Timeline []eventView `json:"timeline"`
}

// eventView is one event of a job's history. attempt and outcome are set
// on attempt-ended events only; detail is an attempt's error or an
// operator's reason; by is who redrove or canceled.
type eventView struct {
	At      *string              `json:"at"`
	Type    jobs.EventType       `json:"type"`
	Attempt *int                 `json:"attempt"`
	Outcome *jobs.AttemptOutcome `json:"outcome"`
	Detail  *string              `json:"detail"`
	By      *string              `json:"by"`
}

// adminListView is the body of GET /admin/jobs.
type adminListView struct {
	Jobs       []adminJobView `json:"jobs"`
	NextCursor *string        `json:"nextCursor"`
}

// meView is the body of GET /admin/me.
type meView struct {
	UserID string `json:"userId"`
	Admin  bool   `json:"admin"`
}

// queueView is one queue's counts in GET /admin/queues.
type queueView struct {
	Name     string     `json:"name"`
	Role     queue.Role `json:"role"`
	Visible  int        `json:"visible"`
	InFlight int        `json:"inFlight"`
	Delayed  int        `json:"delayed"`
	Total    int        `json:"total"`
	// OldestAgeSeconds is the age of the oldest message, null when
	// unknown; OldestAgeSource says where it comes from: "queue" (exact,
	// the memory queue) or "cloudwatch" (SQS's ApproximateAgeOfOldestMessage,
	// up to a few minutes old; null for an idle queue).
	OldestAgeSeconds *float64 `json:"oldestAgeSeconds"`
	OldestAgeSource  *string  `json:"oldestAgeSource"`
}

// Sources of queueView.OldestAgeSource.
var (
	ageSourceQueue      = "queue"
	ageSourceCloudWatch = "cloudwatch"
)

// queuesView is the body of GET /admin/queues: the jobs queues, then the
// dead-letter queue.
type queuesView struct {
	Queues []queueView `json:"queues"`
}

// deadLetterView is one dead-lettered message and its job in GET
// /admin/dlq and in a redrive's items. A message that names no job, or
// whose job is gone, has null job fields and a problem.
type deadLetterView struct {
	MessageID    *string      `json:"messageId"`
	JobID        *string      `json:"jobId"`
	JobType      *string      `json:"jobType"`
	Owner        *string      `json:"owner"`
	Status       *jobs.Status `json:"status"`
	Error        *string      `json:"error"`
	Attempt      int          `json:"attempt"`
	MaxAttempts  int          `json:"maxAttempts"`
	DeadLettered bool         `json:"deadLettered"`
	CreatedAt    *string      `json:"createdAt"`
	UpdatedAt    *string      `json:"updatedAt"`
	AgeSeconds   int64        `json:"ageSeconds"`
	Problem      *string      `json:"problem"`
}

// deadLettersView is the body of GET /admin/dlq.
type deadLettersView struct {
	Entries []deadLetterView `json:"entries"`
}

// redriveView is the body of POST /admin/dlq/redrive.
type redriveView struct {
	DryRun   bool              `json:"dryRun"`
	Redriven int               `json:"redriven"`
	NotFound int               `json:"notFound"`
	Items    []redriveItemView `json:"items"`
}

// redriveItemView is what a redrive did (or, on a dry run, would do) with
// one job: action is redriven, removed-stale, skipped or not-found; on a
// dry run would-redrive or would-remove-stale instead of the first two.
type redriveItemView struct {
	deadLetterView
	Action redrive.Action `json:"action"`
	Detail *string        `json:"detail"`
}

// seriesView is one series of GET /admin/metrics: values[i] belongs to
// timestamps[i]; a step without data is 0 in a Sum and null otherwise.
type seriesView struct {
	JobType string       `json:"jobType"`
	Metric  metrics.Name `json:"metric"`
	Stat    metrics.Stat `json:"stat"`
	Unit    metrics.Unit `json:"unit"`
	Values  []*float64   `json:"values"`
}

// metricsView is the body of GET /admin/metrics.
type metricsView struct {
	Start       *string      `json:"start"`
	End         *string      `json:"end"`
	StepSeconds int          `json:"stepSeconds"`
	Timestamps  []*string    `json:"timestamps"`
	Series      []seriesView `json:"series"`
}

// viewAdminJob converts a stored job to the admin view.
func viewAdminJob(j jobs.Job) adminJobView {
	return adminJobView{
		jobView:      viewJob(j),
		Owner:        j.Owner,
		DeadLettered: j.DeadLettered,
		Redrives:     viewOperatorEvents(jobs.Redrives(j)),
		Cancels:      viewOperatorEvents(jobs.Cancels(j)),
	}
}

// viewOperatorEvents converts redrives or cancels; [] when there are none.
func viewOperatorEvents(events []jobs.Event) []operatorEventView {
	return viewEach(events, func(e jobs.Event) operatorEventView {
		return operatorEventView{At: formatTime(e.At), By: e.By, Reason: nonEmpty(e.Detail)}
	})
}

// viewAdminJobDetail is the admin view with the raw timeline.
func viewAdminJobDetail(j jobs.Job) adminJobDetailView {
	return adminJobDetailView{adminJobView: viewAdminJob(j), Timeline: viewEach(j.History, viewEvent)}
}

// viewEvent converts one history event.
func viewEvent(e jobs.Event) eventView {
	ev := eventView{At: formatTime(e.At), Type: e.Type, Detail: nonEmpty(e.Detail), By: nonEmpty(e.By)}
	if e.Type == jobs.EventAttemptEnded {
		attempt, outcome := e.Attempt, e.Outcome
		ev.Attempt, ev.Outcome = &attempt, &outcome
	}
	return ev
}

// viewAdminList converts a page of every owner's jobs.
func viewAdminList(page jobs.Page) adminListView {
	return adminListView{Jobs: viewEach(page.Jobs, viewAdminJob), NextCursor: nonEmpty(page.NextCursor)}
}

// viewQueue converts one queue's stats; the age is "queue"-sourced when the
// queue knows it.
func viewQueue(st queue.Stats) queueView {
	v := queueView{Name: st.Name, Role: st.Role, Visible: st.Visible, InFlight: st.InFlight, Delayed: st.Delayed, Total: st.Total()}
	if st.OldestKnown {
		secs := st.OldestAge.Seconds()
		v.OldestAgeSeconds, v.OldestAgeSource = &secs, &ageSourceQueue
	}
	return v
}

// viewDeadLetter converts a redrive.Entry.
func viewDeadLetter(e redrive.Entry) deadLetterView {
	v := deadLetterView{
		MessageID: nonEmpty(e.MessageID), JobID: nonEmpty(e.JobID), JobType: nonEmpty(e.JobType), Owner: nonEmpty(e.Owner),
		Error: nonEmpty(e.Error), Attempt: e.Attempt, MaxAttempts: e.MaxAttempts, DeadLettered: e.DeadLettered,
		CreatedAt: formatTime(e.CreatedAt), UpdatedAt: formatTime(e.UpdatedAt), AgeSeconds: e.AgeSeconds, Problem: nonEmpty(e.Problem),
	}
	if e.Status != "" {
		status := e.Status
		v.Status = &status
	}
	return v
}

// viewDeadLetters converts a DLQ listing; [] when empty.
func viewDeadLetters(entries []redrive.Entry) deadLettersView {
	return deadLettersView{Entries: viewEach(entries, viewDeadLetter)}
}

// viewRedrive converts a redrive's result.
func viewRedrive(res redrive.Result) redriveView {
	return redriveView{DryRun: res.DryRun, Redriven: res.Redriven, NotFound: res.NotFound(),
		Items: viewEach(res.Items, func(it redrive.Item) redriveItemView {
			return redriveItemView{deadLetterView: viewDeadLetter(it.Entry), Action: it.Action, Detail: nonEmpty(it.Detail)}
		})}
}

// viewMetrics converts a metrics report.
func viewMetrics(rep metrics.Report) metricsView {
	out := metricsView{
		Start: formatTime(rep.Start), End: formatTime(rep.Start.Add(rep.Step * time.Duration(rep.Steps))),
		StepSeconds: int(rep.Step.Seconds()), Timestamps: make([]*string, rep.Steps),
		Series: viewEach(rep.Series, func(s metrics.Series) seriesView {
			return seriesView{JobType: s.JobType, Metric: s.Metric, Stat: s.Stat, Unit: s.Unit, Values: s.Values}
		}),
	}
	for i := range rep.Steps {
		out.Timestamps[i] = formatTime(rep.Start.Add(rep.Step * time.Duration(i)))
	}
	return out
}
