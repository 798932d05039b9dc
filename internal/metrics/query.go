package metrics

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Bounds of a Query.
const (
	// DefaultStep is the width of a report's steps: one minute, the finest
	// period CloudWatch keeps for EMF metrics beyond three hours.
	DefaultStep = time.Minute
	// MaxWindow is the longest window a Query may cover: what Memory keeps
	// by default.
	MaxWindow = 3 * time.Hour
)

// Query asks for every job type's metrics over [Start, End), one value per
// Step.
type Query struct {
	Start, End time.Time
	// Step is a whole number of minutes. Default: DefaultStep.
	Step time.Duration
}

// LastWindow is the query of the window that ends with the minute now
// falls in (included, even though it is not over), in steps of a minute.
func LastWindow(now time.Time, window time.Duration) Query {
	end := now.UTC().Truncate(time.Minute).Add(time.Minute)
	return Query{Start: end.Add(-window), End: end, Step: DefaultStep}
}

// withDefaults fills in Step.
func (q Query) withDefaults() Query {
	if q.Step == 0 {
		q.Step = DefaultStep
	}
	return q
}

// Validate reports a query no source can answer.
func (q Query) Validate() error {
	q = q.withDefaults()
	switch {
	case q.Step < time.Minute || q.Step%time.Minute != 0:
		return fmt.Errorf("metrics query: step %v is not a whole number of minutes", q.Step)
	case !q.End.After(q.Start):
		return errors.New("metrics query: end must be after start")
	case q.End.Sub(q.Start) > MaxWindow:
		return fmt.Errorf("metrics query: window %v is longer than %v", q.End.Sub(q.Start), MaxWindow)
	case q.End.Sub(q.Start)%q.Step != 0:
		return fmt.Errorf("metrics query: window %v is not a whole number of %v steps", q.End.Sub(q.Start), q.Step)
	}
	return nil
}

// Steps is how many values each series of the query's report has.
func (q Query) Steps() int {
	q = q.withDefaults()
	return int(q.End.Sub(q.Start) / q.Step)
}

// Stat is how a series aggregates the samples of one step.
type Stat string

// Statistics, named as CloudWatch names them.
const (
	StatSum     Stat = "Sum"
	StatAverage Stat = "Average"
	StatMaximum Stat = "Maximum"
)

// Stats returns the statistics a report gives of n: the sum of a count;
// the average and the maximum of a time.
func (n Name) Stats() []Stat {
	if n.Unit() == UnitMilliseconds {
		return []Stat{StatAverage, StatMaximum}
	}
	return []Stat{StatSum}
}

// Series is one statistic of one metric of one job type over a report's
// steps.
type Series struct {
	JobType string
	Metric  Name
	Stat    Stat
	Unit    Unit
	// Values holds one value per step, the first at the report's Start.
	// A step without samples is 0 for a sum and nil for an average or a
	// maximum.
	Values []*float64
}

// Report is the answer to a Query: a series for each statistic of each
// metric of each job type that has samples in the window (a source that
// knows its job types in advance, such as CloudWatch's, answers for all of
// them), ordered by job type, then as Names and Stats list them.
type Report struct {
	Start  time.Time
	Step   time.Duration
	Steps  int
	Series []Series
}

// Source answers metric queries: Memory on the dev server, CloudWatch in
// AWS (cloudwatchmetrics.Reader).
type Source interface {
	Query(ctx context.Context, q Query) (Report, error)
}

// emptyValues returns the values of a series of n steps with no samples.
func emptyValues(stat Stat, n int) []*float64 {
	values := make([]*float64, n)
	if stat == StatSum {
		for i := range values {
			values[i] = new(float64)
		}
	}
	return values
}

// NewSeries returns the series of stat of one job type's metric with no
// samples yet, for a source to fill.
func NewSeries(jobType string, metric Name, stat Stat, steps int) Series {
	return Series{JobType: jobType, Metric: metric, Stat: stat, Unit: metric.Unit(), Values: emptyValues(stat, steps)}
}
