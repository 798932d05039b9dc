// Package metrics is what Jobline measures of its jobs, per job type: how
// many were created, completed, partial, failed, dead-lettered, canceled
// and retried, how long their handlers ran and how long they waited in the
// queue.
//
// Measurements go to a Recorder. In AWS it is EMF, which writes CloudWatch
// Embedded Metric Format lines to the function's log: CloudWatch Logs turns
// them into metrics of the namespace (one per stack), with the dimension
// JobType, without an API call. On the dev server it is Memory, which keeps
// per-minute aggregates in the process and answers the same Query as
// CloudWatch's GetMetricData does in AWS (package cloudwatchmetrics), so
// that the Ops view draws the same charts from either.
package metrics

import (
	"time"
)

// Name is a metric's name, as CloudWatch shows it.
type Name string

// The counts the API keeps, 1 per job: Created (the API stored a new job,
// not an idempotent replay) and Canceled (an owner or an operator canceled
// it, counted where the cancel happens).
const (
	Created  Name = "JobsCreated"
	Canceled Name = "JobsCanceled"
)

// The counts the engine keeps, 1 per attempt: Completed, Partial and Failed
// (the attempt ended the job so); DeadLettered (a failed job's message went
// to the dead-letter queue, counted besides Failed); Retried (the attempt
// failed with a retryable error and another one follows).
const (
	Completed    Name = "JobsCompleted"
	Partial      Name = "JobsPartial"
	Failed       Name = "JobsFailed"
	DeadLettered Name = "JobsDeadLettered"
	Retried      Name = "JobsRetried"
)

// The times, in milliseconds: RunTime is how long one attempt's handler
// ran (every attempt); QueueWait how long a job waited for its first
// attempt, from when it became due (created, plus its delaySeconds; or
// redriven) until a worker claimed it.
const (
	RunTime   Name = "RunTime"
	QueueWait Name = "QueueWait"
)

// Names returns every metric, counts first, in a fixed order.
func Names() []Name {
	return []Name{Created, Completed, Partial, Failed, DeadLettered, Canceled, Retried, RunTime, QueueWait}
}

// Unit is a metric's CloudWatch unit.
type Unit string

// Units of the metrics.
const (
	UnitCount        Unit = "Count"
	UnitMilliseconds Unit = "Milliseconds"
)

// Unit returns the metric's unit: milliseconds for RunTime and QueueWait,
// a count for the others.
func (n Name) Unit() Unit {
	if n == RunTime || n == QueueWait {
		return UnitMilliseconds
	}
	return UnitCount
}

// Sample is one measurement of a metric.
type Sample struct {
	Name  Name
	Value float64
}

// Count is a sample counting one event.
func Count(n Name) Sample { return Sample{Name: n, Value: 1} }

// Duration is a sample of a time metric, in milliseconds.
func Duration(n Name, d time.Duration) Sample {
	return Sample{Name: n, Value: float64(d.Microseconds()) / 1000}
}

// Recorder records samples of one job type, taken at one time. It must be
// safe for concurrent use and must not block for long: it is called on the
// job's path.
type Recorder interface {
	Record(at time.Time, jobType string, samples ...Sample)
}

// Discard is a Recorder that drops everything: the default of the parts
// that take one.
type Discard struct{}

// Record does nothing.
func (Discard) Record(time.Time, string, ...Sample) {}
