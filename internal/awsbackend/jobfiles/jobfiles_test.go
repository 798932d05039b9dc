package jobfiles_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"jobline/internal/awsbackend/awsenv"
	"jobline/internal/awsbackend/jobfiles"
	"jobline/internal/jobs"
)

// awsConfig is an SDK configuration behind an endpoint override; presigning
// is local, so no request is made.
func awsConfig() aws.Config {
	return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:1"),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
}

func TestOpen(t *testing.T) {
	t.Parallel()
	if _, err := jobfiles.Open(context.Background(), awsConfig(), awsenv.Config{}); err == nil || !strings.Contains(err.Error(), awsenv.EnvAssetsBucket) {
		t.Fatalf("Open without a bucket: %v, want an error naming %s", err, awsenv.EnvAssetsBucket)
	}
	files, err := jobfiles.Open(context.Background(), awsConfig(), awsenv.Config{AssetsBucket: "files"}.WithDefaults())
	if err != nil {
		t.Fatal(err)
	}
	url := jobfiles.AssetURL(files)
	ctx := context.Background()
	got, err := url(ctx, jobs.Asset{ID: "a1", URL: "https://old/expired", StoragePath: "reports/j1/report.csv"})
	// Path-style behind the override, signed, with the default 15 minutes.
	if err != nil || !strings.HasPrefix(got, "http://127.0.0.1:1/files/reports/j1/report.csv?") ||
		!strings.Contains(got, "X-Amz-Signature=") || !strings.Contains(got, "X-Amz-Expires=900") {
		t.Fatalf("AssetURL = %s, %v; want a presigned path-style URL of the object", got, err)
	}
	if got, err := url(ctx, jobs.Asset{ID: "a2", URL: "https://example.com/x"}); err != nil || got != "https://example.com/x" {
		t.Fatalf("AssetURL without a storage path = %s, %v; want the recorded URL", got, err)
	}
}
