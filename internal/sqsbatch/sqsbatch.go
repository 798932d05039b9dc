// Package sqsbatch runs the records of a Lambda SQS event through the
// engine, a few at a time, and reports as batch item failures exactly the
// records whose messages must come back (processjob). Before the records
// it runs the messages waiting in the high-priority lane, a queue that no
// event source mapping polls, when the batch gives a reason to look there
// (LaneGate). It declares what it needs of the engine, of
// the queue, of SQS's record format and of the lane as small interfaces;
// *worker.Engine and *sqsqueue.Queue implement them.
package sqsbatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"jobline/internal/queue"
	"jobline/internal/worker"
)

// Processor processes one message; *worker.Engine is one.
type Processor interface {
	Process(ctx context.Context, m queue.Message) worker.Result
}

// VisibilityChanger makes a received message visible again after d;
// *sqsqueue.Queue is one.
type VisibilityChanger interface {
	ChangeVisibility(ctx context.Context, receiptHandle string, d time.Duration) error
}

// RecordConverter turns a record of an SQS event into the queue.Message
// the engine takes, with a receipt handle that VisibilityChanger and the
// engine's queue accept; *sqsqueue.Queue is one.
type RecordConverter interface {
	Message(r events.SQSMessage) (queue.Message, error)
}

// Lane is the high-priority queue that no event source mapping polls
// (sqsqueue's lane): the runner takes its messages at the start of an
// invocation and runs them before the batch's records, deleting those the
// engine is done with; a wake-up record of the batch only started the
// invocation, and the mapping deletes it. A lane message the runner leaves
// to come back later gets a wake-up delayed like it (WakeAfter).
// *sqsqueue.Queue is one.
type Lane interface {
	ReceiveLane(ctx context.Context, max int) ([]queue.Message, error)
	Delete(ctx context.Context, receiptHandle string) error
	IsWakeUp(r events.SQSMessage) bool
	WakeAfter(ctx context.Context, d time.Duration) error
}

// Defaults of Config.
const (
	DefaultConcurrency    = 4
	DefaultMinRemaining   = 15 * time.Second
	DefaultStopMargin     = 3 * time.Second
	DefaultUnstartedDelay = 1 * time.Second
	DefaultLaneInterval   = 1 * time.Second
)

// Config configures a Runner.
type Config struct {
	// Engine processes each record. Required.
	Engine Processor
	// Queue makes unstarted records visible again soon. Required.
	Queue VisibilityChanger
	// Records converts each record into a message. Required.
	Records RecordConverter
	// Lane is the high-priority lane, up to Concurrency of whose messages
	// run at the start of an invocation that looks at it (LaneGate).
	// Default nil: no lane (every record is a job's message).
	Lane Lane
	// FullBatch is the event source mapping's BatchSize: a batch this
	// large tells of a backlog. Default: queue.MaxBatch (template.yaml's
	// ProcessBatchSize).
	FullBatch int
	// LaneInterval: a full batch without a wake-up looks at the lane if
	// the runner has not looked there for this long. Default:
	// DefaultLaneInterval.
	LaneInterval time.Duration
	// Now is the clock of LaneInterval. Default: time.Now.
	Now func() time.Time
	// Concurrency is how many records of a batch run at once. Default:
	// DefaultConcurrency.
	Concurrency int
	// MinRemaining: a record is not started when less time than this is
	// left before the invocation's deadline; it is reported as a failure
	// and comes back after UnstartedDelay. Default: DefaultMinRemaining.
	MinRemaining time.Duration
	// StopMargin ends the engine's context this long before the
	// invocation's deadline, so that running records can leave their
	// messages to be redelivered and the response still gets out.
	// Default: DefaultStopMargin.
	StopMargin time.Duration
	// UnstartedDelay is when an unstarted record becomes visible again.
	// Default: DefaultUnstartedDelay.
	UnstartedDelay time.Duration
	// Logger. Default: slog.Default().
	Logger *slog.Logger
}

// withDefaults returns cfg with every unset field at its default.
func (cfg Config) withDefaults() Config {
	if cfg.Concurrency == 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.MinRemaining == 0 {
		cfg.MinRemaining = DefaultMinRemaining
	}
	if cfg.StopMargin == 0 {
		cfg.StopMargin = DefaultStopMargin
	}
	if cfg.UnstartedDelay == 0 {
		cfg.UnstartedDelay = DefaultUnstartedDelay
	}
	if cfg.FullBatch == 0 {
		cfg.FullBatch = queue.MaxBatch
	}
	if cfg.LaneInterval == 0 {
		cfg.LaneInterval = DefaultLaneInterval
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg
}

// validate reports the first missing or impossible setting.
func (cfg Config) validate() error {
	switch {
	case cfg.Engine == nil || cfg.Queue == nil || cfg.Records == nil:
		return errors.New("sqsbatch: Engine, Queue and Records are required")
	case cfg.Concurrency < 1 || cfg.MinRemaining < 0 || cfg.StopMargin < 0 || cfg.UnstartedDelay < 0 || cfg.LaneInterval < 0 || cfg.FullBatch < 1:
		return fmt.Errorf("sqsbatch: Concurrency and FullBatch must be >= 1 (got %d and %d) and durations not negative", cfg.Concurrency, cfg.FullBatch)
	}
	return nil
}

// Runner runs the records of SQS events through the engine.
type Runner struct {
	cfg  Config
	gate *LaneGate
}

// New checks cfg, fills its defaults and returns a Runner.
func New(cfg Config) (*Runner, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Runner{cfg: cfg, gate: NewLaneGate(cfg.FullBatch, cfg.LaneInterval, cfg.Now)}, nil
}

// LaneGate says when an invocation looks at the lane, one SQS request:
// when a record of its batch is a wake-up (a message was sent to the lane,
// or one left there comes back); when the last look filled its page (more
// may be waiting); and when the batch is full, the sign of a backlog that
// the lane's messages are to overtake, and nobody has looked for the
// interval. A batch of a few records without a wake-up skips it: without a
// backlog, every lane message's wake-up comes soon, and the reconciler
// wakes the lane each minute for a message that came back without one
// (docs/aws.md, "SQS"). The Runner keeps one; so does the cost harness,
// which follows the same rule. It is safe for concurrent use.
type LaneGate struct {
	fullBatch int
	interval  time.Duration
	now       func() time.Time

	mu      sync.Mutex
	looked  time.Time // the last look
	refills bool      // it filled its page (or failed): look again
}

// NewLaneGate returns the gate of batches of fullBatch records (the event
// source mapping's BatchSize), looking on a full batch at most once per
// interval on now's clock.
func NewLaneGate(fullBatch int, interval time.Duration, now func() time.Time) *LaneGate {
	return &LaneGate{fullBatch: fullBatch, interval: interval, now: now}
}

// Looks reports whether an invocation of a batch of records records, of
// which one is a wake-up if wakeUp, looks at the lane, and counts the look.
func (g *LaneGate) Looks(records int, wakeUp bool) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	backlog := records >= g.fullBatch && now.Sub(g.looked) >= g.interval
	if !wakeUp && !g.refills && !backlog {
		return false
	}
	g.looked = now
	return true
}

// Found records what a look found: full when it filled its page or failed,
// so that the next invocation looks again.
func (g *LaneGate) Found(full bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.refills = full
}

// item is a message to run: a record of the batch (record is its index) or
// a message of the lane (record is -1).
type item struct {
	m      queue.Message
	record int
}

// Handle runs the lane's waiting messages, then the batch's records,
// concurrently, and reports as batch item failures exactly the records
// whose messages must come back: those the engine kept (retries,
// deferrals, transient errors) and those not started for lack of time.
// Records the engine deleted or dead-lettered are successes, so the event
// source mapping deletes them; lane messages the engine is done with are
// deleted here.
func (r *Runner) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	runCtx, cancel := ctx, context.CancelFunc(func() {})
	deadline, hasDeadline := ctx.Deadline()
	if hasDeadline {
		runCtx, cancel = context.WithDeadline(ctx, deadline.Add(-r.cfg.StopMargin))
	}
	defer cancel()

	failed := make([]bool, len(ev.Records))
	items := append(r.laneItems(ctx, ev), r.recordItems(ctx, ev, failed)...)
	sem := make(chan struct{}, r.cfg.Concurrency)
	var wg sync.WaitGroup
	for _, it := range items {
		sem <- struct{}{}
		if hasDeadline && time.Until(deadline) < r.cfg.MinRemaining {
			<-sem
			r.unstarted(ctx, it.m)
			if it.record >= 0 {
				failed[it.record] = true
			} else {
				r.wakeLaneAfter(ctx, it.m, r.cfg.UnstartedDelay)
			}
			continue
		}
		wg.Add(1)
		go func(it item) {
			defer wg.Done()
			defer func() { <-sem }()
			r.run(ctx, runCtx, it, failed)
		}(it)
	}
	wg.Wait()

	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for i, f := range failed {
		if f {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: ev.Records[i].MessageId})
		}
	}
	return resp, nil
}

// run processes it with runCtx and carries out the result: a record the
// engine kept is marked in failed (each goroutine writes its own index); a
// lane message the engine is done with is deleted, and one it left to come
// back within SQS's longest delay gets a wake-up delayed like it.
func (r *Runner) run(ctx, runCtx context.Context, it item, failed []bool) {
	res := r.cfg.Engine.Process(runCtx, it.m)
	r.cfg.Logger.InfoContext(ctx, "record processed", "messageId", it.m.ID, "jobId", res.JobID, "lane", it.record < 0,
		"attempt", res.Attempt, "status", res.Status, "disposition", res.Disposition.String(), "reason", res.Reason)
	switch {
	case it.record >= 0:
		failed[it.record] = res.Disposition == worker.RedeliverLater
	case res.Disposition == worker.AckMessage:
		r.deleteLaneMessage(ctx, it.m)
	case res.VisibleAfter >= 0 && res.VisibleAfter <= queue.MaxDelay:
		r.wakeLaneAfter(ctx, it.m, res.VisibleAfter)
	}
}

// laneItems takes the lane's waiting messages if the invocation looks at
// the lane (LaneGate). A failed receive is logged: the batch's own records
// still run, and the lane's messages wait for the next look.
func (r *Runner) laneItems(ctx context.Context, ev events.SQSEvent) []item {
	if r.cfg.Lane == nil || !r.gate.Looks(len(ev.Records), slices.ContainsFunc(ev.Records, r.cfg.Lane.IsWakeUp)) {
		return nil
	}
	page := min(r.cfg.Concurrency, queue.MaxBatch)
	msgs, err := r.cfg.Lane.ReceiveLane(ctx, page)
	r.gate.Found(err != nil || len(msgs) == page)
	if err != nil {
		r.cfg.Logger.WarnContext(ctx, "could not receive from the high-priority lane", "error", err)
		return nil
	}
	items := make([]item, len(msgs))
	for i, m := range msgs {
		items[i] = item{m: m, record: -1}
	}
	return items
}

// recordItems converts the batch's records, leaving out wake-ups; a record
// that cannot be converted is marked failed.
func (r *Runner) recordItems(ctx context.Context, ev events.SQSEvent, failed []bool) []item {
	var items []item
	for i, rec := range ev.Records {
		if r.cfg.Lane != nil && r.cfg.Lane.IsWakeUp(rec) {
			continue
		}
		m, err := r.cfg.Records.Message(rec)
		if err != nil {
			r.cfg.Logger.ErrorContext(ctx, "cannot process record", "messageId", rec.MessageId, "error", err)
			failed[i] = true
			continue
		}
		items = append(items, item{m: m, record: i})
	}
	return items
}

// deleteLaneMessage acknowledges a lane message the engine is done with.
// A failure only means it comes back, and the engine finds its job done.
func (r *Runner) deleteLaneMessage(ctx context.Context, m queue.Message) {
	if err := r.cfg.Lane.Delete(context.WithoutCancel(ctx), m.ReceiptHandle); err != nil {
		r.cfg.Logger.WarnContext(ctx, "could not delete the lane message; it will come back (harmless)", "messageId", m.ID, "error", err)
	}
}

// wakeLaneAfter sends a wake-up delayed by d for a lane message that comes
// back after d. A failure is logged: the reconciler's minute wakes the lane
// for it then.
func (r *Runner) wakeLaneAfter(ctx context.Context, m queue.Message, d time.Duration) {
	if err := r.cfg.Lane.WakeAfter(context.WithoutCancel(ctx), d); err != nil {
		r.cfg.Logger.WarnContext(ctx, "could not send the wake-up of a lane message left to come back; the reconciler will", "messageId", m.ID, "error", err)
	}
}

// unstarted makes a record that will not run in this invocation visible
// again soon, instead of after the queue's long visibility timeout.
func (r *Runner) unstarted(ctx context.Context, m queue.Message) {
	r.cfg.Logger.WarnContext(ctx, "too little time left; record not started", "messageId", m.ID)
	if err := r.cfg.Queue.ChangeVisibility(ctx, m.ReceiptHandle, r.cfg.UnstartedDelay); err != nil {
		r.cfg.Logger.WarnContext(ctx, "could not make the unstarted record visible again", "messageId", m.ID, "error", err)
	}
}
