// Package redrive is the operator's side of the dead-letter queue, shared by
// the dlqredrive Lambda and CLI: list what died, and run dead-lettered jobs
// again.
//
// A job whose attempts ran out is failed and dead-lettered in the store,
// and its message sits in the dead-letter queue. Redriving it is two steps,
// in this order: Store.Redrive (failed -> queued, recorded in the job's
// history), then moving the message back to its source queue. The order
// matters: a message that arrived before the job was queued again would be
// acknowledged as a duplicate of a finished job and the redrive lost.
//
// Redriving twice is harmless. A DLQ message whose job is already queued,
// running or finished again (an earlier redrive, or the console's native
// redrive) is stale: it is removed and the job is left alone. A job that is
// no longer in the store (its TTL expired) has nothing to run: its message
// is removed too.
package redrive

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"jobline/internal/clock"
	"jobline/internal/jobs"
	"jobline/internal/queue"
)

// Defaults of Redriver's fields.
const (
	// DefaultScanVisibility is how long a scan keeps each DLQ message it
	// read invisible, so that one pass does not see a message twice; the
	// scan makes them visible again when it ends.
	DefaultScanVisibility = 30 * time.Second
	// DefaultListMax is how many DLQ messages List reads when given 0.
	DefaultListMax = 100
	// DefaultReason is the history detail of a redrive without a reason.
	DefaultReason = "operator redrive"
	// DefaultOperator is who a redrive without Options.Operator records.
	DefaultOperator = "operator"
)

// Store is what a Redriver uses of a jobs.Store: it reads jobs and
// redrives them.
type Store interface {
	Get(ctx context.Context, id string) (jobs.Job, error)
	Redrive(ctx context.Context, id string, r jobs.RedriveRequest) (jobs.Job, error)
}

// Queue is what a Redriver uses of a queue.Queue: its dead-letter queue,
// and sending the message of a job redriven without one.
type Queue interface {
	Send(ctx context.Context, reqs ...queue.SendRequest) ([]string, error)
	DeadLetters() queue.DeadLetterQueue
}

// Redriver lists and redrives dead-lettered jobs.
type Redriver struct {
	// Store holds the jobs (a jobs.Store). Required.
	Store Store
	// Queue is the jobs queue (a queue.Queue) whose DeadLetters() is the
	// DLQ, and where a job without a DLQ message is sent again. Required.
	Queue Queue
	// Clock stamps redrives. Default: clock.Real.
	Clock clock.Clock
	// Logger records every action. Default: slog.Default().
	Logger *slog.Logger
	// ScanVisibility: see DefaultScanVisibility. Default:
	// DefaultScanVisibility.
	ScanVisibility time.Duration
	// PollWait is the long-poll wait of each DLQ receive; a receive that
	// returns nothing ends the scan. Default: 1s.
	PollWait time.Duration
}

func (r *Redriver) withDefaults() *Redriver {
	c := *r
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.ScanVisibility <= 0 {
		c.ScanVisibility = DefaultScanVisibility
	}
	if c.PollWait <= 0 {
		c.PollWait = time.Second
	}
	return &c
}

func (r *Redriver) validate() error {
	if r.Store == nil || r.Queue == nil {
		return errors.New("redrive: Store and Queue are required")
	}
	return nil
}

// Entry is one dead-lettered message and its job as the store has it.
type Entry struct {
	MessageID    string      `json:"messageId,omitempty"`
	JobID        string      `json:"jobId"`
	JobType      string      `json:"jobType"`
	Owner        string      `json:"owner"`
	Status       jobs.Status `json:"status"`
	Error        string      `json:"error"`
	Attempt      int         `json:"attempt"`
	MaxAttempts  int         `json:"maxAttempts"`
	DeadLettered bool        `json:"deadLettered"`
	CreatedAt    time.Time   `json:"createdAt"`
	// UpdatedAt is when the job last changed (for a dead job: when it
	// failed); for a message without a job, when the message was sent.
	UpdatedAt time.Time `json:"updatedAt"`
	// AgeSeconds is how long ago UpdatedAt was, in whole seconds.
	AgeSeconds int64 `json:"ageSeconds"`
	// Problem explains a message that cannot be redriven as is (bad body,
	// job no longer stored); empty otherwise.
	Problem string `json:"problem,omitempty"`
}

// List returns up to max (0: DefaultListMax) dead-lettered messages with
// their jobs. The messages stay in the queue, visible again once the
// listing ends.
func (r *Redriver) List(ctx context.Context, max int) ([]Entry, error) {
	r = r.withDefaults()
	if err := r.validate(); err != nil {
		return nil, err
	}
	if max <= 0 {
		max = DefaultListMax
	}
	var entries []Entry
	err := r.scan(ctx, max, func(m queue.Message) (bool, error) {
		e, _, err := r.entry(ctx, m)
		if err != nil {
			return false, err
		}
		entries = append(entries, e)
		return true, nil
	})
	return entries, err
}

// Options select what Redrive runs again: a selection of jobs (JobID,
// JobIDs), or every dead-lettered job (of JobType, when set).
type Options struct {
	// JobID redrives only this job (the Lambda payload's jobId); JobIDs
	// redrives only these jobs; both may be given. A selected job is
	// redriven even if its DLQ message is not visible (or missing): the job
	// is queued and a fresh message sent. A selected job the store does not
	// have is reported as ActionNotFound.
	JobID  string   `json:"jobId,omitempty"`
	JobIDs []string `json:"jobIds,omitempty"`
	// JobType redrives only jobs of this type.
	JobType string `json:"jobType,omitempty"`
	// Max stops after this many redriven jobs; 0: no limit.
	Max int `json:"max,omitempty"`
	// DryRun reports what would be done and changes nothing.
	DryRun bool `json:"dryRun,omitempty"`
	// Reason is recorded in the job's history. Default: DefaultReason.
	Reason string `json:"reason,omitempty"`
	// Operator is who redrives, recorded in the job's history. Default:
	// DefaultOperator.
	Operator string `json:"operator,omitempty"`
}

// Validate rejects options that cannot be right.
func (o Options) Validate() error {
	if o.Max < 0 {
		return fmt.Errorf("max must be 0 (no limit) or more, got %d", o.Max)
	}
	for _, id := range o.JobIDs {
		if id == "" {
			return errors.New("a selected job ID is empty")
		}
	}
	return nil
}

// selected returns the set of job IDs o selects; nil when it selects
// every dead-lettered job.
func (o Options) selected() map[string]bool {
	if o.JobID == "" && len(o.JobIDs) == 0 {
		return nil
	}
	ids := map[string]bool{}
	if o.JobID != "" {
		ids[o.JobID] = true
	}
	for _, id := range o.JobIDs {
		ids[id] = true
	}
	return ids
}

// Action is what Redrive did (or, on a dry run, would do) with a job.
type Action string

// Actions of a Result.
const (
	// ActionRedriven: the job was queued again and its message moved back
	// (or sent afresh when it had none).
	ActionRedriven Action = "redriven"
	// ActionRemovedStale: the DLQ message's job is no longer failed and
	// dead-lettered (already redriven, or gone from the store); the stale
	// message was deleted.
	ActionRemovedStale Action = "removed-stale"
	// ActionSkipped: the job cannot be redriven (for example failed but
	// never dead-lettered, or a message body that is not a job message);
	// nothing changed.
	ActionSkipped Action = "skipped"
)

// More actions: ActionNotFound is a selected job the store does not have
// (a wrong ID, or its retention expired); ActionWouldRedrive and
// ActionWouldRemoveStale are what a dry run reports instead of
// ActionRedriven and ActionRemovedStale. Nothing changed for any of them.
const (
	ActionNotFound         Action = "not-found"
	ActionWouldRedrive     Action = "would-redrive"
	ActionWouldRemoveStale Action = "would-remove-stale"
)

// dryRun is what a dry run reports of action.
func (a Action) dryRun() Action {
	switch a {
	case ActionRedriven:
		return ActionWouldRedrive
	case ActionRemovedStale:
		return ActionWouldRemoveStale
	}
	return a
}

// Item is one job Redrive acted on.
type Item struct {
	Entry
	Action Action `json:"action"`
	// Detail says why, for anything but a plain redrive.
	Detail string `json:"detail,omitempty"`
}

// Result is the outcome of Redrive.
type Result struct {
	DryRun bool `json:"dryRun"`
	// Redriven counts the jobs redriven (on a dry run: that would be).
	Redriven int    `json:"redriven"`
	Items    []Item `json:"items"`
}

// NotFound counts the selected jobs the store does not have.
func (r Result) NotFound() int {
	n := 0
	for _, it := range r.Items {
		if it.Action == ActionNotFound {
			n++
		}
	}
	return n
}

// add records an item, counting it when it is (or would be) redriven.
func (r *Result) add(item Item) {
	r.Items = append(r.Items, item)
	if item.Action == ActionRedriven || item.Action == ActionWouldRedrive {
		r.Redriven++
	}
}

// Redrive runs the dead-lettered jobs selected by o again. It reads the DLQ
// (every message, or until o.Max jobs are redriven), and also redrives each
// selected job whose message it did not find. It returns what it did even
// when it stops on an error.
func (r *Redriver) Redrive(ctx context.Context, o Options) (Result, error) {
	r = r.withDefaults()
	res := Result{DryRun: o.DryRun, Items: []Item{}}
	if err := r.validate(); err != nil {
		return res, err
	}
	if err := o.Validate(); err != nil {
		return res, err
	}
	if o.Reason == "" {
		o.Reason = DefaultReason
	}
	if o.Operator == "" {
		o.Operator = DefaultOperator
	}
	selected := o.selected()
	seen := map[string]bool{}
	full := func() bool { return o.Max > 0 && res.Redriven >= o.Max }
	err := r.scan(ctx, 0, func(m queue.Message) (bool, error) {
		if full() {
			return false, nil
		}
		e, job, err := r.entry(ctx, m)
		if err != nil {
			return false, err
		}
		if (selected != nil && !selected[e.JobID]) || (o.JobType != "" && e.JobType != o.JobType) {
			return true, nil
		}
		seen[e.JobID] = true
		item, err := r.redriveMessage(ctx, m, e, job, o)
		res.add(item)
		return true, err
	})
	if err != nil {
		return res, err
	}
	for _, id := range sortedIDs(selected) {
		if seen[id] || full() {
			continue
		}
		item, err := r.redriveWithoutMessage(ctx, id, o)
		res.add(item)
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// sortedIDs returns the IDs of a set in order.
func sortedIDs(set map[string]bool) []string {
	ids := make([]string, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// redriveMessage handles one DLQ message whose job passed the filters.
func (r *Redriver) redriveMessage(ctx context.Context, m queue.Message, e Entry, job jobs.Job, o Options) (Item, error) {
	item := Item{Entry: e}
	log := r.Logger.With("jobId", e.JobID, "jobType", e.JobType, "messageId", m.ID, "dryRun", o.DryRun)
	notRedrivable := jobs.CheckRedrive(job)
	switch {
	case e.Problem != "" && job.ID == "" && e.JobID == "":
		// Not a job message: leave it for a human to look at.
		item.Action, item.Detail = ActionSkipped, e.Problem
		return item, nil
	case job.ID == "":
		item.Action, item.Detail = ActionRemovedStale, e.Problem
	case notRedrivable == nil:
		item.Action = ActionRedriven
	case job.Status == jobs.StatusFailed:
		// Failed for good (never dead-lettered): its message is no stale
		// duplicate; leave it for a human to look at.
		item.Action, item.Detail = ActionSkipped, notRedrivable.Error()
		return item, nil
	default:
		// Redriven or finished since: the message is stale.
		item.Action, item.Detail = ActionRemovedStale, notRedrivable.Error()
	}
	if o.DryRun {
		item.Action = item.Action.dryRun()
		log.InfoContext(ctx, "dry run", "action", item.Action, "detail", item.Detail)
		return item, nil
	}
	if item.Action == ActionRemovedStale {
		if err := r.Queue.DeadLetters().Delete(ctx, m.ReceiptHandle); err != nil {
			return item, fmt.Errorf("delete stale dead-letter message %s of job %s: %w", m.ID, e.JobID, err)
		}
		log.InfoContext(ctx, "removed stale dead-letter message", "detail", item.Detail)
		return item, nil
	}
	if done, err := r.queueAgain(ctx, job, o, &item); !done {
		return item, err
	}
	if err := r.Queue.DeadLetters().Redrive(ctx, m); err != nil {
		// The job is queued without a message; the reconciler re-sends
		// the message of a job that stays queued.
		return item, fmt.Errorf("move message %s of redriven job %s back to its queue: %w", m.ID, job.ID, err)
	}
	log.InfoContext(ctx, "redrove job", "attempt", job.Attempt, "reason", o.Reason, "by", o.Operator)
	return item, nil
}

// queueAgain is the store half of a redrive: failed -> queued, recorded in
// the job's history. It reports false when the job was not queued: an error,
// or someone redrove it between our read and our write (item then says the
// job was skipped).
func (r *Redriver) queueAgain(ctx context.Context, job jobs.Job, o Options, item *Item) (bool, error) {
	redriven, err := r.Store.Redrive(ctx, job.ID, jobs.RedriveRequest{Reason: o.Reason, By: o.Operator, Now: r.Clock.Now()})
	if err != nil {
		if cur, ok := jobs.CurrentJob(err); ok && errors.Is(err, jobs.ErrInvalidTransition) {
			item.Status = cur.Status
			item.Action, item.Detail = ActionSkipped, fmt.Sprintf("job is %s already", cur.Status)
			return false, nil
		}
		return false, fmt.Errorf("redrive job %s: %w", job.ID, err)
	}
	item.Status = redriven.Status
	return true, nil
}

// redriveWithoutMessage redrives the selected job id when the scan did not
// find its message: the job is queued again and a fresh message sent.
func (r *Redriver) redriveWithoutMessage(ctx context.Context, id string, o Options) (Item, error) {
	job, err := r.Store.Get(ctx, id)
	if errors.Is(err, jobs.ErrNotFound) {
		return Item{Entry: Entry{JobID: id}, Action: ActionNotFound, Detail: "no such job"}, nil
	}
	if err != nil {
		return Item{Entry: Entry{JobID: id}, Action: ActionSkipped, Detail: "could not read the job"}, fmt.Errorf("get job %s: %w", id, err)
	}
	item := Item{Entry: r.jobEntry(job)}
	if o.JobType != "" && job.JobType != o.JobType {
		item.Action, item.Detail = ActionSkipped, fmt.Sprintf("job type is %s, not %s", job.JobType, o.JobType)
		return item, nil
	}
	if err := jobs.CheckRedrive(job); err != nil {
		item.Action, item.Detail = ActionSkipped, err.Error()
		return item, nil
	}
	item.Action, item.Detail = ActionRedriven, "no dead-letter message found; a new message is sent"
	if o.DryRun {
		item.Action = item.Action.dryRun()
		return item, nil
	}
	if done, err := r.queueAgain(ctx, job, o, &item); !done {
		return item, err
	}
	if _, err := r.Queue.Send(ctx, queue.JobSend(job, 0)); err != nil {
		return item, fmt.Errorf("send message of redriven job %s: %w", job.ID, err)
	}
	r.Logger.InfoContext(ctx, "redrove job without a dead-letter message", "jobId", job.ID, "jobType", job.JobType, "reason", o.Reason, "by", o.Operator)
	return item, nil
}

// scan receives DLQ messages until the queue looks empty, visit returns
// false, or max messages (0: no limit) were visited.
func (r *Redriver) scan(ctx context.Context, max int, visit func(queue.Message) (bool, error)) error {
	dlq := r.Queue.DeadLetters()
	seen := map[string]bool{}
	visited := 0
	// Every message the scan received is made visible again at the end:
	// those it redrove or deleted are gone (their receipts are ignored),
	// the others are left as they were, for the next listing or redrive.
	var received []string
	defer func() {
		if len(received) == 0 {
			return
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := dlq.Release(rctx, received...); err != nil {
			r.Logger.WarnContext(ctx, "could not make listed dead letters visible again; they reappear after the scan visibility",
				"messages", len(received), "visibility", r.ScanVisibility.String(), "error", err)
		}
	}()
	for {
		batch := queue.MaxBatch
		if max > 0 && max-visited < batch {
			batch = max - visited
		}
		msgs, err := dlq.Receive(ctx, queue.ReceiveRequest{Max: batch, Visibility: r.ScanVisibility, Wait: r.PollWait})
		if err != nil {
			return fmt.Errorf("receive dead-letter messages: %w", err)
		}
		if len(msgs) == 0 {
			return nil
		}
		for _, m := range msgs {
			received = append(received, m.ReceiptHandle)
		}
		for _, m := range msgs {
			if seen[m.ID] {
				continue // its visibility ran out during a long scan
			}
			seen[m.ID] = true
			more, err := visit(m)
			if err != nil {
				return err
			}
			visited++
			if !more || (max > 0 && visited >= max) {
				return nil
			}
		}
	}
}

// entry describes a DLQ message with its job. The job is zero when the
// body is not a job message or the job is no longer stored (Problem says
// which).
func (r *Redriver) entry(ctx context.Context, m queue.Message) (Entry, jobs.Job, error) {
	msg, err := queue.DecodeJobMessage(m.Body)
	if err != nil {
		return Entry{MessageID: m.ID, Problem: err.Error(), UpdatedAt: m.SentAt, AgeSeconds: r.ageSeconds(m.SentAt)}, jobs.Job{}, nil
	}
	job, err := r.Store.Get(ctx, msg.JobID)
	if errors.Is(err, jobs.ErrNotFound) {
		return Entry{MessageID: m.ID, JobID: msg.JobID, JobType: msg.JobType, Problem: "job not found in the store (expired or deleted)"}, jobs.Job{}, nil
	}
	if err != nil {
		return Entry{}, jobs.Job{}, fmt.Errorf("get job %s of dead-letter message %s: %w", msg.JobID, m.ID, err)
	}
	e := r.jobEntry(job)
	e.MessageID = m.ID
	return e, job, nil
}

func (r *Redriver) jobEntry(job jobs.Job) Entry {
	return Entry{
		JobID:        job.ID,
		JobType:      job.JobType,
		Owner:        job.Owner,
		Status:       job.Status,
		Error:        job.ErrorMessage,
		Attempt:      job.Attempt,
		MaxAttempts:  job.MaxAttempts,
		DeadLettered: job.DeadLettered,
		CreatedAt:    job.CreatedAt,
		UpdatedAt:    job.UpdatedAt,
		AgeSeconds:   r.ageSeconds(job.UpdatedAt),
	}
}

// ageSeconds is how many whole seconds ago t was.
func (r *Redriver) ageSeconds(t time.Time) int64 {
	return int64(r.Clock.Now().Sub(t) / time.Second)
}

// Job returns one job, for an operator to read its timeline
// (dlqredrive show).
func (r *Redriver) Job(ctx context.Context, id string) (jobs.Job, error) {
	r = r.withDefaults()
	if err := r.validate(); err != nil {
		return jobs.Job{}, err
	}
	// The store's errors name the job already.
	return r.Store.Get(ctx, id)
}
