package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"jobline/internal/metrics"
)

var t0 = time.Date(2030, 1, 2, 3, 0, 0, 0, time.UTC)

func TestEMFLineIsCloudWatchEmbeddedMetricFormat(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	emf := metrics.NewEMF(&out, "Jobline/test-stack", nil)
	emf.Record(t0.Add(1500*time.Millisecond), "report",
		metrics.Count(metrics.Completed), metrics.Duration(metrics.RunTime, 1234567*time.Microsecond),
		metrics.Duration(metrics.RunTime, 2*time.Millisecond))
	emf.Record(t0, "report") // no samples: no line

	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d lines, want 1:\n%s", len(lines), out.String())
	}
	var got struct {
		AWS struct {
			Timestamp         int64 `json:"Timestamp"`
			CloudWatchMetrics []struct {
				Namespace  string     `json:"Namespace"`
				Dimensions [][]string `json:"Dimensions"`
				Metrics    []struct {
					Name, Unit string
				} `json:"Metrics"`
			} `json:"CloudWatchMetrics"`
		} `json:"_aws"`
		JobType       string    `json:"JobType"`
		JobsCompleted float64   `json:"JobsCompleted"`
		RunTime       []float64 `json:"RunTime"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, lines[0])
	}
	if got.AWS.Timestamp != t0.UnixMilli()+1500 || len(got.AWS.CloudWatchMetrics) != 1 {
		t.Fatalf("metadata = %+v", got.AWS)
	}
	d := got.AWS.CloudWatchMetrics[0]
	if d.Namespace != "Jobline/test-stack" || len(d.Dimensions) != 1 || strings.Join(d.Dimensions[0], ",") != "JobType" {
		t.Errorf("directive = %+v", d)
	}
	if len(d.Metrics) != 2 || d.Metrics[0].Name != "JobsCompleted" || d.Metrics[0].Unit != "Count" ||
		d.Metrics[1].Name != "RunTime" || d.Metrics[1].Unit != "Milliseconds" {
		t.Errorf("metrics = %+v", d.Metrics)
	}
	if got.JobType != "report" || got.JobsCompleted != 1 || len(got.RunTime) != 2 || got.RunTime[0] != 1234.567 || got.RunTime[1] != 2 {
		t.Errorf("values = %+v", got)
	}
}

func TestEMFDefaultNamespace(t *testing.T) {
	t.Parallel()
	line, err := metrics.NewEMF(nil, "", nil).Line(t0, "echo", metrics.Count(metrics.Created))
	if err != nil || !strings.Contains(string(line), `"Namespace":"Jobline"`) || !strings.Contains(string(line), `"JobsCreated":1`) {
		t.Fatalf("line %s, %v", line, err)
	}
}

func value(t *testing.T, rep metrics.Report, jobType string, n metrics.Name, stat metrics.Stat) []*float64 {
	t.Helper()
	for _, s := range rep.Series {
		if s.JobType == jobType && s.Metric == n && s.Stat == stat {
			if s.Unit != n.Unit() || len(s.Values) != rep.Steps {
				t.Fatalf("series %+v: unit or length wrong", s)
			}
			return s.Values
		}
	}
	t.Fatalf("no series %s %s %s in %+v", jobType, n, stat, rep.Series)
	return nil
}

// render shows values as numbers and "-" for nil, for comparisons.
func render(values []*float64) string {
	var parts []string
	for _, v := range values {
		if v == nil {
			parts = append(parts, "-")
			continue
		}
		b, _ := json.Marshal(*v)
		parts = append(parts, string(b))
	}
	return strings.Join(parts, " ")
}

func TestMemoryAggregatesPerMinuteAndType(t *testing.T) {
	t.Parallel()
	m, err := metrics.NewMemory(0)
	if err != nil {
		t.Fatal(err)
	}
	m.Record(t0.Add(10*time.Second), "echo", metrics.Count(metrics.Completed), metrics.Duration(metrics.RunTime, 100*time.Millisecond))
	m.Record(t0.Add(50*time.Second), "echo", metrics.Count(metrics.Completed), metrics.Duration(metrics.RunTime, 300*time.Millisecond))
	m.Record(t0.Add(2*time.Minute), "echo", metrics.Count(metrics.Failed), metrics.Count(metrics.DeadLettered))
	m.Record(t0.Add(time.Minute), "fail", metrics.Count(metrics.Retried))
	m.Record(t0.Add(-time.Minute), "echo", metrics.Count(metrics.Completed))  // before the window
	m.Record(t0.Add(3*time.Minute), "echo", metrics.Count(metrics.Completed)) // at its end: excluded

	rep, err := m.Query(context.Background(), metrics.Query{Start: t0, End: t0.Add(3 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Steps != 3 || !rep.Start.Equal(t0) || rep.Step != time.Minute {
		t.Fatalf("report frame = %+v", rep)
	}
	perType := len(metrics.Names()) + 2 // two stats of each time metric
	if len(rep.Series) != 2*perType || rep.Series[0].JobType != "echo" || rep.Series[perType].JobType != "fail" {
		t.Fatalf("%d series, want %d (echo then fail)", len(rep.Series), 2*perType)
	}
	for _, c := range []struct {
		jobType string
		n       metrics.Name
		stat    metrics.Stat
		want    string
	}{
		{"echo", metrics.Completed, metrics.StatSum, "2 0 0"},
		{"echo", metrics.Failed, metrics.StatSum, "0 0 1"},
		{"echo", metrics.DeadLettered, metrics.StatSum, "0 0 1"},
		{"echo", metrics.RunTime, metrics.StatAverage, "200 - -"},
		{"echo", metrics.RunTime, metrics.StatMaximum, "300 - -"},
		{"echo", metrics.QueueWait, metrics.StatAverage, "- - -"},
		{"fail", metrics.Retried, metrics.StatSum, "0 1 0"},
		{"fail", metrics.Created, metrics.StatSum, "0 0 0"},
	} {
		if got := render(value(t, rep, c.jobType, c.n, c.stat)); got != c.want {
			t.Errorf("%s %s %s = %s, want %s", c.jobType, c.n, c.stat, got, c.want)
		}
	}

	// Wider steps add the minutes up.
	rep, err = m.Query(context.Background(), metrics.Query{Start: t0.Add(-time.Minute), End: t0.Add(3 * time.Minute), Step: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if got := render(value(t, rep, "echo", metrics.Completed, metrics.StatSum)); got != "3 0" {
		t.Errorf("2-minute steps: completed = %s, want 3 0", got)
	}
}

func TestMemoryForgetsWhatIsOlderThanItsRetention(t *testing.T) {
	t.Parallel()
	m, err := metrics.NewMemory(10 * time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	m.Record(t0, "echo", metrics.Count(metrics.Created))
	m.Record(t0.Add(11*time.Minute), "sleep", metrics.Count(metrics.Created))
	rep, err := m.Query(context.Background(), metrics.Query{Start: t0, End: t0.Add(12 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Series {
		if s.JobType == "echo" {
			t.Fatalf("a sample older than the retention is still there: %+v", s)
		}
	}
	if got := render(value(t, rep, "sleep", metrics.Created, metrics.StatSum)); got != "0 0 0 0 0 0 0 0 0 0 0 1" {
		t.Errorf("created = %s", got)
	}
}

func TestLastWindowAndQueryValidation(t *testing.T) {
	t.Parallel()
	q := metrics.LastWindow(t0.Add(90*time.Second), time.Hour)
	if !q.End.Equal(t0.Add(2*time.Minute)) || !q.Start.Equal(t0.Add(2*time.Minute-time.Hour)) || q.Steps() != 60 {
		t.Errorf("LastWindow = %+v (%d steps)", q, q.Steps())
	}
	if err := q.Validate(); err != nil {
		t.Errorf("LastWindow invalid: %v", err)
	}
	for name, bad := range map[string]metrics.Query{
		"step of seconds": {Start: t0, End: t0.Add(time.Hour), Step: 30 * time.Second},
		"empty window":    {Start: t0, End: t0},
		"too long":        {Start: t0, End: t0.Add(metrics.MaxWindow + time.Minute)},
		"ragged":          {Start: t0, End: t0.Add(5 * time.Minute), Step: 2 * time.Minute},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if _, err := (&metrics.Memory{}).Query(context.Background(), bad); err == nil {
			t.Errorf("%s: Memory answered", name)
		}
	}
	if _, err := metrics.NewMemory(time.Second); err == nil {
		t.Error("a retention under a minute was accepted")
	}
}

func TestUnitsAndStats(t *testing.T) {
	t.Parallel()
	for _, n := range metrics.Names() {
		wantMs := n == metrics.RunTime || n == metrics.QueueWait
		if (n.Unit() == metrics.UnitMilliseconds) != wantMs {
			t.Errorf("%s unit %s", n, n.Unit())
		}
		if stats := n.Stats(); (len(stats) == 2) != wantMs {
			t.Errorf("%s stats %v", n, stats)
		}
	}
	if s := metrics.Duration(metrics.QueueWait, 1500*time.Microsecond); s.Value != 1.5 {
		t.Errorf("Duration = %v ms, want 1.5", s.Value)
	}
	metrics.Discard{}.Record(t0, "x", metrics.Count(metrics.Created))
}
