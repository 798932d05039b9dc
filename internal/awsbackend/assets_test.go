package awsbackend_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"jobline/internal/awsbackend"
	"jobline/internal/awsbackend/awsenv"
	"jobline/internal/blob"
	"jobline/internal/jobs"
)

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
		if _, err := be.Assets(); err == nil || !strings.Contains(err.Error(), awsenv.EnvAssetsBucket) {
			t.Fatalf("Assets = %v, want an error naming %s", err, awsenv.EnvAssetsBucket)
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
