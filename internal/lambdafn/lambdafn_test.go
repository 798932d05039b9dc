package lambdafn

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"jobline/internal/api"
	"jobline/internal/awsbackend/awsenv"
	"jobline/internal/envconfig"
	"jobline/internal/jobs"
	"jobline/internal/metrics"
	"jobline/internal/queue"
)

func TestAPIConfigOfEachRole(t *testing.T) {
	t.Parallel()

	t.Run("getjob reads without a queue", func(t *testing.T) {
		t.Parallel()
		url := func(context.Context, jobs.Asset) (string, error) { return "https://signed", nil }
		cfg := ReadAPI(jobs.NewMemoryStore(), url)
		if cfg.Queue != nil || !cfg.ReadOnly || cfg.AssetURL == nil || cfg.ValidateJob != nil {
			t.Fatalf("read config %+v; want read-only with presigned asset URLs and no queue", cfg)
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
		// GET /job-types needs no AWS request: the registry answers.
		w = httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequestWithContext(api.WithUser(context.Background(), "u"), "GET", "/job-types", nil))
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"name":"report"`) {
			t.Fatalf("GET /job-types on getjob's handler: %d %s, want 200 with the demo types", w.Code, w.Body)
		}
	})

	t.Run("createjob sends and validates", func(t *testing.T) {
		t.Parallel()
		q, err := queue.NewMemory(queue.MemoryConfig{})
		if err != nil {
			t.Fatal(err)
		}
		cfg := CreateAPI(jobs.NewMemoryStore(), q)
		if cfg.Queue == nil || cfg.ValidateJob == nil || cfg.ReadOnly {
			t.Fatalf("create config %+v; want a queue and a validator", cfg)
		}
		if err := cfg.ValidateJob("echo", []byte(`{}`)); err != nil {
			t.Fatalf("the demo types are registered: %v", err)
		}
		if _, err := api.New(cfg); err != nil {
			t.Fatal(err)
		}
	})
}

// resources is the part of a function's environment that says where the
// AWS resources are.
var resources = map[string]string{
	awsenv.EnvTable: "jobs", awsenv.EnvQueueURL: "http://127.0.0.1:1/1/q", awsenv.EnvDLQURL: "http://127.0.0.1:1/1/d",
}

func envOf(extra map[string]string) *envconfig.Reader {
	vars := map[string]string{}
	for k, v := range resources {
		vars[k] = v
	}
	for k, v := range extra {
		vars[k] = v
	}
	return envconfig.FromMap(vars)
}

func TestAWSFromEnv(t *testing.T) {
	t.Parallel()
	creds := map[string]string{awsenv.EnvRegion: "eu-west-3", awsenv.EnvAccessKeyID: "AK", awsenv.EnvSecretAccessKey: "SK"}

	cfg, awsCfg, err := AWSFromEnv(envOf(creds))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TableName != "jobs" || cfg.HighQueueURL != cfg.QueueURL || cfg.MaxReceiveCount == 0 || awsCfg.Region != "eu-west-3" {
		t.Fatalf("config %+v, region %q; want the resources with their defaults", cfg, awsCfg.Region)
	}
	got, err := awsCfg.Credentials.Retrieve(context.Background())
	if err != nil || got.AccessKeyID != "AK" {
		t.Fatalf("credentials %+v, %v", got, err)
	}

	for _, tt := range []struct {
		name    string
		env     *envconfig.Reader
		wantErr string
	}{
		{"no table", envconfig.FromMap(creds), awsenv.EnvTable},
		{"malformed number", envOf(map[string]string{awsenv.EnvRegion: "eu-west-3", awsenv.EnvAccessKeyID: "AK", awsenv.EnvSecretAccessKey: "SK", awsenv.EnvMaxReceiveCount: "many"}), awsenv.EnvMaxReceiveCount},
		{"no region", envOf(map[string]string{awsenv.EnvAccessKeyID: "AK", awsenv.EnvSecretAccessKey: "SK"}), awsenv.EnvRegion},
		{"no credentials", envOf(map[string]string{awsenv.EnvRegion: "eu-west-3"}), awsenv.EnvAccessKeyID},
	} {
		if _, _, err := AWSFromEnv(tt.env); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: %v, want an error naming %s", tt.name, err, tt.wantErr)
		}
	}
	if _, _, err := AWSFromEnv(envOf(map[string]string{awsenv.EnvRegion: "eu-west-3"})); !errors.Is(err, awsenv.ErrNoCredentials) {
		t.Errorf("no credentials: %v, want ErrNoCredentials", err)
	}
}

// Init carries where the resources are, the SDK configuration and the EMF
// recorder in the stack's namespace; a variable read by build that is
// malformed fails the init.
func TestInitialize(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	env := envOf(map[string]string{awsenv.EnvRegion: "eu-west-3", awsenv.EnvAccessKeyID: "AK", awsenv.EnvSecretAccessKey: "SK",
		EnvMetricsNamespace: "Jobline/test", "JOBLINE_RECORD_CONCURRENCY": "many"})
	var out bytes.Buffer
	var got *Init
	build := func(_ context.Context, in *Init) (any, error) {
		got = in
		return "handler", nil
	}
	if _, err := initialize(context.Background(), log, env, &out, build); err != nil {
		t.Fatal(err)
	}
	if got.Config.TableName != "jobs" || got.AWS.Region != "eu-west-3" || got.Log != log || got.Metrics == nil {
		t.Fatalf("Init = %+v", got)
	}
	got.Metrics.Record(time.Now(), "echo", metrics.Count(metrics.Completed))
	if line := out.String(); !strings.Contains(line, `"Namespace":"Jobline/test"`) || !strings.Contains(line, `"JobsCompleted":1`) {
		t.Fatalf("EMF line %q, want the namespace of %s", line, EnvMetricsNamespace)
	}

	readsBadNumber := func(_ context.Context, in *Init) (any, error) {
		return in.Env.Int("JOBLINE_RECORD_CONCURRENCY", 4, 1, 100), nil
	}
	if _, err := initialize(context.Background(), log, env, &out, readsBadNumber); err == nil || !strings.Contains(err.Error(), "JOBLINE_RECORD_CONCURRENCY") {
		t.Fatalf("init with a malformed variable: %v, want an error naming it", err)
	}
}
