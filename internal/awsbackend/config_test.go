package awsbackend_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"jobline/internal/awsbackend"
	"jobline/internal/blob"
	"jobline/internal/envconfig"
	"jobline/internal/jobs"
)

func TestFromEnv(t *testing.T) {
	t.Setenv(awsbackend.EnvTable, "jobs")
	t.Setenv(awsbackend.EnvQueueURL, "http://q/default")
	t.Setenv(awsbackend.EnvHighQueueURL, "")
	t.Setenv(awsbackend.EnvDLQURL, "http://q/dlq")
	t.Setenv(awsbackend.EnvMaxReceiveCount, "7")
	t.Setenv(awsbackend.EnvRetentionDays, "2")
	t.Setenv(awsbackend.EnvEndpoint, "http://127.0.0.1:1")
	t.Setenv(awsbackend.EnvRegion, "eu-west-1")
	t.Setenv(awsbackend.EnvAssetsBucket, "files")
	t.Setenv(awsbackend.EnvAssetURLExpiry, "120")
	env := envconfig.New()
	cfg := awsbackend.FromEnv(env)
	if err := env.Err(); err != nil {
		t.Fatal(err)
	}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.TableName != "jobs" || cfg.HighQueueURL != "http://q/default" || cfg.MaxReceiveCount != 7 ||
		cfg.JobRetention != 48*time.Hour || cfg.Endpoint != "http://127.0.0.1:1" || cfg.Region != "eu-west-1" ||
		cfg.AssetsBucket != "files" || cfg.AssetURLExpiry != 2*time.Minute {
		t.Fatalf("config %+v", cfg)
	}
}

func TestFromEnvRejectsNumbers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, value string }{
		{awsbackend.EnvMaxReceiveCount, "many"},
		{awsbackend.EnvMaxReceiveCount, "-1"},
		{awsbackend.EnvRetentionDays, "many"},
		{awsbackend.EnvAssetURLExpiry, "many"},
		{awsbackend.EnvAssetURLExpiry, "604801"},
	} {
		env := envconfig.FromMap(map[string]string{tt.name: tt.value})
		awsbackend.FromEnv(env)
		if err := env.Err(); err == nil || !strings.Contains(err.Error(), tt.name) {
			t.Errorf("FromEnv with %s=%s: %v, want an error naming the variable", tt.name, tt.value, err)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	full := awsbackend.Config{TableName: "t", QueueURL: "q", DeadLetterQueueURL: "d"}
	tests := []struct {
		name    string
		mutate  func(*awsbackend.Config)
		wantErr string
	}{
		{"complete", func(*awsbackend.Config) {}, ""},
		{"no table", func(c *awsbackend.Config) { c.TableName = "" }, awsbackend.EnvTable},
		{"no queue", func(c *awsbackend.Config) { c.QueueURL = "" }, awsbackend.EnvQueueURL},
		{"no dlq", func(c *awsbackend.Config) { c.DeadLetterQueueURL = "" }, awsbackend.EnvDLQURL},
		{"negative receive count", func(c *awsbackend.Config) { c.MaxReceiveCount = -1 }, "max receive count"},
		{"negative retention", func(c *awsbackend.Config) { c.JobRetention = -time.Hour }, "retention"},
		{"negative asset URL expiry", func(c *awsbackend.Config) { c.AssetURLExpiry = -time.Second }, awsbackend.EnvAssetURLExpiry},
		{"asset URL expiry beyond 7 days", func(c *awsbackend.Config) { c.AssetURLExpiry = 8 * 24 * time.Hour }, awsbackend.EnvAssetURLExpiry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := full
			tt.mutate(&c)
			err := c.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate: %v, want an error about %q", err, tt.wantErr)
			}
		})
	}
}

// TestNewAssets needs no emulator: New makes no request, and presigning is
// local.
func TestNewAssets(t *testing.T) {
	t.Parallel()
	base := awsbackend.Config{
		Region: "us-east-1", Endpoint: "http://127.0.0.1:1", TableName: "t", QueueURL: "http://127.0.0.1:1/1/q", DeadLetterQueueURL: "http://127.0.0.1:1/1/d",
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	}
	ctx := context.Background()
	stored := jobs.Asset{ID: "a1", URL: "https://old.example/expired", StoragePath: "reports/j1/report.csv"}

	t.Run("without a bucket", func(t *testing.T) {
		t.Parallel()
		be, err := awsbackend.New(ctx, base)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := be.Assets(); err == nil || !strings.Contains(err.Error(), awsbackend.EnvAssetsBucket) {
			t.Fatalf("Assets = %v, want an error naming %s", err, awsbackend.EnvAssetsBucket)
		}
		if url, err := be.AssetURL(ctx, stored); err != nil || url != stored.URL {
			t.Fatalf("AssetURL = %q, %v; want the stored URL", url, err)
		}
	})

	t.Run("with a bucket", func(t *testing.T) {
		t.Parallel()
		cfg := base
		cfg.AssetsBucket = "files"
		be, err := awsbackend.New(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := be.Assets(); err != nil {
			t.Fatal(err)
		}
		url, err := be.AssetURL(ctx, stored)
		if err != nil {
			t.Fatal(err)
		}
		// Path-style on an endpoint, signed, with the default 15 minutes.
		if !strings.HasPrefix(url, "http://127.0.0.1:1/files/reports/j1/report.csv?") ||
			!strings.Contains(url, "X-Amz-Signature=") || !strings.Contains(url, "X-Amz-Expires=900") {
			t.Fatalf("AssetURL = %s, want a presigned path-style URL of the object", url)
		}
		noPath := jobs.Asset{ID: "a2", URL: "https://example.com/x"}
		if url, err := be.AssetURL(ctx, noPath); err != nil || url != noPath.URL {
			t.Fatalf("AssetURL of an asset without a storage path = %q, %v; want its URL", url, err)
		}
		if _, err := be.AssetURL(ctx, jobs.Asset{ID: "a3", StoragePath: "../etc/passwd"}); !errors.Is(err, blob.ErrInvalidPath) {
			t.Fatalf("AssetURL of an unsafe path = %v, want ErrInvalidPath", err)
		}
	})
}
