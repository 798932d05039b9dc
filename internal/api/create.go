package api

import (
	"bytes"
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

	"jobline/internal/jobs"
	"jobline/internal/queue"
)

// IdempotencyKeyHeader is the header that makes POST /jobs idempotent.
const IdempotencyKeyHeader = "Idempotency-Key"

// MaxIdempotencyKeyLength bounds an Idempotency-Key.
const MaxIdempotencyKeyLength = 255

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
// sent. If the send fails the job is still answered 201: it is stored with
// SweepAt, and the reconciler re-sends the message of a job still queued
// after its SweepAt, so nothing is lost.
func (s *server) createJob(w http.ResponseWriter, r *http.Request) error {
	owner, err := s.user(r)
	if err != nil {
		return err
	}
	key, hasKey, err := idempotencyKey(r.Header)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		return fmt.Errorf("read create request: %w", err)
	}
	req, err := parseCreateRequest(body)
	if err != nil {
		return err
	}
	if err := s.cfg.ValidateJob(req.JobType, req.Parameters); err != nil {
		if errors.Is(err, jobs.ErrUnknownJobType) {
			return &Error{Status: http.StatusUnprocessableEntity, Code: CodeUnknownJobType,
				Message: fmt.Sprintf("unknown job type %q", req.JobType)}
		}
		return invalidRequest("%s", err.Error())
	}
	hash, err := req.hash()
	if err != nil {
		return fmt.Errorf("hash create request: %w", err)
	}

	now := s.cfg.Clock.Now()
	delay := time.Duration(req.DelaySeconds) * time.Second
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
		SweepAt:      now.Add(delay + s.cfg.QueuedGrace),
		RequestHash:  hash,
	}
	if hasKey {
		job.ID = idempotentID(owner, key)
		job.IdempotencyKey = key
	}

	stored, created, err := s.cfg.Store.Create(r.Context(), job)
	if err != nil {
		return fmt.Errorf("create job %s: %w", job.ID, err)
	}
	log := s.log.With(slog.String("jobId", stored.ID), slog.String("jobType", stored.JobType))
	if !created {
		if !hasKey {
			return fmt.Errorf("create job %s: a job with this random ID already exists", job.ID)
		}
		if stored.Owner != owner || stored.RequestHash != hash {
			return fmt.Errorf("create job %s: %w", job.ID, jobs.ErrIdempotencyConflict)
		}
		log.InfoContext(r.Context(), "idempotent replay of job creation")
		w.Header().Set("Location", "/jobs/"+stored.ID)
		setETag(w, stored)
		s.writeJSON(w, r, http.StatusOK, viewJob(stored))
		return nil
	}

	msg := queue.JobMessage{JobID: stored.ID, JobType: stored.JobType}
	if _, err := s.cfg.Queue.Send(r.Context(), queue.SendRequest{Body: msg.Encode(), Priority: stored.Priority, Delay: delay}); err != nil {
		log.ErrorContext(r.Context(), "send job message failed; the reconciler will re-send it",
			slog.Time("sweepAt", stored.SweepAt), slog.Any("error", err))
	} else {
		log.InfoContext(r.Context(), "job created", slog.Int("priority", stored.Priority), slog.Int("delaySeconds", stored.DelaySeconds))
	}
	w.Header().Set("Location", "/jobs/"+stored.ID)
	setETag(w, stored)
	s.writeJSON(w, r, http.StatusCreated, viewJob(stored))
	return nil
}

// idempotencyKey reads the Idempotency-Key header: absent, or exactly one
// value of 1..MaxIdempotencyKeyLength printable ASCII characters.
func idempotencyKey(h http.Header) (key string, ok bool, err error) {
	values := h.Values(IdempotencyKeyHeader)
	switch {
	case len(values) == 0:
		return "", false, nil
	case len(values) > 1:
		return "", false, invalidRequest("only one %s header is allowed", IdempotencyKeyHeader)
	}
	key = values[0]
	if key == "" || len(key) > MaxIdempotencyKeyLength || !printableASCII(key) {
		return "", false, invalidRequest("%s must be 1..%d printable ASCII characters", IdempotencyKeyHeader, MaxIdempotencyKeyLength)
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
	if len(bytes.TrimSpace(body)) == 0 {
		return createRequest{}, invalidJSON("request body is empty; send a JSON object")
	}
	if !json.Valid(body) {
		// json.Valid also rejects trailing data after the first value.
		return createRequest{}, invalidJSON("request body is not valid JSON")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return createRequest{}, invalidRequest("request body must be a JSON object")
	}
	var unknown []string
	for name := range fields {
		if !slices.Contains(createFields, name) {
			unknown = append(unknown, fmt.Sprintf("%q", name))
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return createRequest{}, invalidRequest("unknown field(s) %s; allowed: %s", strings.Join(unknown, ", "), strings.Join(createFields, ", "))
	}

	req := createRequest{Parameters: json.RawMessage(`{}`), MaxAttempts: jobs.DefaultMaxAttempts}
	raw, ok := fields["jobType"]
	if !ok {
		return createRequest{}, invalidRequest("jobType is required")
	}
	if err := json.Unmarshal(raw, &req.JobType); err != nil || isNull(raw) {
		return createRequest{}, invalidRequest("jobType must be a string")
	}
	if req.JobType == "" {
		return createRequest{}, invalidRequest("jobType must not be empty")
	}
	if raw, ok := fields["parameters"]; ok {
		if !isObject(raw) {
			return createRequest{}, invalidRequest("parameters must be a JSON object")
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return createRequest{}, invalidJSON("parameters are not valid JSON")
		}
		req.Parameters = compact.Bytes()
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
