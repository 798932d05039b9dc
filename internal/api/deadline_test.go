package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"jobline/internal/api"
	"jobline/internal/jobs"
	"jobline/internal/queue"
)

// hungStore is a store whose calls named in hang block until their
// context ends, like DynamoDB frozen behind a client that honours it.
type hungStore struct {
	api.Store
	hang map[string]bool
}

func (s *hungStore) wait(ctx context.Context, op string) error {
	if !s.hang[op] {
		return nil
	}
	<-ctx.Done()
	return ctx.Err()
}

func (s *hungStore) Create(ctx context.Context, j jobs.Job) (jobs.Job, bool, error) {
	if err := s.wait(ctx, "Create"); err != nil {
		return jobs.Job{}, false, err
	}
	return s.Store.Create(ctx, j)
}

func (s *hungStore) Get(ctx context.Context, id string) (jobs.Job, error) {
	if err := s.wait(ctx, "Get"); err != nil {
		return jobs.Job{}, err
	}
	return s.Store.Get(ctx, id)
}

func (s *hungStore) List(ctx context.Context, q jobs.ListQuery) (jobs.Page, error) {
	if err := s.wait(ctx, "List"); err != nil {
		return jobs.Page{}, err
	}
	return s.Store.List(ctx, q)
}

// hungQueue is a queue whose sends block until their context ends.
type hungQueue struct{ api.Sender }

func (hungQueue) Send(ctx context.Context, _ ...queue.SendRequest) ([]string, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestHungBackendNeverHangsTheAPI: with the store or the queue frozen, every
// request is answered at its deadline (5s by default): 503 unavailable
// with Retry-After when the store did not answer, and nothing written; a
// create whose store write went through but whose send hung is 201 (the
// job is whole; the reconciler sends its message).
func TestHungBackendNeverHangsTheAPI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		hang       []string // store calls that hang
		hungQueue  bool
		req        request
		wantStatus int
	}{
		{name: "get, store hung", hang: []string{"Get"}, req: request{method: "GET", path: "/jobs/some-id", user: "alice"}, wantStatus: 503},
		{name: "list, store hung", hang: []string{"List"}, req: request{method: "GET", path: "/jobs", user: "alice"}, wantStatus: 503},
		{name: "create, store hung", hang: []string{"Create"}, req: request{method: "POST", path: "/jobs", user: "alice", body: `{"jobType":"echo"}`}, wantStatus: 503},
		{name: "create, queue hung", hungQueue: true, req: request{method: "POST", path: "/jobs", user: "alice", body: `{"jobType":"echo"}`}, wantStatus: 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				hang := map[string]bool{}
				for _, op := range tt.hang {
					hang[op] = true
				}
				var store *hungStore
				b := setup(t, func(c *api.Config) {
					store = &hungStore{Store: c.Store, hang: hang}
					c.Store = store
					if tt.hungQueue {
						c.Queue = hungQueue{c.Queue}
					}
				})
				start := time.Now()
				w := b.do(t, tt.req)
				if took := time.Since(start); took != api.DefaultRequestTimeout {
					t.Errorf("answered after %s, want at the deadline, %s", took, api.DefaultRequestTimeout)
				}
				if w.Code != tt.wantStatus {
					t.Fatalf("status %d, want %d; body %s", w.Code, tt.wantStatus, w.Body)
				}
				if tt.wantStatus == 503 {
					wantError(t, w, http.StatusServiceUnavailable, api.CodeUnavailable)
					if w.Header().Get("Retry-After") == "" {
						t.Error("503 without Retry-After")
					}
					if n := b.store.writes.Load(); n != 0 {
						t.Errorf("%d writes for a request answered 503", n)
					}
					return
				}
				var j jobJSON
				decode(t, w, &j)
				if stored, err := b.mem.Get(context.Background(), j.ID); err != nil || stored.Status != jobs.StatusQueued || stored.SweepAt.IsZero() {
					t.Fatalf("created job %+v (%v): want stored, queued, with a sweep time for the reconciler", stored, err)
				}
				if !strings.Contains(b.logs.String(), "the reconciler will re-send it") {
					t.Errorf("the hung send was not logged: %s", b.logs.String())
				}
			})
		})
	}
}

// TestRequestTimeoutIsConfigurable: Config.RequestTimeout sets the
// deadline; a negative one is refused.
func TestRequestTimeoutIsConfigurable(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := setup(t, func(c *api.Config) {
			c.Store = &hungStore{Store: c.Store, hang: map[string]bool{"Get": true}}
			c.RequestTimeout = 1500 * time.Millisecond
		})
		start := time.Now()
		w := b.do(t, request{method: "GET", path: "/jobs/x", user: "alice"})
		if took := time.Since(start); took != 1500*time.Millisecond || w.Code != http.StatusServiceUnavailable {
			t.Fatalf("answered %d after %s, want 503 after 1.5s", w.Code, took)
		}
	})
	if _, err := api.New(api.Config{Store: jobs.NewMemoryStore(), ReadOnly: true, RequestTimeout: -time.Second}); err == nil {
		t.Error("a negative RequestTimeout was accepted")
	}
}
