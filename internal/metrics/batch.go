package metrics

import (
	"sync"
	"time"
)

// Batch is a Recorder that gathers the samples of each job type and
// passes them to its EMF recorder as one line per job type when Flush is
// called (processjob: at the end of each invocation, as Powertools for
// Lambda does), so that a batch of ten jobs of one type costs one EMF line
// of CloudWatch Logs, with each metric's samples as an array of values, not
// ten lines (docs/aws.md, "CloudWatch Logs"). A job type's samples are
// also written before the line would hold more than MaxBatchValues samples
// of a metric (EMF's limit) or span more than MaxBatchAge, so that a long
// invocation's datapoints keep their minute.
type Batch struct {
	emf *EMF

	mu      sync.Mutex
	pending map[string]*batchLine
}

// MaxBatchValues is the most values a metric has in one EMF line.
const MaxBatchValues = 100

// MaxBatchAge is how long a job type's first sample waits for the others.
const MaxBatchAge = 10 * time.Second

// batchLine is the samples of one job type waiting for Flush.
type batchLine struct {
	first   time.Time // the first sample's time: the line's timestamp
	samples []Sample
	counts  map[Name]int
}

// NewBatch returns a Batch writing its lines with emf.
func NewBatch(emf *EMF) *Batch {
	return &Batch{emf: emf, pending: map[string]*batchLine{}}
}

// Record adds the samples to jobType's line, writing the line first when
// it is full or older than MaxBatchAge at at.
func (b *Batch) Record(at time.Time, jobType string, samples ...Sample) {
	if len(samples) == 0 {
		return
	}
	b.mu.Lock()
	var full *batchLine // written after the lock, replaced by a new line now
	line := b.pending[jobType]
	if line != nil && (at.Sub(line.first) > MaxBatchAge || line.wouldOverflow(samples)) {
		full, line = line, nil
	}
	if line == nil {
		line = &batchLine{first: at, counts: map[Name]int{}}
		b.pending[jobType] = line
	}
	line.samples = append(line.samples, samples...)
	for _, s := range samples {
		line.counts[s.Name]++
	}
	b.mu.Unlock()
	if full != nil {
		b.emf.Record(full.first, jobType, full.samples...)
	}
}

// wouldOverflow reports whether adding samples would give a metric more
// than MaxBatchValues values.
func (l *batchLine) wouldOverflow(samples []Sample) bool {
	added := map[Name]int{}
	for _, s := range samples {
		added[s.Name]++
		if l.counts[s.Name]+added[s.Name] > MaxBatchValues {
			return true
		}
	}
	return false
}

// Flush writes every job type's waiting samples, a line each.
func (b *Batch) Flush() {
	b.mu.Lock()
	pending := b.pending
	b.pending = map[string]*batchLine{}
	b.mu.Unlock()
	for jobType, line := range pending {
		b.emf.Record(line.first, jobType, line.samples...)
	}
}
