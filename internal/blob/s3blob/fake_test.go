package s3blob_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"jobline/internal/awsapi"
	"jobline/internal/awsapi/s3api"
	"jobline/internal/blob"
	"jobline/internal/blob/s3blob"
)

// fakeS3 is a path-style S3 of objects in memory, for the tests that need
// no emulator. Bucket "denied" answers AccessDenied, and objects under
// "bare/" answer a 404 without a body (as HEAD does).
type fakeS3 struct {
	mu      sync.Mutex
	objects map[string][]byte
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch {
	case bucket == "denied":
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>")
	case strings.HasPrefix(key, "bare/"):
		w.WriteHeader(http.StatusNotFound)
	case r.Method == http.MethodPut:
		f.objects[r.URL.Path], _ = io.ReadAll(r.Body)
	case f.objects[r.URL.Path] == nil:
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>")
	default:
		_, _ = w.Write(f.objects[r.URL.Path])
	}
}

// fakeStore returns a store of bucket on a fresh fakeS3.
func fakeStore(t *testing.T, bucket string) *s3blob.Store {
	t.Helper()
	srv := httptest.NewServer(&fakeS3{objects: map[string][]byte{}})
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	client, err := s3api.New(context.Background(), cfg, awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := s3blob.New(client, s3blob.Config{Bucket: bucket, Prefix: "p/"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestErrorsOnFakeS3 needs no emulator.
func TestErrorsOnFakeS3(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := fakeStore(t, "files")
	path, err := s.Put(ctx, "a/b c.txt", []byte("content"), "text/plain")
	if err != nil || path != "p/a/b c.txt" {
		t.Fatalf("Put = %q, %v", path, err)
	}
	rc, err := s.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != "content" {
		t.Fatalf("Open read %q", got)
	}
	for _, missing := range []string{"p/absent.txt", "p/bare/absent.txt"} {
		if _, err := s.Open(ctx, missing); !errors.Is(err, blob.ErrNotFound) || !strings.Contains(err.Error(), "s3://files/"+missing) {
			t.Errorf("Open(%q) = %v, want ErrNotFound naming the object", missing, err)
		}
	}
	raw, err := s.URL(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := url.Parse(raw); err != nil || u.Path != "/files/p/a/b c.txt" || u.Query().Get("X-Amz-Expires") != "900" {
		t.Errorf("URL = %s, want a path-style URL valid 900s", raw)
	}

	denied := fakeStore(t, "denied")
	_, err = denied.Open(ctx, "p/a.txt")
	if err == nil || errors.Is(err, blob.ErrNotFound) || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("Open of a denied object = %v, want AccessDenied", err)
	}
	if _, err := denied.Put(ctx, "a.txt", []byte("x"), ""); err == nil || !strings.Contains(err.Error(), "put s3://denied/p/a.txt") {
		t.Errorf("Put of a denied object = %v, want an error naming the object", err)
	}
}
