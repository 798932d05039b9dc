package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"jobline/internal/jobs"
	"jobline/internal/metrics"
	"jobline/internal/queue"
)

// idempotencyKeyHeader is the header that makes POST /jobs idempotent.
const idempotencyKeyHeader = "Idempotency-Key"

// maxIdempotencyKeyLength bounds an Idempotency-Key.
const maxIdempotencyKeyLength = 255

// createRequest is a validated POST /jobs body with defaults applied. Its
// JSON form is the canonical request that Job.RequestHash hashes.
type createRequest struct {
	JobType      string          `json:"jobType"`
	Parameters   json.RawMessage `json:"parameters"`
	Priority     int             `json:"priority"`
	MaxAttempts  int             `json:"maxAttempts"`
	DelaySeconds int             `json:"delaySeconds"`
}

// createFields are the fields a create body may have, matched exactly
// (encoding/json alone would also accept "JOBTYPE").
var createFields = []string{"jobType", "parameters", "priority", "maxAttempts", "delaySeconds"}

// createJob serves POST /jobs. The job is stored first, then its message is
// sent, both within the request's deadline (Config.RequestTimeout).
// Nothing is half-written: the job is stored whole (queued, with its
// SweepAt: jobs.QueuedSweepAt) in one write, or not at all.
//   - If the send fails, or outlasts the deadline, the answer is still 201:
//     the job is stored, and the reconciler re-sends the message of a job
//     still queued after its SweepAt, so nothing is lost.
//   - If the store's write outlasts the deadline, the answer is 503
//     unavailable. The write may still have been applied (a request that
//     timed out is ambiguous); the job is then whole and its message comes
//     from the reconciler. A client that retries with the same
//     Idempotency-Key gets that job (200), never a second one.
func (s *server) createJob(w http.ResponseWriter, r *http.Request) error {
	owner, err := s.user(r)
	if err != nil {
		return err
	}
	job, err := s.jobToCreate(w, r, owner)
	if err != nil {
		return err
	}
	stored, created, err := s.cfg.Store.Create(r.Context(), job)
	if err != nil {
		return fmt.Errorf("create job %s: %w", job.ID, err)
	}
	if !created {
		return s.replayCreate(w, r, job, stored)
	}
	s.cfg.Metrics.Record(stored.CreatedAt, stored.JobType, metrics.Count(metrics.Created))
	s.sendJob(r.Context(), stored)
	s.writeJob(w, r, http.StatusCreated, stored)
	return nil
}

// jobToCreate reads and checks a create request and returns the queued job
// it asks for, not yet stored. Nothing is written before it succeeds
// (invariant 7).
func (s *server) jobToCreate(w http.ResponseWriter, r *http.Request, owner string) (jobs.Job, error) {
	key, hasKey, err := idempotencyKey(r.Header)
	if err != nil {
		return jobs.Job{}, err
	}
	body, err := readRequestBody(w, r)
	if err != nil {
		return jobs.Job{}, err
	}
	req, err := parseCreateRequest(body)
	if err != nil {
		return jobs.Job{}, err
	}
	if err := s.validateJob(req); err != nil {
		return jobs.Job{}, err
	}
	hash, err := req.hash()
	if err != nil {
		return jobs.Job{}, fmt.Errorf("hash create request: %w", err)
	}
	now := s.cfg.Clock.Now()
	job := jobs.Job{
		ID:           s.cfg.NewID(),
		Owner:        owner,
		JobType:      req.JobType,
		Status:       jobs.StatusQueued,
		Parameters:   req.Parameters,
		Priority:     req.Priority,
		MaxAttempts:  req.MaxAttempts,
		DelaySeconds: req.DelaySeconds,
		CreatedAt:    now,
		UpdatedAt:    now,
		SweepAt:      jobs.QueuedSweepAt(now, delayOf(req.DelaySeconds), s.cfg.QueuedGrace),
		RequestHash:  hash,
	}
	if hasKey {
		job.ID = idempotentID(owner, key)
		job.IdempotencyKey = key
	}
	return job, nil
}

// readRequestBody reads a request body of at most MaxBodyBytes (a larger one is
// 413). A body that ends before its Content-Length, or that cannot be read
// otherwise, is the client's fault: 400, not an internal error.
func readRequestBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return body, nil
	case errors.As(err, &tooLarge):
		return nil, fmt.Errorf("read request body: %w", err)
	}
	return nil, &Error{Status: http.StatusBadRequest, Code: CodeInvalidRequest,
		Message: "the request body could not be read (it ended before its Content-Length?): " + err.Error()}
}

// validateJob applies Config.ValidateJob: an unknown type is 422, any other
// rejection 400 with the validator's message.
func (s *server) validateJob(req createRequest) error {
	err := s.cfg.ValidateJob(req.JobType, req.Parameters)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jobs.ErrUnknownJobType):
		msg := fmt.Sprintf("unknown job type %q", req.JobType)
		if names := s.jobTypeNames(); names != "" {
			msg += "; valid types: " + names
		}
		return &Error{Status: http.StatusUnprocessableEntity, Code: CodeUnknownJobType, Message: msg}
	default:
		return invalidRequest("%s", err.Error())
	}
}

// replayCreate answers a create whose job ID is taken by stored: the same
// owner's same request under the same idempotency key gets the first job
// (200); anything else is an error.
func (s *server) replayCreate(w http.ResponseWriter, r *http.Request, asked, stored jobs.Job) error {
	if asked.IdempotencyKey == "" {
		return fmt.Errorf("create job %s: a job with this random ID already exists", asked.ID)
	}
	if stored.Owner != asked.Owner || stored.RequestHash != asked.RequestHash {
		return fmt.Errorf("create job %s: %w", asked.ID, jobs.ErrIdempotencyConflict)
	}
	s.jobLog(stored).InfoContext(r.Context(), "idempotent replay of job creation")
	s.writeJob(w, r, http.StatusOK, stored)
	return nil
}

// sendJob sends a created job's message. A failed send is logged, not
// returned: the reconciler re-sends it after the job's SweepAt.
func (s *server) sendJob(ctx context.Context, j jobs.Job) {
	log := s.jobLog(j)
	if _, err := s.cfg.Queue.Send(ctx, queue.JobSend(j, delayOf(j.DelaySeconds))); err != nil {
		log.ErrorContext(ctx, "send job message failed; the reconciler will re-send it",
			slog.Time("sweepAt", j.SweepAt), slog.Any("error", err))
		return
	}
	// DEBUG: the JobsCreated metric counts creates, and a line per job at
	// INFO would cost more in CloudWatch Logs than the create's DynamoDB
	// write (docs/aws.md).
	log.DebugContext(ctx, "job created", slog.Int("priority", j.Priority), slog.Int("delaySeconds", j.DelaySeconds))
}

// jobLog is the logger of one job's events.
func (s *server) jobLog(j jobs.Job) *slog.Logger {
	return s.log.With(slog.String("jobId", j.ID), slog.String("jobType", j.JobType))
}

// writeJob answers with a job, its Location, its ETag and the poll hint.
func (s *server) writeJob(w http.ResponseWriter, r *http.Request, status int, j jobs.Job) {
	w.Header().Set("Location", "/jobs/"+j.ID)
	setETag(w, j)
	setPollHint(w, j, s.cfg.Clock.Now())
	s.writeJSON(w, r, status, viewJob(j))
}

// delayOf is a job's DelaySeconds as a duration.
func delayOf(seconds int) time.Duration { return time.Duration(seconds) * time.Second }

// idempotencyKey reads the Idempotency-Key header: absent, or exactly one
// value of 1..maxIdempotencyKeyLength printable ASCII characters.
func idempotencyKey(h http.Header) (key string, ok bool, err error) {
	values := h.Values(idempotencyKeyHeader)
	switch {
	case len(values) == 0:
		return "", false, nil
	case len(values) > 1:
		return "", false, invalidRequest("only one %s header is allowed", idempotencyKeyHeader)
	}
	key = values[0]
	if key == "" || len(key) > maxIdempotencyKeyLength || !printableASCII(key) {
		return "", false, invalidRequest("%s must be 1..%d printable ASCII characters", idempotencyKeyHeader, maxIdempotencyKeyLength)
	}
	return key, true, nil
}

// idempotentID derives a job ID from the owner and the idempotency key, so
// that a replay reaches the first job (Store.Create finds it) and two users'
// keys never meet. It has the same shape as RandomID.
func idempotentID(owner, key string) string {
	sum := sha256.Sum256([]byte(owner + "\x00" + key))
	return idEncoding.EncodeToString(sum[:16])
}

// parseCreateRequest decodes and checks a create body strictly: one JSON
// object, known fields only (case-sensitive), right types, in range. A body
// that is not JSON is invalid_json; valid JSON that breaks a rule is
// invalid_request. Defaults are applied.
func parseCreateRequest(body []byte) (createRequest, error) {
	fields, err := createFieldsOf(body)
	if err != nil {
		return createRequest{}, err
	}
	req := createRequest{Parameters: json.RawMessage(`{}`), MaxAttempts: jobs.DefaultMaxAttempts}
	if req.JobType, err = parseJobType(fields); err != nil {
		return createRequest{}, err
	}
	if raw, ok := fields["parameters"]; ok {
		if req.Parameters, err = parseParameters(raw); err != nil {
			return createRequest{}, err
		}
	}
	ints := []struct {
		name     string
		dst      *int
		min, max int
	}{
		{"priority", &req.Priority, 0, jobs.MaxPriority},
		{"maxAttempts", &req.MaxAttempts, jobs.MinMaxAttempts, jobs.MaxMaxAttempts},
		{"delaySeconds", &req.DelaySeconds, 0, jobs.MaxDelaySeconds},
	}
	for _, f := range ints {
		raw, ok := fields[f.name]
		if !ok {
			continue
		}
		var v int
		if err := json.Unmarshal(raw, &v); err != nil || isNull(raw) {
			return createRequest{}, invalidRequest("%s must be an integer", f.name)
		}
		if v < f.min || v > f.max {
			return createRequest{}, invalidRequest("%s must be between %d and %d, got %d", f.name, f.min, f.max, v)
		}
		*f.dst = v
	}
	return req, nil
}

// createFieldsOf splits a create body into its fields: it must be one JSON
// object (checkJSON) whose fields are all createFields.
func createFieldsOf(body []byte) (map[string]json.RawMessage, error) {
	if err := checkJSON(body); err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return nil, invalidRequest("request body must be a JSON object")
	}
	var unknown []string
	for name := range fields {
		if !slices.Contains(createFields, name) {
			unknown = append(unknown, fmt.Sprintf("%q", name))
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, invalidRequest("unknown field(s) %s; allowed: %s", strings.Join(unknown, ", "), strings.Join(createFields, ", "))
	}
	return fields, nil
}

// parseJobType reads the required, non-empty string jobType.
func parseJobType(fields map[string]json.RawMessage) (string, error) {
	raw, ok := fields["jobType"]
	if !ok {
		return "", invalidRequest("jobType is required")
	}
	var jobType string
	if err := json.Unmarshal(raw, &jobType); err != nil || isNull(raw) {
		return "", invalidRequest("jobType must be a string")
	}
	if jobType == "" {
		return "", invalidRequest("jobType must not be empty")
	}
	return jobType, nil
}

// parseParameters checks that raw is a JSON object and compacts it.
func parseParameters(raw json.RawMessage) (json.RawMessage, error) {
	if !isObject(raw) {
		return nil, invalidRequest("parameters must be a JSON object")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return nil, invalidJSON("parameters are not valid JSON")
	}
	return compact.Bytes(), nil
}

// hash returns the hex SHA-256 of the canonical request: its fields after
// defaults, with the parameters' object keys sorted and whitespace removed,
// so that a replay with the same meaning matches.
func (req createRequest) hash() (string, error) {
	dec := json.NewDecoder(bytes.NewReader(req.Parameters))
	dec.UseNumber() // keep numbers as written: no float rounding
	var params any
	if err := dec.Decode(&params); err != nil {
		return "", fmt.Errorf("decode parameters: %w", err)
	}
	canonParams, err := json.Marshal(params) // map keys come out sorted
	if err != nil {
		return "", fmt.Errorf("encode parameters: %w", err)
	}
	canon := req
	canon.Parameters = canonParams
	b, err := json.Marshal(canon)
	if err != nil {
		return "", fmt.Errorf("encode request: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// isNull reports whether raw is the JSON literal null.
func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// isObject reports whether raw is a JSON object.
func isObject(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && t[0] == '{'
}

// MaxJSONDepth is the deepest nesting of objects and arrays a request body
// may have; deeper JSON is a 400 (it breaks clients that read it back).
const MaxJSONDepth = 32

// checkJSON accepts a body that is one JSON value in UTF-8 without
// trailing data, and that is stricter than encoding/json in two ways: no
// object, at any depth, has the same key twice (encoding/json keeps the
// last, so {"jobType":"nosuch","jobType":"echo"} would create an echo
// job), and nothing nests deeper than MaxJSONDepth.
func checkJSON(body []byte) error {
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		return invalidJSON("request body is empty; send a JSON object")
	case !utf8.Valid(body):
		// encoding/json would read invalid bytes as U+FFFD.
		return invalidJSON("request body is not valid UTF-8")
	case !json.Valid(body):
		// json.Valid also rejects trailing data after the first value.
		return invalidJSON("request body is not valid JSON")
	}
	return checkKeysAndDepth(body)
}

// jsonLevel is an object or array being read by checkKeysAndDepth.
type jsonLevel struct {
	keys    map[string]struct{} // nil for an array
	wantKey bool                // an object's next token is a key (or its end)
}

// checkKeysAndDepth walks a valid JSON value's tokens and rejects a key
// repeated within one object and nesting deeper than MaxJSONDepth.
func checkKeysAndDepth(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var levels []jsonLevel
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return invalidJSON("request body is not valid JSON")
		}
		top := len(levels) - 1
		if top >= 0 && levels[top].wantKey && tok != json.Delim('}') {
			key, _ := tok.(string)
			if _, seen := levels[top].keys[key]; seen {
				return invalidRequest("duplicate key %q in a JSON object", key)
			}
			levels[top].keys[key] = struct{}{}
			levels[top].wantKey = false
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if len(levels) == MaxJSONDepth {
				return invalidRequest("JSON nests deeper than %d levels", MaxJSONDepth)
			}
			level := jsonLevel{}
			if tok == json.Delim('{') {
				level = jsonLevel{keys: map[string]struct{}{}, wantKey: true}
			}
			levels = append(levels, level)
			continue
		case json.Delim('}'), json.Delim(']'):
			levels = levels[:top]
		}
		// A value ended: the object holding it expects its next key.
		if n := len(levels); n > 0 && levels[n-1].keys != nil {
			levels[n-1].wantKey = true
		}
	}
}
