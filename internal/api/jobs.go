package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"jobline/internal/jobs"
	"jobline/internal/metrics"
)

// ownJob returns the caller's job named by the path. Another user's job is
// ErrNotFound, the same answer as a missing one, so that IDs reveal
// nothing.
func (s *server) ownJob(r *http.Request) (jobs.Job, error) {
	owner, err := s.user(r)
	if err != nil {
		return jobs.Job{}, err
	}
	id := r.PathValue("id")
	job, err := s.cfg.Store.Get(r.Context(), id)
	if err != nil {
		return jobs.Job{}, fmt.Errorf("get job %s: %w", id, err)
	}
	if job.Owner != owner {
		return jobs.Job{}, fmt.Errorf("get job %s: owned by another user: %w", id, jobs.ErrNotFound)
	}
	return job, nil
}

// getJob serves GET /jobs/{id}, answering 304 when If-None-Match matches
// the job's ETag, so that polling clients skip unchanged bodies.
func (s *server) getJob(w http.ResponseWriter, r *http.Request) error {
	job, err := s.ownJob(r)
	if err != nil {
		return err
	}
	setETag(w, job)
	setPollHint(w, job, s.cfg.Clock.Now())
	w.Header().Set("Cache-Control", "no-cache")
	if etagMatches(r.Header.Values("If-None-Match"), etag(job)) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	s.writeJSON(w, r, http.StatusOK, viewJob(job))
	return nil
}

// etag is the job's strong entity tag: its version, which every write
// increases.
func etag(j jobs.Job) string { return `"` + strconv.FormatInt(j.Version, 10) + `"` }

// setETag sets the ETag header of a response that carries job.
func setETag(w http.ResponseWriter, j jobs.Job) { w.Header().Set("ETag", etag(j)) }

// etagMatches applies If-None-Match (RFC 9110 13.1.2): "*" or any listed
// tag equal to current under weak comparison (W/ prefixes ignored).
func etagMatches(headers []string, current string) bool {
	for _, h := range headers {
		for _, tag := range strings.Split(h, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" || strings.TrimPrefix(tag, "W/") == current {
				return true
			}
		}
	}
	return false
}

// MaxListBodyBytes bounds the body of GET /jobs as it travels inside a
// Lambda response, a JSON string (every quote and backslash escaped):
// API Gateway and Lambda carry at most 6 MB, and the rest of the response
// needs some room.
const MaxListBodyBytes = 5 << 20

// listJobs serves GET /jobs?status=&jobType=&limit=&cursor=. A page whose
// body would pass MaxListBodyBytes is cut to the jobs that fit, listed
// again with that limit so that its cursor follows the last one (a second
// store call, for pages of some thousand kilobytes of parameters and
// results only).
func (s *server) listJobs(w http.ResponseWriter, r *http.Request) error {
	lq, err := s.listQuery(r)
	if err != nil {
		return err
	}
	page, err := s.cfg.Store.List(r.Context(), lq)
	if err != nil {
		return fmt.Errorf("list jobs of %s: %w", lq.Owner, err)
	}
	if fit := jobsThatFit(page.Jobs, MaxListBodyBytes); fit < len(page.Jobs) {
		lq.Limit = fit
		if page, err = s.cfg.Store.List(r.Context(), lq); err != nil {
			return fmt.Errorf("list jobs of %s: %w", lq.Owner, err)
		}
		page.Jobs = page.Jobs[:min(len(page.Jobs), fit)]
	}
	s.writeJSON(w, r, http.StatusOK, viewList(page))
	return nil
}

// jobsThatFit is how many of js (at least one) a list body holds within
// budget bytes, counted as the body's size once escaped as a JSON string.
func jobsThatFit(js []jobs.Job, budget int) int {
	used := escapedSize(mustJSON(viewList(jobs.Page{}))) + len(`,"nextCursor":"`) + 200 // the envelope and a cursor
	for i, j := range js {
		used += escapedSize(mustJSON(viewJob(j))) + 1
		if used > budget {
			return max(i, 1)
		}
	}
	return len(js)
}

// mustJSON encodes v as writeJSON does; every view encodes.
func mustJSON(v any) []byte {
	b, _ := encodeJSON(v)
	return b
}

// escapedSize is the size of b once written as a JSON string: quotes and
// backslashes take two bytes, other control characters six, and U+2028 and
// U+2029 six instead of three.
func escapedSize(b []byte) int {
	n := len(b)
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"' || c == '\\':
			n++
		case c < 0x20:
			n += 5
		case c == 0xE2 && i+2 < len(b) && b[i+1] == 0x80 && (b[i+2] == 0xA8 || b[i+2] == 0xA9):
			n += 3
		}
	}
	return n
}

// listQuery reads GET /jobs's query: the caller's jobs, filtered by status
// and jobType, jobs.DefaultListLimit of them unless limit says otherwise.
func (s *server) listQuery(r *http.Request) (jobs.ListQuery, error) {
	owner, err := s.user(r)
	if err != nil {
		return jobs.ListQuery{}, err
	}
	lq, err := parseListQuery(r.URL.Query())
	lq.Owner = owner
	return lq, err
}

// parseListQuery reads the filters and paging of a job listing: status,
// jobType, limit (1..jobs.MaxListLimit, default jobs.DefaultListLimit) and
// cursor.
func parseListQuery(q url.Values) (jobs.ListQuery, error) {
	lq := jobs.ListQuery{JobType: q.Get("jobType"), Limit: jobs.DefaultListLimit, Cursor: q.Get("cursor")}
	if v := q.Get("status"); v != "" {
		lq.Status = jobs.Status(v)
		if !lq.Status.Valid() {
			return jobs.ListQuery{}, invalidRequest("status must be one of %s, got %q", statusList(), v)
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > jobs.MaxListLimit {
			return jobs.ListQuery{}, invalidRequest("limit must be an integer between 1 and %d, got %q", jobs.MaxListLimit, v)
		}
		lq.Limit = n
	}
	return lq, nil
}

// statusList returns the statuses for an error message.
func statusList() string {
	names := make([]string, 0, len(jobs.Statuses()))
	for _, st := range jobs.Statuses() {
		names = append(names, string(st))
	}
	return strings.Join(names, ", ")
}

// listAssets serves GET /jobs/{id}/assets, oldest first.
func (s *server) listAssets(w http.ResponseWriter, r *http.Request) error {
	job, err := s.ownJob(r)
	if err != nil {
		return err
	}
	return s.writeAssets(w, r, job)
}

// writeAssets answers with job's assets, their URLs made by
// Config.AssetURL when set.
func (s *server) writeAssets(w http.ResponseWriter, r *http.Request, job jobs.Job) error {
	assets, err := s.cfg.Store.ListAssets(r.Context(), job.ID)
	if err != nil {
		return fmt.Errorf("list assets of job %s: %w", job.ID, err)
	}
	if s.cfg.AssetURL != nil {
		for i, a := range assets {
			if assets[i].URL, err = s.cfg.AssetURL(r.Context(), a); err != nil {
				return fmt.Errorf("asset URL of %s (job %s): %w", a.ID, job.ID, err)
			}
		}
	}
	s.writeJSON(w, r, http.StatusOK, viewAssets(assets))
	return nil
}

// cancelJob serves POST /jobs/{id}/cancel. The store checks ownership and
// status in the same atomic write; a running handler notices through its
// context.
func (s *server) cancelJob(w http.ResponseWriter, r *http.Request) error {
	owner, err := s.user(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	job, err := s.cfg.Store.Cancel(r.Context(), id, jobs.CancelRequest{Owner: owner, Now: s.cfg.Clock.Now()})
	if err != nil {
		return fmt.Errorf("cancel job %s: %w", id, err)
	}
	s.jobLog(job).InfoContext(r.Context(), "job canceled")
	s.cfg.Metrics.Record(job.UpdatedAt, job.JobType, metrics.Count(metrics.Canceled))
	setETag(w, job)
	s.writeJSON(w, r, http.StatusOK, viewJob(job))
	return nil
}
