package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"jobline/internal/jobs"
	"jobline/internal/metrics"
)

// listAllJobs serves GET /admin/jobs?status=&jobType=&owner=&limit=&cursor=:
// every owner's jobs (or owner's), newest first.
func (s *adminServer) listAllJobs(w http.ResponseWriter, r *http.Request) error {
	lq, err := parseListQuery(r.URL.Query())
	if err != nil {
		return err
	}
	lq.Owner = r.URL.Query().Get("owner")
	page, err := s.cfg.Store.ListAll(r.Context(), lq)
	if err != nil {
		return fmt.Errorf("list all jobs: %w", err)
	}
	s.writeJSON(w, r, http.StatusOK, viewAdminList(page))
	return nil
}

// getAnyJob serves GET /admin/jobs/{id}: any owner's job, with its
// timeline.
func (s *adminServer) getAnyJob(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	job, err := s.cfg.Store.Get(r.Context(), id)
	if err != nil {
		return fmt.Errorf("get job %s: %w", id, err)
	}
	setETag(w, job)
	s.writeJSON(w, r, http.StatusOK, viewAdminJobDetail(job))
	return nil
}

// cancelRequest is the optional body of POST /admin/jobs/{id}/cancel.
type cancelRequest struct {
	Reason string `json:"reason"`
}

// cancelAnyJob serves POST /admin/jobs/{id}/cancel: the store cancels any
// owner's queued or processing job, recording the admin and the reason in
// its history.
func (s *adminServer) cancelAnyJob(w http.ResponseWriter, r *http.Request) error {
	var req cancelRequest
	if err := readBody(w, r, &req, true); err != nil {
		return err
	}
	if err := checkReason(req.Reason); err != nil {
		return err
	}
	id := r.PathValue("id")
	job, err := s.cfg.Store.Cancel(r.Context(), id, jobs.CancelRequest{
		AnyOwner: true, By: s.admin(r), Reason: req.Reason, Now: s.cfg.Clock.Now(),
	})
	if err != nil {
		return fmt.Errorf("admin cancel of job %s: %w", id, err)
	}
	s.jobLog(job).InfoContext(r.Context(), "job canceled by an admin", "by", s.admin(r), "owner", job.Owner)
	s.cfg.Recorder.Record(job.UpdatedAt, job.JobType, metrics.Count(metrics.Canceled))
	setETag(w, job)
	s.writeJSON(w, r, http.StatusOK, viewAdminJobDetail(job))
	return nil
}

// checkReason bounds an operator's reason to what a history event keeps.
func checkReason(reason string) error {
	if len(reason) > jobs.MaxEventDetail {
		return invalidRequest("reason must be at most %d bytes, got %d", jobs.MaxEventDetail, len(reason))
	}
	return nil
}

// readBody decodes a JSON object body into v strictly: v's fields only
// (names matched exactly), of the right types, nothing after the object,
// and the create body's hygiene (checkJSON: UTF-8, no repeated key, no
// deep nesting). An empty body leaves v as is when optional.
func readBody(w http.ResponseWriter, r *http.Request, v any, optional bool) error {
	body, err := readRequestBody(w, r)
	if err != nil {
		return err
	}
	if optional && len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := checkJSON(body); err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return invalidRequest("request body must be a JSON object")
	}
	allowed := jsonFieldNames(v)
	names := slices.Sorted(maps.Keys(fields))
	if i := slices.IndexFunc(names, func(n string) bool { return !slices.Contains(allowed, n) }); i >= 0 {
		return invalidRequest("unknown field %q; allowed: %s", names[i], strings.Join(allowed, ", "))
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return invalidRequest("%s must be %s", typeErr.Field, jsonTypeName(typeErr.Type))
		}
		return invalidRequest("request body does not match its fields")
	}
	return nil
}

// jsonFieldNames returns the JSON names of the fields of the struct v
// points to.
func jsonFieldNames(v any) []string {
	t := reflect.TypeOf(v).Elem()
	names := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

// jsonTypeName names a Go type as JSON calls it, with its article, for
// an error message: "a string", "an integer", "an array of strings".
func jsonTypeName(t reflect.Type) string {
	if t.Kind() == reflect.Slice {
		return "an array of " + jsonKind(t.Elem()) + "s"
	}
	k := jsonKind(t)
	if k == "integer" {
		return "an integer"
	}
	return "a " + k
}

// jsonKind is the JSON name of a scalar Go type.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int64:
		return "integer"
	}
	return t.String()
}
