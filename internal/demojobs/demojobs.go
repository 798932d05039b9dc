// Package demojobs holds the demo job types that the dev server and the
// Lambdas register: echo, sleep, fail, flaky, partial and report. Each is a
// typed handler (worker.Register) whose parameter type validates itself;
// they show how a handler uses its Task (attempt, progress, assets) and
// each outcome the engine knows (result, retry, dead letter, partial).
package demojobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"jobline/internal/blob"
	"jobline/internal/jobs"
	"jobline/internal/worker"
)

// Job type names.
const (
	TypeEcho    = "echo"
	TypeSleep   = "sleep"
	TypeFail    = "fail"
	TypeFlaky   = "flaky"
	TypePartial = "partial"
	TypeReport  = "report"
)

// Limits of the demo parameters.
const (
	MaxSleepSeconds = 30
	MaxReportRows   = 1000
)

// ErrAlwaysFails is the error of every fail job.
var ErrAlwaysFails = errors.New("this job always fails")

// Option configures the demo handlers.
type Option func(*config)

// WithSleep replaces the wait of the sleep job (tests pass one that returns
// at once). It must return ctx's error if ctx ends first.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *config) { c.sleep = sleep }
}

type config struct {
	sleep func(ctx context.Context, d time.Duration) error
	files blob.Store
}

// Register adds the six demo types to reg; report writes its files to
// files.
func Register(reg *worker.Registry, files blob.Store, opts ...Option) {
	c := &config{sleep: sleepCtx, files: files}
	for _, opt := range opts {
		opt(c)
	}
	worker.Register(reg, TypeEcho, echo, worker.Describe("returns its parameters as its result"), worker.Quick())
	worker.Register(reg, TypeSleep, c.sleepJob, worker.Describe("sleeps for a number of seconds, reporting progress"),
		worker.Timeout((MaxSleepSeconds+30)*time.Second))
	worker.Register(reg, TypeFail, fail, worker.Describe("always fails; failed and dead-lettered after its attempts"))
	worker.Register(reg, TypeFlaky, flaky, worker.Describe("fails its first failTimes attempts (counted across redrives), then succeeds"))
	worker.Register(reg, TypePartial, partial, worker.Describe("ends partial: some items done, some failed"))
	worker.Register(reg, TypeReport, c.report, worker.Describe("writes a CSV report and attaches it as an asset"))
}

// echo returns its parameters, any JSON object, as they were sent.
func echo(_ context.Context, _ *worker.Task, params json.RawMessage) (json.RawMessage, error) {
	return params, nil
}

// SleepParams are the sleep job's parameters.
type SleepParams struct {
	Seconds float64 `json:"seconds"` // 0 < seconds <= MaxSleepSeconds
}

// Validate checks the range of Seconds.
func (p SleepParams) Validate() error {
	if !(p.Seconds > 0 && p.Seconds <= MaxSleepSeconds) {
		return fmt.Errorf("seconds must be more than 0 and at most %d", MaxSleepSeconds)
	}
	return nil
}

// SleepResult is the sleep job's result.
type SleepResult struct {
	SleptSeconds float64 `json:"sleptSeconds"`
}

// sleepJob waits Seconds, reporting progress about every second.
func (c *config) sleepJob(ctx context.Context, t *worker.Task, p SleepParams) (SleepResult, error) {
	total := time.Duration(p.Seconds * float64(time.Second))
	t.Progress(0)
	for done := time.Duration(0); done < total; {
		step := min(time.Second, total-done)
		if err := c.sleep(ctx, step); err != nil {
			return SleepResult{}, fmt.Errorf("sleep interrupted after %s: %w", done, err)
		}
		done += step
		t.Progress(int(math.Round(float64(done) * 100 / float64(total))))
	}
	return SleepResult{SleptSeconds: p.Seconds}, nil
}

// fail always fails with a retryable error, so it ends failed and
// dead-lettered after its attempts. It takes any object and ignores it.
func fail(context.Context, *worker.Task, json.RawMessage) (any, error) {
	return nil, ErrAlwaysFails
}

// FlakyParams are the flaky job's parameters.
type FlakyParams struct {
	FailTimes int `json:"failTimes"` // 0..jobs.MaxMaxAttempts
}

// Validate checks the range of FailTimes.
func (p FlakyParams) Validate() error {
	if p.FailTimes < 0 || p.FailTimes > jobs.MaxMaxAttempts {
		return fmt.Errorf("failTimes must be between 0 and %d", jobs.MaxMaxAttempts)
	}
	return nil
}

// FlakyResult is the flaky job's result.
type FlakyResult struct {
	SucceededOnAttempt int `json:"succeededOnAttempt"`
}

// flaky fails its first FailTimes attempts, then completes. Attempts are
// counted across redrives (from the job's history), so a flaky job that was
// dead-lettered completes once an operator redrives it often enough: the
// operator's path to try (README, "Operator's runbook").
func flaky(_ context.Context, t *worker.Task, p FlakyParams) (FlakyResult, error) {
	tried := max(len(jobs.Attempts(t.Job)), t.Job.Attempt)
	if tried <= p.FailTimes {
		return FlakyResult{}, fmt.Errorf("flaky: attempt %d fails (failTimes %d)", tried, p.FailTimes)
	}
	return FlakyResult{SucceededOnAttempt: t.Job.Attempt}, nil
}

// PartialResult is the partial job's result.
type PartialResult struct {
	Done   []string `json:"done"`
	Failed []string `json:"failed"`
}

// partial processes four items of which one fails, and ends partial. It
// takes any object and ignores it.
func partial(_ context.Context, t *worker.Task, _ json.RawMessage) (PartialResult, error) {
	res := PartialResult{Done: []string{"item-1", "item-2", "item-3"}, Failed: []string{"item-4"}}
	t.Progress(100)
	return PartialResult{}, jobs.Partial(res, fmt.Errorf("%d of %d items failed", len(res.Failed), len(res.Done)+len(res.Failed)))
}

// ReportParams are the report job's parameters.
type ReportParams struct {
	Rows int `json:"rows"` // 1..MaxReportRows; 0 means 10
}

// Validate checks the range of Rows.
func (p ReportParams) Validate() error {
	if p.Rows < 0 || p.Rows > MaxReportRows {
		return fmt.Errorf("rows must be between 1 and %d", MaxReportRows)
	}
	return nil
}

// ReportResult is the report job's result. It holds no URL: the result is
// stored for good, while an S3 URL expires; GET /jobs/{id}/assets gives a
// fresh one at every read.
type ReportResult struct {
	AssetID     string `json:"assetId"`
	Rows        int    `json:"rows"`
	StoragePath string `json:"storagePath"`
}

// report writes a small CSV file and attaches it as a "report" asset.
func (c *config) report(ctx context.Context, t *worker.Task, p ReportParams) (ReportResult, error) {
	if c.files == nil {
		return ReportResult{}, jobs.Permanent(errors.New("report: no file storage configured"))
	}
	if p.Rows == 0 {
		p.Rows = 10
	}
	var buf bytes.Buffer
	buf.WriteString("row,square\n")
	for i := 1; i <= p.Rows; i++ {
		fmt.Fprintf(&buf, "%d,%d\n", i, i*i)
	}
	t.Progress(50)
	// The key is the job's, so a retry overwrites the file of a failed attempt.
	path, err := c.files.Put(ctx, "reports/"+t.Job.ID+"/report.csv", buf.Bytes(), "text/csv")
	if err != nil {
		return ReportResult{}, fmt.Errorf("report: %w", err)
	}
	url, err := c.files.URL(ctx, path)
	if err != nil {
		return ReportResult{}, fmt.Errorf("report: %w", err)
	}
	asset, err := t.AddAsset(ctx, jobs.Asset{
		AssetType:   "report",
		URL:         url,
		StoragePath: path,
		FileSize:    int64(buf.Len()),
		Metadata:    map[string]any{"contentType": "text/csv", "rows": p.Rows, "fileName": "report.csv"},
	})
	if err != nil {
		return ReportResult{}, fmt.Errorf("report: %w", err)
	}
	return ReportResult{AssetID: asset.ID, Rows: p.Rows, StoragePath: path}, nil
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
