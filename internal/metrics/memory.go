package metrics

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// DefaultRetention is how long Memory keeps its aggregates by default.
const DefaultRetention = MaxWindow

// Memory is the dev server's Recorder and Source: per-minute aggregates
// (sum, count, maximum) of each metric of each job type, kept for a
// retention. It is safe for concurrent use; its size is bounded by the
// retention's minutes times the job types times the metrics.
type Memory struct {
	retention time.Duration

	mu        sync.Mutex
	minutes   map[minuteKey]*aggregate
	lastPrune int64 // the minute of the last prune (Unix seconds)
}

// minuteKey names the aggregate of one metric of one job type in one
// minute (Unix seconds of the minute's start).
type minuteKey struct {
	minute  int64
	jobType string
	name    Name
}

// aggregate is what Memory keeps of the samples of one minuteKey.
type aggregate struct {
	sum, max float64
	count    int
}

// NewMemory returns an empty Memory that keeps its aggregates for
// retention (0: DefaultRetention).
func NewMemory(retention time.Duration) (*Memory, error) {
	if retention == 0 {
		retention = DefaultRetention
	}
	if retention < time.Minute {
		return nil, fmt.Errorf("metrics memory: retention %v is shorter than a minute", retention)
	}
	return &Memory{retention: retention, minutes: map[minuteKey]*aggregate{}}, nil
}

// Record adds the samples to the aggregates of their minute, and forgets
// the minutes older than the retention.
func (m *Memory) Record(at time.Time, jobType string, samples ...Sample) {
	minute := at.UTC().Truncate(time.Minute).Unix()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range samples {
		k := minuteKey{minute: minute, jobType: jobType, name: s.Name}
		a := m.minutes[k]
		if a == nil {
			a = &aggregate{max: s.Value}
			m.minutes[k] = a
		}
		a.sum += s.Value
		a.max = max(a.max, s.Value)
		a.count++
	}
	if minute > m.lastPrune {
		m.lastPrune = minute
		oldest := minute - int64(m.retention/time.Second)
		for k := range m.minutes {
			if k.minute < oldest {
				delete(m.minutes, k)
			}
		}
	}
}

// Query returns the series of every job type with samples in q's window.
func (m *Memory) Query(_ context.Context, q Query) (Report, error) {
	if err := q.Validate(); err != nil {
		return Report{}, err
	}
	q = q.withDefaults()
	rep := Report{Start: q.Start.UTC(), Step: q.Step, Steps: q.Steps()}
	start, end := q.Start.Unix(), q.End.Unix()
	stepSeconds := int64(q.Step / time.Second)

	m.mu.Lock()
	defer m.mu.Unlock()
	byType := map[string]map[Name][]*aggregate{}
	for k, a := range m.minutes {
		if k.minute < start || k.minute >= end {
			continue
		}
		if byType[k.jobType] == nil {
			byType[k.jobType] = map[Name][]*aggregate{}
		}
		steps := byType[k.jobType][k.name]
		if steps == nil {
			steps = make([]*aggregate, rep.Steps)
			byType[k.jobType][k.name] = steps
		}
		i := (k.minute - start) / stepSeconds
		if steps[i] == nil {
			steps[i] = &aggregate{max: a.max}
		}
		steps[i].sum += a.sum
		steps[i].max = max(steps[i].max, a.max)
		steps[i].count += a.count
	}
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	slices.Sort(types)
	for _, t := range types {
		for _, n := range Names() {
			for _, stat := range n.Stats() {
				rep.Series = append(rep.Series, seriesOf(t, n, stat, byType[t][n], rep.Steps))
			}
		}
	}
	return rep, nil
}

// seriesOf computes stat of a job type's metric from its per-step
// aggregates (nil where a step has none).
func seriesOf(jobType string, n Name, stat Stat, steps []*aggregate, count int) Series {
	s := NewSeries(jobType, n, stat, count)
	for i, a := range steps {
		if a == nil {
			continue
		}
		var v float64
		switch stat {
		case StatSum:
			v = a.sum
		case StatAverage:
			v = a.sum / float64(a.count)
		case StatMaximum:
			v = a.max
		}
		s.Values[i] = &v
	}
	return s
}
