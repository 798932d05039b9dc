package api

import (
	"encoding/json"
	"time"

	"jobline/internal/jobs"
)

// timeFormat is how the API writes times: RFC 3339 in UTC with
// milliseconds, fixed width, so that JavaScript's Date parses it and
// strings sort like times.
const timeFormat = "2006-01-02T15:04:05.000Z"

// jobView is a Job as the API shows its owner: its attempts, but not who
// owns it, its lease, version or raw history (adminJobView adds what
// operators need).
type jobView struct {
	ID           string          `json:"id"`
	JobType      string          `json:"jobType"`
	Status       jobs.Status     `json:"status"`
	Progress     int             `json:"progress"`
	ErrorMessage *string         `json:"errorMessage"`
	Parameters   json.RawMessage `json:"parameters"`
	Result       json.RawMessage `json:"result"`
	Priority     int             `json:"priority"`
	Attempt      int             `json:"attempt"`
	MaxAttempts  int             `json:"maxAttempts"`
	CreatedAt    *string         `json:"createdAt"`
	UpdatedAt    *string         `json:"updatedAt"`
	CompletedAt  *string         `json:"completedAt"`
	Attempts     []attemptView   `json:"attempts"`
}

// attemptView is one attempt of a job (jobs.Attempts): when it started and
// ended (null while it runs), how it ended and its error, if any.
type attemptView struct {
	Attempt   int                 `json:"attempt"`
	StartedAt *string             `json:"startedAt"`
	EndedAt   *string             `json:"endedAt"`
	Outcome   jobs.AttemptOutcome `json:"outcome"`
	Error     *string             `json:"error"`
}

// assetView is an Asset as the API shows it.
type assetView struct {
	ID          string         `json:"id"`
	JobID       string         `json:"jobId"`
	AssetType   string         `json:"assetType"`
	URL         string         `json:"url"`
	StoragePath string         `json:"storagePath"`
	FileSize    int64          `json:"fileSize"`
	Metadata    map[string]any `json:"metadata"`
	CreatedAt   *string        `json:"createdAt"`
}

// listView is the body of GET /jobs.
type listView struct {
	Jobs       []jobView `json:"jobs"`
	NextCursor *string   `json:"nextCursor"`
}

// assetsView is the body of GET /jobs/{id}/assets.
type assetsView struct {
	Assets []assetView `json:"assets"`
}

// viewJob converts a stored job to its API view.
func viewJob(j jobs.Job) jobView {
	params := j.Parameters
	if len(params) == 0 {
		params = json.RawMessage(`{}`)
	}
	result := j.Result
	if len(result) == 0 {
		result = json.RawMessage(`null`)
	}
	return jobView{
		ID:           j.ID,
		JobType:      j.JobType,
		Status:       j.Status,
		Progress:     j.Progress,
		ErrorMessage: nonEmpty(j.ErrorMessage),
		Parameters:   params,
		Result:       result,
		Priority:     j.Priority,
		Attempt:      j.Attempt,
		MaxAttempts:  j.MaxAttempts,
		CreatedAt:    formatTime(j.CreatedAt),
		UpdatedAt:    formatTime(j.UpdatedAt),
		CompletedAt:  formatTime(j.CompletedAt),
		Attempts:     viewAttempts(j),
	}
}

// viewAttempts is the job's attempts, oldest first; [] when it has none.
func viewAttempts(j jobs.Job) []attemptView {
	return viewEach(jobs.Attempts(j), func(a jobs.AttemptRecord) attemptView {
		return attemptView{Attempt: a.Attempt, StartedAt: formatTime(a.StartedAt), EndedAt: formatTime(a.EndedAt), Outcome: a.Outcome, Error: nonEmpty(a.Error)}
	})
}

// viewAsset converts a stored asset to its API view.
func viewAsset(a jobs.Asset) assetView {
	return assetView{
		ID:          a.ID,
		JobID:       a.JobID,
		AssetType:   a.AssetType,
		URL:         a.URL,
		StoragePath: a.StoragePath,
		FileSize:    a.FileSize,
		Metadata:    a.Metadata, // nil marshals as null
		CreatedAt:   formatTime(a.CreatedAt),
	}
}

// formatTime returns t in timeFormat, or nil (JSON null) for the zero time.
func formatTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(timeFormat)
	return &s
}

// nonEmpty returns &s, or nil (JSON null) for "".
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// viewList converts a page of jobs to the body of GET /jobs.
func viewList(page jobs.Page) listView {
	return listView{Jobs: viewEach(page.Jobs, viewJob), NextCursor: nonEmpty(page.NextCursor)}
}

// viewAssets converts a job's assets to the body of GET /jobs/{id}/assets.
func viewAssets(assets []jobs.Asset) assetsView {
	return assetsView{Assets: viewEach(assets, viewAsset)}
}

// viewEach converts every element of in with view, in order; [] (JSON [],
// never null) when in is empty.
func viewEach[T, V any](in []T, view func(T) V) []V {
	out := make([]V, 0, len(in))
	for _, x := range in {
		out = append(out, view(x))
	}
	return out
}
