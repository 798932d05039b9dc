package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// DefaultNamespace is the CloudWatch namespace of EMF's metrics when none
// is given; template.yaml gives each stack its own (Jobline/<stack>).
const DefaultNamespace = "Jobline"

// DimensionJobType is the one dimension of every job metric.
const DimensionJobType = "JobType"

// EMF is a Recorder that writes each Record as one CloudWatch Embedded
// Metric Format line (a JSON object) to its writer, the Lambda function's
// standard output, from which CloudWatch Logs extracts the metrics. A line
// carries no "level", so Lambda's log-level filter treats it as INFO: a
// function whose application log level is WARN or ERROR drops its metrics.
type EMF struct {
	namespace string
	log       *slog.Logger // where a failed write is reported

	mu sync.Mutex // one line at a time
	w  io.Writer
}

// NewEMF returns an EMF recorder writing to w in namespace (""
// DefaultNamespace). A write that fails is logged to log (nil:
// slog.Default()) and otherwise ignored: metrics never fail a job.
func NewEMF(w io.Writer, namespace string, log *slog.Logger) *EMF {
	if namespace == "" {
		namespace = DefaultNamespace
	}
	if log == nil {
		log = slog.Default()
	}
	return &EMF{namespace: namespace, log: log, w: w}
}

// emfMetric is one metric's declaration in the _aws metadata.
type emfMetric struct {
	Name string `json:"Name"`
	Unit Unit   `json:"Unit"`
}

// emfDirective is the CloudWatchMetrics entry of the _aws metadata.
type emfDirective struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []emfMetric `json:"Metrics"`
}

// emfMetadata is the _aws member of an EMF line.
type emfMetadata struct {
	Timestamp         int64          `json:"Timestamp"`
	CloudWatchMetrics []emfDirective `json:"CloudWatchMetrics"`
}

// Line returns the EMF line (without its newline) of samples of jobType
// taken at at: the _aws metadata, the JobType dimension and each metric's
// value (an array when a metric has several samples).
func (e *EMF) Line(at time.Time, jobType string, samples ...Sample) ([]byte, error) {
	values := map[Name][]float64{}
	directive := emfDirective{Namespace: e.namespace, Dimensions: [][]string{{DimensionJobType}}}
	for _, s := range samples {
		if _, seen := values[s.Name]; !seen {
			directive.Metrics = append(directive.Metrics, emfMetric{Name: string(s.Name), Unit: s.Name.Unit()})
		}
		values[s.Name] = append(values[s.Name], s.Value)
	}
	line := map[string]any{
		"_aws":           emfMetadata{Timestamp: at.UnixMilli(), CloudWatchMetrics: []emfDirective{directive}},
		DimensionJobType: jobType,
	}
	for name, v := range values {
		if len(v) == 1 {
			line[string(name)] = v[0]
		} else {
			line[string(name)] = v
		}
	}
	b, err := json.Marshal(line)
	if err != nil {
		return nil, fmt.Errorf("emf line of %s: %w", jobType, err)
	}
	return b, nil
}

// Record writes the samples' EMF line; with no samples it writes nothing.
func (e *EMF) Record(at time.Time, jobType string, samples ...Sample) {
	if len(samples) == 0 {
		return
	}
	line, err := e.Line(at, jobType, samples...)
	if err == nil {
		e.mu.Lock()
		_, err = e.w.Write(append(line, '\n'))
		e.mu.Unlock()
	}
	if err != nil {
		e.log.Warn("metrics line not written", "jobType", jobType, "error", err)
	}
}
