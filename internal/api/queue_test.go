package api_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"jobline/internal/queue"
)

// sendOnlyQueue stands in for the in-memory queue until it lands: the API
// only sends. Embedding the interface makes any other call panic loudly.
type sendOnlyQueue struct {
	queue.Queue
	mu sync.Mutex
	n  int
}

func (q *sendOnlyQueue) Send(_ context.Context, reqs ...queue.SendRequest) ([]string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	ids := make([]string, 0, len(reqs))
	for _, r := range reqs {
		if r.Body == "" || r.Delay < 0 || r.Delay > queue.MaxDelay {
			return nil, fmt.Errorf("send: %w", queue.ErrInvalidRequest)
		}
		q.n++
		ids = append(ids, fmt.Sprintf("m%d", q.n))
	}
	return ids, nil
}

func newTestQueue(t *testing.T) queue.Queue {
	t.Helper()
	return &sendOnlyQueue{}
}
