package blob

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestCleanPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path string
		ok   bool
	}{
		{"reports/job-1/report.csv", true},
		{"a.txt", true},
		{"", false},
		{"/etc/passwd", false},
		{"../secret", false},
		{"a/../../b", false},
		{"a/./b", false},
		{"a//b", false},
		{"a/", false},
		{"..", false},
		{"a\\..\\b", false},
		{"a\x00b", false},
	}
	for _, tt := range tests {
		_, err := CleanPath(tt.path)
		if tt.ok && err != nil {
			t.Errorf("CleanPath(%q) = %v, want ok", tt.path, err)
		}
		if !tt.ok && !errors.Is(err, ErrInvalidPath) {
			t.Errorf("CleanPath(%q) = %v, want ErrInvalidPath", tt.path, err)
		}
	}
}

func TestDirPutOpenURL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, err := NewDir(t.TempDir(), "http://127.0.0.1:8080/")
	if err != nil {
		t.Fatal(err)
	}
	sp, err := d.Put(ctx, "reports/j1/report.csv", []byte("a,b\n1,2\n"), "text/csv")
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if sp != "reports/j1/report.csv" {
		t.Errorf("storage path = %q", sp)
	}
	url, err := d.URL(ctx, sp)
	if err != nil || url != "http://127.0.0.1:8080/files/reports/j1/report.csv" {
		t.Errorf("URL = %q, %v", url, err)
	}
	rc, err := d.Open(ctx, sp)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()
	got, _ := io.ReadAll(rc)
	if string(got) != "a,b\n1,2\n" {
		t.Errorf("content = %q", got)
	}
	if _, err := d.Open(ctx, "reports/missing.csv"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open missing = %v, want ErrNotFound", err)
	}
	if _, err := d.Open(ctx, "reports"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open dir = %v, want ErrNotFound", err)
	}
}

func TestDirRejectsEscapes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	parent := t.TempDir()
	secret := filepath.Join(parent, "secret.txt")
	if err := os.WriteFile(secret, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := NewDir(filepath.Join(parent, "files"), "http://x")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"../secret.txt", "/etc/passwd", secret, "a/../../secret.txt"} {
		if _, err := d.Open(ctx, p); !errors.Is(err, ErrInvalidPath) {
			t.Errorf("Open(%q) = %v, want ErrInvalidPath", p, err)
		}
		if _, err := d.Put(ctx, p, []byte("x"), "text/plain"); !errors.Is(err, ErrInvalidPath) {
			t.Errorf("Put(%q) = %v, want ErrInvalidPath", p, err)
		}
		if _, err := d.URL(ctx, p); !errors.Is(err, ErrInvalidPath) {
			t.Errorf("URL(%q) = %v, want ErrInvalidPath", p, err)
		}
	}
	if b, _ := os.ReadFile(secret); string(b) != "secret" {
		t.Errorf("secret overwritten: %q", b)
	}
}
