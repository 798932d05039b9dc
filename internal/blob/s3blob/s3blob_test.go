package s3blob_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"jobline/internal/awsbackend/awstest"
	"jobline/internal/blob"
	"jobline/internal/blob/s3blob"
)

// newStore returns a Store on the emulator's assets bucket (created from
// template.yaml) under a prefix of its own, so tests run in parallel.
func newStore(t *testing.T, expiry time.Duration) *s3blob.Store {
	t.Helper()
	cfg := awstest.Config(t)
	if cfg.AssetsBucket == "" {
		t.Fatal("JOBLINE_ASSETS_BUCKET is not set: scripts/emulators creates the template's AssetsBucket")
	}
	clients := awstest.Clients(t, cfg)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	s, err := s3blob.New(clients.S3API, s3blob.Config{Bucket: cfg.AssetsBucket, Prefix: "test-" + hex.EncodeToString(b) + "/", URLExpiry: expiry})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPutOpenAndDownload(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t, 0)
	content := []byte("id,value\n1,42\n2,43\n")
	path, err := s.Put(ctx, "reports/job-1/report.csv", content, "text/csv")
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if !strings.HasPrefix(path, "test-") || !strings.HasSuffix(path, "/reports/job-1/report.csv") {
		t.Fatalf("storage path %q is not prefix + key", path)
	}

	rc, err := s.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || string(got) != string(content) {
		t.Fatalf("Open read %q, %v; want %q", got, err, content)
	}

	// The presigned URL downloads the file with a plain GET: no SDK, no
	// credentials.
	raw, err := s.URL(ctx, path)
	if err != nil {
		t.Fatalf("URL: %v", err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if q := u.Query(); q.Get("X-Amz-Expires") != "900" || q.Get("X-Amz-Signature") == "" {
		t.Errorf("URL %s: want a SigV4 presigned URL valid for 900s", raw)
	}
	if !strings.Contains(u.Path, "/"+s.Bucket()+"/") {
		t.Errorf("URL %s: want path-style addressing on the emulator", raw)
	}
	res, err := http.Get(raw)
	if err != nil {
		t.Fatalf("GET %s: %v", raw, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || string(body) != string(content) {
		t.Fatalf("GET presigned URL: %d %q; want 200 %q", res.StatusCode, body, content)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/csv" {
		t.Errorf("Content-Type = %q, want text/csv", ct)
	}

	// Put replaces.
	if _, err := s.Put(ctx, "reports/job-1/report.csv", []byte("new"), "text/csv"); err != nil {
		t.Fatal(err)
	}
	rc, err = s.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(rc)
	rc.Close()
	if string(got) != "new" {
		t.Fatalf("after a second Put: %q, want %q", got, "new")
	}
}

func TestURLExpiryIsConfigurable(t *testing.T) {
	t.Parallel()
	s := newStore(t, 90*time.Second)
	path, err := s.Put(context.Background(), "a.txt", []byte("a"), "")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := s.URL(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(raw)
	if got := u.Query().Get("X-Amz-Expires"); got != "90" {
		t.Fatalf("X-Amz-Expires = %q, want 90", got)
	}
}

func TestOpenMissingIsNotFound(t *testing.T) {
	t.Parallel()
	s := newStore(t, 0)
	path, err := s.Put(context.Background(), "present.txt", []byte("x"), "text/plain")
	if err != nil {
		t.Fatal(err)
	}
	missing := strings.TrimSuffix(path, "present.txt") + "absent.txt"
	if _, err := s.Open(context.Background(), missing); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Open of a missing object = %v, want ErrNotFound", err)
	}
}

func TestBadPathsAreRejected(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t, 0)
	inside, err := s.Put(ctx, "ok.txt", []byte("x"), "")
	if err != nil {
		t.Fatal(err)
	}
	prefix := strings.TrimSuffix(inside, "ok.txt")
	bad := []string{"", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", `a\b`, "a/", "x\x00y"}
	for _, p := range bad {
		if _, err := s.Put(ctx, p, []byte("x"), ""); !errors.Is(err, blob.ErrInvalidPath) {
			t.Errorf("Put(%q) = %v, want ErrInvalidPath", p, err)
		}
		if _, err := s.URL(ctx, prefix+p); !errors.Is(err, blob.ErrInvalidPath) {
			t.Errorf("URL(%q) = %v, want ErrInvalidPath", prefix+p, err)
		}
		if _, err := s.Open(ctx, prefix+p); !errors.Is(err, blob.ErrInvalidPath) {
			t.Errorf("Open(%q) = %v, want ErrInvalidPath", prefix+p, err)
		}
	}
	// A safe key outside the store's prefix is not the store's to sign.
	for _, p := range []string{"other/ok.txt", strings.TrimSuffix(prefix, "/")} {
		if _, err := s.URL(ctx, p); !errors.Is(err, blob.ErrInvalidPath) {
			t.Errorf("URL(%q) outside the prefix = %v, want ErrInvalidPath", p, err)
		}
		if _, err := s.Open(ctx, p); !errors.Is(err, blob.ErrInvalidPath) {
			t.Errorf("Open(%q) outside the prefix = %v, want ErrInvalidPath", p, err)
		}
	}
}

func TestMissingBucketFailsPut(t *testing.T) {
	t.Parallel()
	cfg := awstest.Config(t)
	s, err := s3blob.New(awstest.Clients(t, cfg).S3API, s3blob.Config{Bucket: "jobline-no-such-bucket"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Put(context.Background(), "a.txt", []byte("x"), "")
	if err == nil || errors.Is(err, blob.ErrNotFound) || !strings.Contains(err.Error(), "s3://jobline-no-such-bucket/a.txt") {
		t.Fatalf("Put to a missing bucket = %v, want an error naming the object", err)
	}
}

// TestConfig needs no emulator.
func TestConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     s3blob.Config
		wantErr string
	}{
		{"bucket only", s3blob.Config{Bucket: "b"}, ""},
		{"prefix", s3blob.Config{Bucket: "b", Prefix: "assets/v1/"}, ""},
		{"no bucket", s3blob.Config{}, "bucket is required"},
		{"prefix without slash", s3blob.Config{Bucket: "b", Prefix: "assets"}, "must end with /"},
		{"unsafe prefix", s3blob.Config{Bucket: "b", Prefix: "../assets/"}, "invalid storage path"},
		{"absolute prefix", s3blob.Config{Bucket: "b", Prefix: "/assets/"}, "invalid storage path"},
		{"negative expiry", s3blob.Config{Bucket: "b", URLExpiry: -time.Second}, "URL expiry"},
		{"expiry beyond SigV4's 7 days", s3blob.Config{Bucket: "b", URLExpiry: 8 * 24 * time.Hour}, "URL expiry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := tt.cfg.WithDefaults()
			err := c.Validate()
			if tt.wantErr == "" {
				if err != nil || c.URLExpiry <= 0 {
					t.Fatalf("Validate = %v (expiry %v), want valid with a default expiry", err, c.URLExpiry)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate = %v, want %q", err, tt.wantErr)
			}
		})
	}
	if c := (s3blob.Config{Bucket: "b"}).WithDefaults(); c.URLExpiry != 15*time.Minute {
		t.Errorf("default URLExpiry = %v, want 15m", c.URLExpiry)
	}
}
