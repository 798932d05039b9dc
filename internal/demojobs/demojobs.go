// Package demojobs holds the demo job types that the dev server registers
// (DESIGN.md): echo, sleep, fail, flaky, partial and report. They show how
// a handler uses its Task (parameters, attempt, progress, assets) and each
// outcome the engine knows (result, retry, dead letter, partial).
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
	reg.Register(TypeEcho, worker.HandlerFunc(echo), worker.Validate(validateObject))
	reg.Register(TypeSleep, worker.HandlerFunc(c.sleepJob), worker.Validate(validateSleep),
		worker.Timeout((MaxSleepSeconds+30)*time.Second))
	reg.Register(TypeFail, worker.HandlerFunc(fail), worker.Validate(validateObject))
	reg.Register(TypeFlaky, worker.HandlerFunc(flaky), worker.Validate(validateFlaky))
	reg.Register(TypePartial, worker.HandlerFunc(partial), worker.Validate(validateObject))
	reg.Register(TypeReport, worker.HandlerFunc(c.report), worker.Validate(validateReport))
}

// echo returns its parameters.
func echo(_ context.Context, t *worker.Task) (any, error) {
	return t.Job.Parameters, nil
}

// SleepParams are the sleep job's parameters.
type SleepParams struct {
	Seconds float64 `json:"seconds"` // 0 < seconds <= MaxSleepSeconds
}

func validateSleep(raw json.RawMessage) error {
	var p SleepParams
	if err := decodeStrict(raw, &p); err != nil {
		return err
	}
	if !(p.Seconds > 0 && p.Seconds <= MaxSleepSeconds) {
		return fmt.Errorf("seconds must be more than 0 and at most %d", MaxSleepSeconds)
	}
	return nil
}

// sleepJob waits Seconds, reporting progress about every second.
func (c *config) sleepJob(ctx context.Context, t *worker.Task) (any, error) {
	var p SleepParams
	if err := decodeStrict(t.Job.Parameters, &p); err != nil {
		return nil, jobs.Permanent(err)
	}
	total := time.Duration(p.Seconds * float64(time.Second))
	t.Progress(0)
	for done := time.Duration(0); done < total; {
		step := min(time.Second, total-done)
		if err := c.sleep(ctx, step); err != nil {
			return nil, fmt.Errorf("sleep interrupted after %s: %w", done, err)
		}
		done += step
		t.Progress(int(math.Round(float64(done) * 100 / float64(total))))
	}
	return map[string]any{"sleptSeconds": p.Seconds}, nil
}

// fail always fails with a retryable error, so it ends failed and
// dead-lettered after its attempts.
func fail(context.Context, *worker.Task) (any, error) {
	return nil, ErrAlwaysFails
}

// FlakyParams are the flaky job's parameters.
type FlakyParams struct {
	FailTimes int `json:"failTimes"` // 0..jobs.MaxMaxAttempts
}

func validateFlaky(raw json.RawMessage) error {
	var p FlakyParams
	if err := decodeStrict(raw, &p); err != nil {
		return err
	}
	if p.FailTimes < 0 || p.FailTimes > jobs.MaxMaxAttempts {
		return fmt.Errorf("failTimes must be between 0 and %d", jobs.MaxMaxAttempts)
	}
	return nil
}

// flaky fails its first FailTimes attempts, then completes.
func flaky(_ context.Context, t *worker.Task) (any, error) {
	var p FlakyParams
	if err := decodeStrict(t.Job.Parameters, &p); err != nil {
		return nil, jobs.Permanent(err)
	}
	if t.Job.Attempt <= p.FailTimes {
		return nil, fmt.Errorf("flaky: attempt %d fails (failTimes %d)", t.Job.Attempt, p.FailTimes)
	}
	return map[string]any{"succeededOnAttempt": t.Job.Attempt}, nil
}

// PartialResult is the partial job's result.
type PartialResult struct {
	Done   []string `json:"done"`
	Failed []string `json:"failed"`
}

// partial processes four items of which one fails, and ends partial.
func partial(_ context.Context, t *worker.Task) (any, error) {
	res := PartialResult{Done: []string{"item-1", "item-2", "item-3"}, Failed: []string{"item-4"}}
	t.Progress(100)
	return nil, jobs.Partial(res, fmt.Errorf("%d of %d items failed", len(res.Failed), len(res.Done)+len(res.Failed)))
}

// ReportParams are the report job's parameters.
type ReportParams struct {
	Rows int `json:"rows"` // 1..MaxReportRows; 0 means 10
}

func validateReport(raw json.RawMessage) error {
	var p ReportParams
	if err := decodeStrict(raw, &p); err != nil {
		return err
	}
	if p.Rows < 0 || p.Rows > MaxReportRows {
		return fmt.Errorf("rows must be between 1 and %d", MaxReportRows)
	}
	return nil
}

// report writes a small CSV file and attaches it as a "report" asset.
func (c *config) report(ctx context.Context, t *worker.Task) (any, error) {
	if c.files == nil {
		return nil, jobs.Permanent(errors.New("report: no file storage configured"))
	}
	var p ReportParams
	if err := decodeStrict(t.Job.Parameters, &p); err != nil {
		return nil, jobs.Permanent(err)
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
		return nil, fmt.Errorf("report: %w", err)
	}
	url, err := c.files.URL(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	asset, err := t.AddAsset(ctx, jobs.Asset{
		AssetType:   "report",
		URL:         url,
		StoragePath: path,
		FileSize:    int64(buf.Len()),
		Metadata:    map[string]any{"contentType": "text/csv", "rows": p.Rows, "fileName": "report.csv"},
	})
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	// No URL in the result: it is stored for good, while an S3 URL expires.
	// GET /jobs/{id}/assets gives a fresh one at every read.
	return map[string]any{"rows": p.Rows, "assetId": asset.ID, "storagePath": path}, nil
}

// decodeStrict decodes a JSON object into v, rejecting unknown fields so a
// misspelt parameter is a 400, not silently ignored.
func decodeStrict(raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		raw = json.RawMessage(`{}`)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("parameters: %w", err)
	}
	return nil
}

// validateObject only checks that the parameters are a JSON object (echo
// takes any object; fail and partial ignore theirs).
func validateObject(raw json.RawMessage) error {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return errors.New("parameters must be a JSON object")
	}
	return nil
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
