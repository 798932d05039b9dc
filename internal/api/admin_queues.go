package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"jobline/internal/metrics"
	"jobline/internal/redrive"
)

// Limits of the admin API's queries and bodies.
const (
	// MaxDLQList is the most dead-letter messages GET /admin/dlq lists.
	MaxDLQList = 1000
	// MaxRedriveSelection is the most job IDs one redrive may name.
	MaxRedriveSelection = 100
	// DefaultMetricsWindow is GET /admin/metrics's window without one.
	DefaultMetricsWindow = time.Hour
)

// queueStats serves GET /admin/queues: each jobs queue's and the
// dead-letter queue's message counts, and the oldest message's age from
// the queue itself (the memory queue) or from QueueAges (CloudWatch).
func (s *adminServer) queueStats(w http.ResponseWriter, r *http.Request) error {
	stats, err := s.cfg.Queues.Stats(r.Context())
	if err != nil {
		return fmt.Errorf("queue stats: %w", err)
	}
	dlq, err := s.cfg.Queues.DeadLetters().Stats(r.Context())
	if err != nil {
		return fmt.Errorf("dead-letter queue stats: %w", err)
	}
	stats = append(stats, dlq)
	view := queuesView{Queues: make([]queueView, 0, len(stats))}
	var unknown []string
	for _, st := range stats {
		view.Queues = append(view.Queues, viewQueue(st))
		if !st.OldestKnown {
			unknown = append(unknown, st.Name)
		}
	}
	if len(unknown) > 0 && s.cfg.QueueAges != nil {
		s.fillAges(r, &view, unknown)
	}
	s.writeJSON(w, r, http.StatusOK, view)
	return nil
}

// fillAges asks QueueAges for the ages the queues did not know. A failure
// is logged and leaves them null: the counts are still worth showing.
func (s *adminServer) fillAges(r *http.Request, view *queuesView, names []string) {
	ages, err := s.cfg.QueueAges.OldestMessageAges(r.Context(), names, s.cfg.Clock.Now())
	if err != nil {
		s.log.WarnContext(r.Context(), "oldest message ages unavailable", "error", err)
		return
	}
	for i, q := range view.Queues {
		if age, ok := ages[q.Name]; ok && q.OldestAgeSeconds == nil {
			secs := age.Seconds()
			view.Queues[i].OldestAgeSeconds, view.Queues[i].OldestAgeSource = &secs, &ageSourceCloudWatch
		}
	}
}

// listDeadLetters serves GET /admin/dlq?max=N: the dead-letter queue's
// messages with their jobs (redrive.Redriver.List; the messages stay).
func (s *adminServer) listDeadLetters(w http.ResponseWriter, r *http.Request) error {
	max := redrive.DefaultListMax
	if v := r.URL.Query().Get("max"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxDLQList {
			return invalidRequest("max must be an integer between 1 and %d, got %q", MaxDLQList, v)
		}
		max = n
	}
	entries, err := s.cfg.DeadLetters.List(r.Context(), max)
	if err != nil {
		return fmt.Errorf("list dead-letter queue: %w", err)
	}
	s.writeJSON(w, r, http.StatusOK, viewDeadLetters(entries))
	return nil
}

// redriveRequest is the body of POST /admin/dlq/redrive: a selection of
// jobs (jobIds) or all of the dead-letter queue (all, maybe of one
// jobType, at most max).
type redriveRequest struct {
	JobIDs  []string `json:"jobIds"`
	All     bool     `json:"all"`
	JobType string   `json:"jobType"`
	Max     int      `json:"max"`
	Reason  string   `json:"reason"`
	DryRun  bool     `json:"dryRun"`
}

// options checks the request and returns the redrive it asks for, by
// admin.
func (req redriveRequest) options(admin string) (redrive.Options, error) {
	switch {
	case req.All == (len(req.JobIDs) > 0):
		return redrive.Options{}, invalidRequest("give either jobIds (a selection) or all: true")
	case len(req.JobIDs) > MaxRedriveSelection:
		return redrive.Options{}, invalidRequest("jobIds may name at most %d jobs, got %d", MaxRedriveSelection, len(req.JobIDs))
	case req.Max < 0:
		return redrive.Options{}, invalidRequest("max must be 0 (no limit) or more, got %d", req.Max)
	}
	for _, id := range req.JobIDs {
		if id == "" || strings.TrimSpace(id) != id {
			return redrive.Options{}, invalidRequest("jobIds must be job IDs, got %q", id)
		}
	}
	if err := checkReason(req.Reason); err != nil {
		return redrive.Options{}, err
	}
	return redrive.Options{JobIDs: req.JobIDs, JobType: req.JobType, Max: req.Max, DryRun: req.DryRun,
		Reason: req.Reason, Operator: admin}, nil
}

// redriveDeadLetters serves POST /admin/dlq/redrive: the same redrive as
// the CLI's (redrive.Redriver.Redrive), recording the admin as operator.
func (s *adminServer) redriveDeadLetters(w http.ResponseWriter, r *http.Request) error {
	var req redriveRequest
	if err := readBody(w, r, &req, false); err != nil {
		return err
	}
	opts, err := req.options(s.admin(r))
	if err != nil {
		return err
	}
	res, err := s.cfg.DeadLetters.Redrive(r.Context(), opts)
	if err != nil {
		// What was done before the error stays done; the log says what.
		s.log.ErrorContext(r.Context(), "redrive stopped", "redriven", res.Redriven, "items", len(res.Items), "by", opts.Operator)
		return fmt.Errorf("redrive: %w", err)
	}
	s.log.InfoContext(r.Context(), "admin redrive", "by", opts.Operator, "dryRun", opts.DryRun, "redriven", res.Redriven, "items", len(res.Items))
	s.writeJSON(w, r, http.StatusOK, viewRedrive(res))
	return nil
}

// metricsReport serves GET /admin/metrics?window=1h: every job type's
// metrics per minute over the window that ends now (1m..3h, whole
// minutes; default DefaultMetricsWindow).
func (s *adminServer) metricsReport(w http.ResponseWriter, r *http.Request) error {
	window := DefaultMetricsWindow
	if v := r.URL.Query().Get("window"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute || d > metrics.MaxWindow || d%time.Minute != 0 {
			return invalidRequest("window must be whole minutes between 1m and %v, such as 15m or 1h; got %q", metrics.MaxWindow, v)
		}
		window = d
	}
	rep, err := s.cfg.Metrics.Query(r.Context(), metrics.LastWindow(s.cfg.Clock.Now(), window))
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	s.writeJSON(w, r, http.StatusOK, viewMetrics(rep))
	return nil
}
