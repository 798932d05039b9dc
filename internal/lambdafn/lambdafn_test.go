package lambdafn

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"jobline/internal/api"
	"jobline/internal/awsbackend"
	"jobline/internal/queue/sqsqueue"
)

// recordingBackend is the real backend (no request is made) that records
// whether the wiring asked for the queue.
type recordingBackend struct {
	*awsbackend.Backend
	askedQueue bool
}

func (b *recordingBackend) Queue() (*sqsqueue.Queue, error) {
	b.askedQueue = true
	return b.Backend.Queue()
}

func newBackend(t *testing.T, bucket string) *recordingBackend {
	t.Helper()
	be, err := awsbackend.New(context.Background(), awsbackend.Config{
		Region: "us-east-1", Endpoint: "http://127.0.0.1:1", TableName: "t", QueueURL: "http://127.0.0.1:1/1/q",
		DeadLetterQueueURL: "http://127.0.0.1:1/1/d", AssetsBucket: bucket,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &recordingBackend{Backend: be}
}

func TestAPIConfigOfEachRole(t *testing.T) {
	t.Parallel()

	t.Run("getjob reads without a queue", func(t *testing.T) {
		t.Parallel()
		be := newBackend(t, "files")
		cfg, err := apiConfig(be, ReadRole)
		if err != nil {
			t.Fatal(err)
		}
		if be.askedQueue || cfg.Queue != nil || !cfg.ReadOnly || cfg.AssetURL == nil {
			t.Fatalf("read role: asked for the queue %v, config %+v; want read-only with presigned asset URLs and no queue", be.askedQueue, cfg)
		}
		h, err := api.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequestWithContext(api.WithUser(context.Background(), "u"), "POST", "/jobs", strings.NewReader(`{"jobType":"echo"}`)))
		if w.Code != http.StatusMethodNotAllowed {
			t.Fatalf("POST /jobs on getjob's handler: %d, want 405", w.Code)
		}
	})

	t.Run("getjob needs the assets bucket", func(t *testing.T) {
		t.Parallel()
		if _, err := apiConfig(newBackend(t, ""), ReadRole); err == nil || !strings.Contains(err.Error(), awsbackend.EnvAssetsBucket) {
			t.Fatalf("read role without a bucket: %v, want an error naming %s", err, awsbackend.EnvAssetsBucket)
		}
	})

	t.Run("createjob sends and validates", func(t *testing.T) {
		t.Parallel()
		be := newBackend(t, "")
		cfg, err := apiConfig(be, CreateRole)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Queue == nil || cfg.ValidateJob == nil || cfg.ReadOnly {
			t.Fatalf("create role config %+v; want a queue and a validator", cfg)
		}
		if err := cfg.ValidateJob("echo", []byte(`{}`)); err != nil {
			t.Fatalf("the demo types are registered: %v", err)
		}
	})
}
