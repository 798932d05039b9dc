// Package s3api is Jobline's S3 client: the object operations job files
// use (PutObject, GetObject, a presigned GET) over S3's REST protocol on
// awsapi's client, without the SDK's S3 client.
//
// Requests are those of the SDK's client: the same paths (keys escaped
// segment by segment, x-id naming the operation), headers and SigV4
// signatures, except that PutObject sends no CRC32 checksum (its body is
// signed with its SHA-256) and GetObject asks for none. Buckets are
// addressed virtual-hosted style on AWS's endpoints, path style behind an
// endpoint override (an emulator) or when their names are not DNS labels.
package s3api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"jobline/internal/awsapi"
)

// Service is S3 as awsapi calls it.
var Service = awsapi.Service{ID: "S3", SigningName: "s3", DisableURIPathEscaping: true}

// DefaultPresignExpires is how long a presigned URL lasts when
// PresignGetObject is given no expiry (the SDK's default).
const DefaultPresignExpires = 15 * time.Minute

// Client calls S3. It is safe for concurrent use.
type Client struct {
	api *awsapi.Client
	// pathStyle addresses every bucket as the endpoint's first path
	// segment (an endpoint override).
	pathStyle bool
}

// New returns a client of S3 configured by cfg and opts (awsapi.NewClient).
// With an endpoint other than AWS's regional one (opts.Endpoint, or
// cfg's per-service or base endpoint) it addresses buckets path style.
// It makes no request.
func New(ctx context.Context, cfg aws.Config, opts awsapi.Options) (*Client, error) {
	c, err := awsapi.NewClient(ctx, Service, cfg, opts)
	if err != nil {
		return nil, err
	}
	return &Client{api: c, pathStyle: c.Endpoint() != awsapi.RegionalEndpoint(Service, c.Region())}, nil
}

// PutObject writes body to the object key of bucket, replacing any
// object there. contentType "" stores application/octet-stream (as the
// SDK does).
func (c *Client) PutObject(ctx context.Context, bucket, key string, body []byte, contentType string) error {
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	req, err := c.request(http.MethodPut, bucket, key, "PutObject")
	if err != nil {
		return err
	}
	req.Header = http.Header{
		"Accept-Encoding":      {"identity"},
		"Content-Type":         {contentType},
		"X-Amz-Content-Sha256": {payloadHash(body)},
	}
	req.Body = body
	call := &awsapi.Call{Operation: "PutObject"}
	return c.api.Do(ctx, call, req, awsapi.Protocol{
		Decode: func(*http.Response, []byte) error { return nil },
		Error:  responseError,
	})
}

// GetObject reads the object key of bucket. Objects are read whole into
// memory, so they may be at most awsapi's response limit (64 MiB); a
// missing object is an error with code NoSuchKey.
func (c *Client) GetObject(ctx context.Context, bucket, key string) ([]byte, error) {
	req, err := c.request(http.MethodGet, bucket, key, "GetObject")
	if err != nil {
		return nil, err
	}
	// Accept-Encoding is the SDK's: an object stored gzip-encoded comes
	// back as stored, not decompressed by net/http.
	req.Header = http.Header{"Accept-Encoding": {"identity"}, "X-Amz-Content-Sha256": {payloadHash(nil)}}
	var out []byte
	call := &awsapi.Call{Operation: "GetObject"}
	err = c.api.Do(ctx, call, req, awsapi.Protocol{
		Decode: func(_ *http.Response, body []byte) error {
			out = body
			return nil
		},
		Error: responseError,
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PresignGetObject returns a URL that GETs the object key of bucket
// without credentials for expires (DefaultPresignExpires if 0), signed
// with SigV4 in its query as the SDK's PresignGetObject signs. It signs
// locally: no request is made, and the object need not exist.
func (c *Client) PresignGetObject(ctx context.Context, bucket, key string, expires time.Duration) (string, error) {
	if expires < 0 {
		return "", errors.New("presign S3 GetObject: negative expiry")
	}
	if expires == 0 {
		expires = DefaultPresignExpires
	}
	req, err := c.request(http.MethodGet, bucket, key, "GetObject")
	if err != nil {
		return "", err
	}
	return c.api.Presign(ctx, req, expires)
}
