package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"jobline/internal/jobs"
)

// List limits of GET /jobs.
const (
	DefaultListLimit = 20
	MaxListLimit     = 100
)

// ownJob returns the caller's job. Another user's job is ErrNotFound, the
// same answer as a missing one, so that IDs reveal nothing.
func (s *server) ownJob(r *http.Request, owner string) (jobs.Job, error) {
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
	owner, err := s.user(r)
	if err != nil {
		return err
	}
	job, err := s.ownJob(r, owner)
	if err != nil {
		return err
	}
	setETag(w, job)
	w.Header().Set("Cache-Control", "no-cache")
	if etagMatches(r.Header.Values("If-None-Match"), etag(job)) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	s.writeJSON(w, r, http.StatusOK, viewJob(job))
	return nil
}

// listJobs serves GET /jobs?status=&jobType=&limit=&cursor=.
func (s *server) listJobs(w http.ResponseWriter, r *http.Request) error {
	owner, err := s.user(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	lq := jobs.ListQuery{Owner: owner, JobType: q.Get("jobType"), Limit: DefaultListLimit, Cursor: q.Get("cursor")}
	if v := q.Get("status"); v != "" {
		lq.Status = jobs.Status(v)
		if !lq.Status.Valid() {
			return invalidRequest("status must be one of %s, got %q", statusList(), v)
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxListLimit {
			return invalidRequest("limit must be an integer between 1 and %d, got %q", MaxListLimit, v)
		}
		lq.Limit = n
	}
	page, err := s.cfg.Store.List(r.Context(), lq)
	if err != nil {
		return fmt.Errorf("list jobs of %s: %w", owner, err)
	}
	out := listView{Jobs: make([]jobView, 0, len(page.Jobs)), NextCursor: nonEmpty(page.NextCursor)}
	for _, j := range page.Jobs {
		out.Jobs = append(out.Jobs, viewJob(j))
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// listAssets serves GET /jobs/{id}/assets, oldest first.
func (s *server) listAssets(w http.ResponseWriter, r *http.Request) error {
	owner, err := s.user(r)
	if err != nil {
		return err
	}
	job, err := s.ownJob(r, owner)
	if err != nil {
		return err
	}
	assets, err := s.cfg.Store.ListAssets(r.Context(), job.ID)
	if err != nil {
		return fmt.Errorf("list assets of job %s: %w", job.ID, err)
	}
	out := assetsView{Assets: make([]assetView, 0, len(assets))}
	for _, a := range assets {
		if s.cfg.AssetURL != nil {
			url, err := s.cfg.AssetURL(r.Context(), a)
			if err != nil {
				return fmt.Errorf("asset URL of %s (job %s): %w", a.ID, job.ID, err)
			}
			a.URL = url
		}
		out.Assets = append(out.Assets, viewAsset(a))
	}
	s.writeJSON(w, r, http.StatusOK, out)
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
	s.log.InfoContext(r.Context(), "job canceled", slog.String("jobId", job.ID), slog.String("jobType", job.JobType))
	setETag(w, job)
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

// statusList returns the statuses for an error message.
func statusList() string {
	names := make([]string, 0, len(jobs.Statuses()))
	for _, st := range jobs.Statuses() {
		names = append(names, string(st))
	}
	return strings.Join(names, ", ")
}
