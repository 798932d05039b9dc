// Package blob stores the files that jobs produce (assets) and turns their
// storage paths into download URLs. The Store interface has a local
// directory implementation for the dev server (NewDir); an S3
// implementation plugs into the same seam.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// ErrInvalidPath: a key or storage path that could escape the store (an
// absolute path, "..", backslashes, empty segments).
var ErrInvalidPath = errors.New("invalid storage path")

// ErrNotFound: no file at the storage path.
var ErrNotFound = errors.New("file not found")

// Store keeps files by key.
type Store interface {
	// Put stores content under key and returns the storage path to record
	// in the asset (and to pass to URL and Open).
	Put(ctx context.Context, key string, content []byte, contentType string) (storagePath string, err error)
	// URL returns where a client downloads the file at storagePath.
	URL(ctx context.Context, storagePath string) (string, error)
	// Open returns the file at storagePath; the caller closes it.
	Open(ctx context.Context, storagePath string) (io.ReadCloser, error)
}

// CleanPath checks that p is a safe relative storage path: slash-separated
// segments, none empty, "." or "..", no backslash or NUL, not absolute. It
// returns p unchanged when it is safe.
func CleanPath(p string) (string, error) {
	if p == "" || strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") {
		return "", fmt.Errorf("%w: %q", ErrInvalidPath, p)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", fmt.Errorf("%w: %q", ErrInvalidPath, p)
		}
	}
	if path.Clean(p) != p {
		return "", fmt.Errorf("%w: %q", ErrInvalidPath, p)
	}
	return p, nil
}

// Dir is a Store on a local directory, for the dev server. Its URLs point
// at the server's /files/ route, which serves files through Open.
type Dir struct {
	root    string
	baseURL string
}

// NewDir returns a Store keeping files under dir (created if missing) whose
// URLs are baseURL + "/files/" + storagePath.
func NewDir(dir, baseURL string) (*Dir, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob dir %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("create blob dir %s: %w", abs, err)
	}
	return &Dir{root: abs, baseURL: strings.TrimSuffix(baseURL, "/")}, nil
}

// Root returns the directory the files live in.
func (d *Dir) Root() string { return d.root }

// Put writes content to the file named by key (its storage path) and
// replaces any file already there. The write goes to a temporary file first
// so a reader never sees half a file.
func (d *Dir) Put(ctx context.Context, key string, content []byte, contentType string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("put %s: %w", key, err)
	}
	p, err := CleanPath(key)
	if err != nil {
		return "", fmt.Errorf("put: %w", err)
	}
	full := d.file(p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return "", fmt.Errorf("put %s: %w", p, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(full), ".put-*")
	if err != nil {
		return "", fmt.Errorf("put %s: %w", p, err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return "", fmt.Errorf("put %s: %w", p, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("put %s: %w", p, err)
	}
	if err := os.Rename(tmp.Name(), full); err != nil {
		return "", fmt.Errorf("put %s: %w", p, err)
	}
	return p, nil
}

// URL returns baseURL + "/files/" + storagePath.
func (d *Dir) URL(_ context.Context, storagePath string) (string, error) {
	p, err := CleanPath(storagePath)
	if err != nil {
		return "", fmt.Errorf("url: %w", err)
	}
	return d.baseURL + "/files/" + p, nil
}

// Open opens the file at storagePath; ErrNotFound if there is none.
func (d *Dir) Open(_ context.Context, storagePath string) (io.ReadCloser, error) {
	p, err := CleanPath(storagePath)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	f, err := os.Open(d.file(p))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("open %s: %w", p, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", p, err)
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("open %s: %w", p, ErrNotFound)
	}
	return f, nil
}

func (d *Dir) file(p string) string { return filepath.Join(d.root, filepath.FromSlash(p)) }
