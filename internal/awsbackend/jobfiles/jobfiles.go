// Package jobfiles builds the S3 store of job files (report assets) from an
// SDK configuration and awsenv.Config, and the presigned URLs the API
// gives for them. It is a package of its own so that only the functions
// that touch files (getjob, processjob) link the S3 client (s3api).
package jobfiles

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"jobline/internal/awsapi"
	"jobline/internal/awsapi/s3api"
	"jobline/internal/awsbackend/awsenv"
	"jobline/internal/blob/s3blob"
	"jobline/internal/jobs"
)

// Client returns an S3 client on awsCfg and opts. Behind an endpoint
// override (an emulator on 127.0.0.1, which has no per-bucket host names)
// it addresses buckets path-style. It makes no request; a missing region
// or credentials provider is an error.
func Client(ctx context.Context, awsCfg aws.Config, opts awsapi.Options) (*s3api.Client, error) {
	return s3api.New(ctx, awsCfg, opts)
}

// New returns the store of c's bucket on client, or an error naming
// awsenv.EnvAssetsBucket when c has no bucket.
func New(client *s3api.Client, c awsenv.Config) (*s3blob.Store, error) {
	if c.AssetsBucket == "" {
		return nil, fmt.Errorf("assets bucket is required (%s): job files are stored in S3", awsenv.EnvAssetsBucket)
	}
	files, err := s3blob.New(client, s3blob.Config{Bucket: c.AssetsBucket, URLExpiry: c.AssetURLExpiry})
	if err != nil {
		return nil, fmt.Errorf("assets store: %w", err)
	}
	return files, nil
}

// Open returns the store on a client of its own, with c's hooks.
func Open(ctx context.Context, awsCfg aws.Config, c awsenv.Config) (*s3blob.Store, error) {
	client, err := Client(ctx, awsCfg, awsapi.Options{Hooks: c.Hooks})
	if err != nil {
		return nil, err
	}
	return New(client, c)
}

// AssetURL returns api.Config.AssetURL for assets stored in files: a fresh
// presigned URL of the asset's StoragePath at every read (the URL recorded
// when the job ran has long expired). An asset without a storage path
// keeps its recorded URL.
func AssetURL(files *s3blob.Store) func(ctx context.Context, a jobs.Asset) (string, error) {
	return func(ctx context.Context, a jobs.Asset) (string, error) {
		if a.StoragePath == "" {
			return a.URL, nil
		}
		url, err := files.URL(ctx, a.StoragePath)
		if err != nil {
			return "", fmt.Errorf("asset %s URL: %w", a.ID, err)
		}
		return url, nil
	}
}
