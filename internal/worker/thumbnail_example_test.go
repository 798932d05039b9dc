package worker_test

import (
	"context"
	"errors"
	"fmt"
	"path"
	"time"

	"jobline/internal/jobs"
	"jobline/internal/worker"
)

// ThumbnailParams are a thumbnail job's parameters, as a client sends them:
// POST /jobs {"jobType": "thumbnail", "parameters": {"key": "cat.jpg", "width": 320}}.
// An unknown field, or a value of the wrong JSON kind, is a 400 before
// Validate runs.
type ThumbnailParams struct {
	Key   string `json:"key"`   // the image to shrink
	Width int    `json:"width"` // in pixels, 16..1024
}

// Validate runs in POST /jobs before the job is created; its error is the
// 400's message.
func (p ThumbnailParams) Validate() error {
	if p.Key == "" {
		return errors.New("key is required")
	}
	if p.Width < 16 || p.Width > 1024 {
		return fmt.Errorf("width must be between 16 and 1024, got %d", p.Width)
	}
	return nil
}

// ThumbnailResult is the job's result, stored as JSON.
type ThumbnailResult struct {
	ThumbnailKey string `json:"thumbnailKey"`
}

// Register adds the thumbnail job type to reg.
func Register(reg *worker.Registry) {
	worker.Register(reg, "thumbnail", makeThumbnail,
		worker.Describe("shrinks an image to a given width"),
		worker.Timeout(2*time.Minute), // default 4m
	)
}

// makeThumbnail runs one attempt. Its parameters are decoded already.
func makeThumbnail(ctx context.Context, t *worker.Task, p ThumbnailParams) (ThumbnailResult, error) {
	if path.Ext(p.Key) == ".txt" {
		return ThumbnailResult{}, jobs.Permanent(errors.New("not an image")) // retrying cannot fix it
	}
	t.Progress(10)
	// ... fetch, resize and store the image, honouring ctx: it ends at the
	// timeout, when the job is canceled, and when the worker shuts down.
	// An error returned here is retried with backoff while attempts remain.
	if err := ctx.Err(); err != nil {
		return ThumbnailResult{}, err
	}
	t.Progress(100)
	return ThumbnailResult{ThumbnailKey: fmt.Sprintf("thumbnails/%d/%s", p.Width, p.Key)}, nil
}
