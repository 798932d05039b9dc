package metrics_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"jobline/internal/metrics"
)

// emfLines parses each EMF line of out into a map.
func emfLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, l)
		}
		lines = append(lines, m)
	}
	return lines
}

// values returns metric name's values in line: one number or an array.
func values(line map[string]any, name string) []float64 {
	switch v := line[name].(type) {
	case float64:
		return []float64{v}
	case []any:
		var out []float64
		for _, x := range v {
			out = append(out, x.(float64))
		}
		return out
	}
	return nil
}

func TestBatchWritesALinePerJobTypeAtFlush(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	batch := metrics.NewBatch(metrics.NewEMF(&out, "Jobline/test", nil))
	for i := range 10 {
		batch.Record(t0.Add(time.Duration(i)*time.Millisecond), "echo",
			metrics.Count(metrics.Completed), metrics.Duration(metrics.RunTime, time.Duration(i+1)*time.Millisecond))
	}
	batch.Record(t0, "report", metrics.Count(metrics.Failed))
	if out.Len() != 0 {
		t.Fatalf("wrote before Flush: %s", out.String())
	}
	batch.Flush()
	lines := emfLines(t, out.String())
	if len(lines) != 2 {
		t.Fatalf("%d lines, want one per job type:\n%s", len(lines), out.String())
	}
	byType := map[string]map[string]any{}
	for _, l := range lines {
		byType[l["JobType"].(string)] = l
	}
	echo := byType["echo"]
	if got := values(echo, "JobsCompleted"); len(got) != 10 {
		t.Errorf("echo JobsCompleted = %v, want 10 values", got)
	}
	if got := values(echo, "RunTime"); len(got) != 10 || got[0] != 1 || got[9] != 10 {
		t.Errorf("echo RunTime = %v, want 1..10", got)
	}
	if ts := echo["_aws"].(map[string]any)["Timestamp"].(float64); int64(ts) != t0.UnixMilli() {
		t.Errorf("echo's line at %v, want its first sample's time %d", ts, t0.UnixMilli())
	}
	if got := values(byType["report"], "JobsFailed"); len(got) != 1 || got[0] != 1 {
		t.Errorf("report JobsFailed = %v", got)
	}
	out.Reset()
	batch.Flush()
	if out.Len() != 0 {
		t.Errorf("a second Flush wrote %s", out.String())
	}
}

func TestBatchKeepsLinesWithinEMFLimitsAndTheirMinute(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	batch := metrics.NewBatch(metrics.NewEMF(&out, "Jobline/test", nil))
	for range metrics.MaxBatchValues + 1 {
		batch.Record(t0, "echo", metrics.Count(metrics.Completed))
	}
	if n := len(emfLines(t, out.String())); n != 1 {
		t.Fatalf("after %d samples, %d lines written, want the full one", metrics.MaxBatchValues+1, n)
	}
	if got := values(emfLines(t, out.String())[0], "JobsCompleted"); len(got) != metrics.MaxBatchValues {
		t.Errorf("the full line has %d values, want %d", len(got), metrics.MaxBatchValues)
	}
	out.Reset()
	batch.Record(t0.Add(metrics.MaxBatchAge+time.Millisecond), "echo", metrics.Count(metrics.Completed))
	if n := len(emfLines(t, out.String())); n != 1 {
		t.Fatalf("a sample past MaxBatchAge wrote %d lines, want the waiting one", n)
	}
	out.Reset()
	batch.Flush()
	lines := emfLines(t, out.String())
	if len(lines) != 1 || len(values(lines[0], "JobsCompleted")) != 1 {
		t.Errorf("Flush wrote %v, want the last sample's line", lines)
	}
}

func TestBatchIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	var out lockedBuffer
	batch := metrics.NewBatch(metrics.NewEMF(&out, "Jobline/test", nil))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				batch.Record(t0, "echo", metrics.Count(metrics.Completed))
			}
		})
	}
	wg.Wait()
	batch.Flush()
	total := 0
	for _, l := range emfLines(t, out.String()) {
		total += len(values(l, "JobsCompleted"))
	}
	if total != 400 {
		t.Errorf("%d samples written, want 400", total)
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
