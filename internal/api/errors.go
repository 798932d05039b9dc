package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"jobline/internal/jobs"
)

// Error codes of the JSON error body {"error": {"code", "message"}}.
const (
	CodeInvalidJSON         = "invalid_json"         // 400: the body is not JSON
	CodeInvalidRequest      = "invalid_request"      // 400: well-formed JSON or query that breaks a rule
	CodeUnauthorized        = "unauthorized"         // 401: no identity
	CodeJobNotFound         = "job_not_found"        // 404: no such job, or another user's
	CodeNotFound            = "not_found"            // 404: no such route
	CodeMethodNotAllowed    = "method_not_allowed"   // 405
	CodeInvalidTransition   = "invalid_transition"   // 409: e.g. canceling a finished job
	CodeIdempotencyConflict = "idempotency_conflict" // 409: a key reused with another request
	CodePayloadTooLarge     = "payload_too_large"    // 413: body over MaxBodyBytes
	CodeUnknownJobType      = "unknown_job_type"     // 422
	CodeInternal            = "internal"             // 500: details only in the log
	CodeUnavailable         = "unavailable"          // 503: the store is throttling, or a call outlasted the request's deadline; Retry-After says when to try again
)

// Error is an error with its HTTP answer. Handlers return it for rejected
// input; errors of other types are mapped by writeError.
type Error struct {
	Status  int
	Code    string
	Message string // shown to the caller
}

// Error returns the code and message.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// errorBody is the JSON error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// invalidRequest is a 400 invalid_request.
func invalidRequest(format string, args ...any) error {
	return &Error{Status: http.StatusBadRequest, Code: CodeInvalidRequest, Message: fmt.Sprintf(format, args...)}
}

// invalidJSON is a 400 invalid_json.
func invalidJSON(format string, args ...any) error {
	return &Error{Status: http.StatusBadRequest, Code: CodeInvalidJSON, Message: fmt.Sprintf(format, args...)}
}

// toAPIError maps any error to its HTTP answer. It is the only place where
// store, queue and validation errors become status codes. Messages of
// sentinel errors are fixed texts, so that no backend detail (table names,
// wrapped causes) reaches the caller.
func toAPIError(err error) (*Error, bool) {
	var apiErr *Error
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &apiErr):
		return apiErr, false
	case errors.As(err, &tooLarge):
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: CodePayloadTooLarge,
			Message: fmt.Sprintf("request body is larger than %d bytes", tooLarge.Limit)}, false
	case errors.Is(err, jobs.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Code: CodeJobNotFound, Message: "job not found"}, false
	case errors.Is(err, jobs.ErrInvalidTransition):
		msg := "the job's status does not allow this operation"
		if current, ok := jobs.CurrentJob(err); ok {
			msg = fmt.Sprintf("the job is %s, which does not allow this operation", current.Status)
		}
		return &Error{Status: http.StatusConflict, Code: CodeInvalidTransition, Message: msg}, false
	case errors.Is(err, jobs.ErrIdempotencyConflict):
		return &Error{Status: http.StatusConflict, Code: CodeIdempotencyConflict,
			Message: "this Idempotency-Key was already used with a different request"}, false
	case errors.Is(err, jobs.ErrUnknownJobType):
		return &Error{Status: http.StatusUnprocessableEntity, Code: CodeUnknownJobType, Message: err.Error()}, false
	case errors.Is(err, jobs.ErrInvalidCursor):
		return &Error{Status: http.StatusBadRequest, Code: CodeInvalidRequest, Message: "invalid cursor"}, false
	case errors.Is(err, jobs.ErrUnavailable):
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable,
			Message: "the service is busy; retry after the Retry-After delay"}, true
	case errors.Is(err, context.DeadlineExceeded):
		// The request's deadline (Config.RequestTimeout) ended a store or
		// queue call that did not answer in time.
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable,
			Message: "the service did not answer in time; retry after the Retry-After delay"}, true
	default:
		return &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: "internal error"}, true
	}
}

// writeError writes err as a JSON error response; an unexpected error is
// logged with its details, which the caller never sees.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	apiErr, internal := toAPIError(err)
	attrs := []any{slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Int("status", apiErr.Status), slog.String("code", apiErr.Code)}
	if id := r.PathValue("id"); id != "" {
		attrs = append(attrs, slog.String("jobId", id))
	}
	if internal {
		s.log.ErrorContext(r.Context(), "api request failed", append(attrs, slog.Any("error", err))...)
	} else {
		s.log.DebugContext(r.Context(), "api request rejected", append(attrs, slog.String("reason", err.Error()))...)
	}
	if apiErr.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	s.writeJSON(w, r, apiErr.Status, errorBody{Error: errorDetail{Code: apiErr.Code, Message: apiErr.Message}})
}
