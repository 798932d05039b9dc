package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"jobline/internal/api"
	"jobline/internal/apigw"
	"jobline/internal/clock"
	"jobline/internal/jobs"
	"jobline/internal/queue"
)

// FuzzRouter sends arbitrary methods, paths and queries through the path
// router: API Gateway's event conversion (internal/apigw) and the API's
// mux, as alice (seed corpus: testdata/fuzz/FuzzRouter). Whatever comes in,
// the answer is never a 5xx, is JSON (or an empty 304), and never shows
// bob's job.
func FuzzRouter(f *testing.F) {
	for _, seed := range [][3]string{
		{"GET", "/jobs/alice-job", ""},
		{"GET", "/jobs/bob-job", ""},
		{"GET", "/jobs", "status=queued&limit=2&cursor=x"},
		{"POST", "/jobs/alice-job/cancel", ""},
		{"DELETE", "/jobs/%2e%2e/bob-job", ""},
		{"GET", "/files/" + strings.Repeat("a", 5000), ""},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	adapter := fuzzAdapter(f)
	f.Fuzz(func(t *testing.T, method, path, query string) {
		ev := events.APIGatewayV2HTTPRequest{RawPath: path, RawQueryString: query}
		ev.RequestContext.HTTP.Method = method
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": "alice"}},
		}
		resp, err := adapter.Handle(context.Background(), ev)
		if err != nil {
			t.Fatalf("%s %q ? %q: %v", method, path, query, err)
		}
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %q ? %q: %d %s", method, path, query, resp.StatusCode, resp.Body)
		}
		if strings.Contains(resp.Body, "bob-secret") {
			t.Fatalf("%s %q ? %q showed bob's job: %s", method, path, query, resp.Body)
		}
		if resp.StatusCode == 304 && resp.Body == "" {
			return
		}
		if ct, _, _ := mime.ParseMediaType(resp.Headers["Content-Type"]); ct != "application/json" || !json.Valid([]byte(resp.Body)) {
			t.Fatalf("%s %q ? %q: %d with Content-Type %q: %s", method, path, query, resp.StatusCode, resp.Headers["Content-Type"], resp.Body)
		}
	})
}

// fuzzAdapter is the API on a memory store holding a job of alice's and
// one of bob's, behind the API Gateway adapter.
func fuzzAdapter(f *testing.F) *apigw.Adapter {
	store := jobs.NewMemoryStore()
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, j := range []jobs.Job{
		{ID: "alice-job", Owner: "alice", JobType: "echo", MaxAttempts: 3, CreatedAt: now, Parameters: json.RawMessage(`{"who":"alice"}`)},
		{ID: "bob-job", Owner: "bob", JobType: "echo", MaxAttempts: 3, CreatedAt: now, Parameters: json.RawMessage(`{"who":"bob-secret"}`)},
	} {
		if _, _, err := store.Create(context.Background(), j); err != nil {
			f.Fatal(err)
		}
	}
	q, err := queue.NewMemory(queue.MemoryConfig{})
	if err != nil {
		f.Fatal(err)
	}
	h, err := api.New(api.Config{Store: store, Queue: q, Clock: clock.NewFake(now), ValidateJob: validateJob, Logger: discardLogger()})
	if err != nil {
		f.Fatal(err)
	}
	adapter, err := apigw.New(apigw.Config{Handler: h, WithUser: api.WithUser, Logger: discardLogger()})
	if err != nil {
		f.Fatal(err)
	}
	return adapter
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
