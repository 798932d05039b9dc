// Package s3blob is the S3 implementation of blob.Store, where job assets
// live in AWS: Put writes an object under a key prefix, URL presigns a GET
// of it (a local computation, no request), and Open reads it back.
//
// A presigned URL carries the signer's permission: it works only while the
// signing role may s3:GetObject the object, and never longer than the
// credentials that signed it (a Lambda role's session lasts hours, so the
// default 15 minutes is well inside it).
package s3blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/smithy-go"

	"jobline/internal/awsapi/s3api"
	"jobline/internal/blob"
)

// DefaultURLExpiry is Config.URLExpiry's default.
const DefaultURLExpiry = 15 * time.Minute

// MaxURLExpiry is the longest a SigV4 presigned URL can be valid.
const MaxURLExpiry = 7 * 24 * time.Hour

// Config says which bucket holds the files and how long their URLs last.
type Config struct {
	// Bucket is the S3 bucket (template.yaml's AssetsBucket). Required.
	Bucket string
	// Prefix is put before every key ("assets/" makes key "a/b" the object
	// "assets/a/b"); it must be empty or slash-separated safe segments
	// ending in "/". Storage paths outside it are rejected. Default: empty,
	// the whole bucket.
	Prefix string
	// URLExpiry is how long a URL returned by URL can download the file,
	// at most MaxURLExpiry. Default: DefaultURLExpiry (15 minutes).
	URLExpiry time.Duration
}

// WithDefaults returns c with every unset field at its default.
func (c Config) WithDefaults() Config {
	if c.URLExpiry == 0 {
		c.URLExpiry = DefaultURLExpiry
	}
	return c
}

// Validate reports every impossible setting at once.
func (c Config) Validate() error {
	var errs []error
	if c.Bucket == "" {
		errs = append(errs, errors.New("bucket is required"))
	}
	if c.Prefix != "" {
		if !strings.HasSuffix(c.Prefix, "/") {
			errs = append(errs, fmt.Errorf("prefix %q must end with /", c.Prefix))
		} else if _, err := blob.CleanPath(strings.TrimSuffix(c.Prefix, "/")); err != nil {
			errs = append(errs, fmt.Errorf("prefix: %w", err))
		}
	}
	if c.URLExpiry <= 0 || c.URLExpiry > MaxURLExpiry {
		errs = append(errs, fmt.Errorf("URL expiry %v must be within (0, %v]", c.URLExpiry, MaxURLExpiry))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("s3blob config: %w", err)
	}
	return nil
}

// Store is a blob.Store on an S3 bucket. Storage paths are object keys. It
// is safe for concurrent use.
type Store struct {
	client *s3api.Client
	cfg    Config
}

var _ blob.Store = (*Store)(nil)

// New returns a Store on client after filling cfg's defaults and
// validating it. It makes no request.
func New(client *s3api.Client, cfg Config) (*Store, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if client == nil {
		return nil, errors.New("s3blob: nil S3 client")
	}
	return &Store{client: client, cfg: cfg}, nil
}

// Bucket returns the bucket the files live in.
func (s *Store) Bucket() string { return s.cfg.Bucket }

// Put writes content to the object Prefix+key (replacing any object there)
// and returns its key as the storage path.
func (s *Store) Put(ctx context.Context, key string, content []byte, contentType string) (string, error) {
	k, err := blob.CleanPath(key)
	if err != nil {
		return "", fmt.Errorf("put: %w", err)
	}
	objectKey := s.cfg.Prefix + k
	if err := s.client.PutObject(ctx, s.cfg.Bucket, objectKey, content, contentType); err != nil {
		return "", translate("put s3://"+s.cfg.Bucket+"/"+objectKey, err)
	}
	return objectKey, nil
}

// URL returns a presigned GET URL of the object at storagePath, valid for
// Config.URLExpiry. It signs locally and does not check that the object
// exists.
func (s *Store) URL(ctx context.Context, storagePath string) (string, error) {
	key, err := s.key(storagePath)
	if err != nil {
		return "", fmt.Errorf("url: %w", err)
	}
	u, err := s.client.PresignGetObject(ctx, s.cfg.Bucket, key, s.cfg.URLExpiry)
	if err != nil {
		return "", fmt.Errorf("presign GET s3://%s/%s: %w", s.cfg.Bucket, key, err)
	}
	return u, nil
}

// Open reads the object at storagePath; blob.ErrNotFound if there is none.
// The object is read whole before Open returns (job files are small; S3's
// client reads at most 64 MiB).
func (s *Store) Open(ctx context.Context, storagePath string) (io.ReadCloser, error) {
	key, err := s.key(storagePath)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	body, err := s.client.GetObject(ctx, s.cfg.Bucket, key)
	if err != nil {
		return nil, translate("open s3://"+s.cfg.Bucket+"/"+key, err)
	}
	return io.NopCloser(bytes.NewReader(body)), nil
}

// key checks that storagePath is a safe object key inside the prefix.
func (s *Store) key(storagePath string) (string, error) {
	p, err := blob.CleanPath(storagePath)
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(p, s.cfg.Prefix) || p == s.cfg.Prefix {
		return "", fmt.Errorf("%w: %q is outside prefix %q", blob.ErrInvalidPath, p, s.cfg.Prefix)
	}
	return p, nil
}

// translate is the one place where S3 errors become the blob package's:
// codes NoSuchKey and NotFound (a bare 404) are blob.ErrNotFound.
func translate(op string, err error) error {
	var api smithy.APIError
	if errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound") {
		return fmt.Errorf("%s: %w", op, blob.ErrNotFound)
	}
	return fmt.Errorf("%s: %w", op, err)
}
