// Package awsapi is Jobline's own client of the few AWS operations its Lambda
// functions call: DynamoDB, SQS and CloudWatch over the AWS JSON 1.0
// protocol (package awsjson encodes the SDK's shape types), and S3's objects
// over REST (package s3api). It replaces the SDK's generated clients, whose
// serializers, endpoint rules and middleware stacks were most of each
// bootstrap's size and a millisecond of every cold start (docs/deploy.md,
// "Lean functions"), and keeps what those clients gave: the SDK's aws.Config
// (region, cached credentials and their refresh, base and per-service
// endpoints), SigV4 signing (aws/signer/v4), the SDK's standard or adaptive
// retryer, and errors that carry the service's code (smithy.APIError), its
// modelled error types where a caller tests for them, and the HTTP status.
//
// Hooks replace the SDK's middleware for tests: a Hook's Call wraps each
// operation once, around its retries, and its Attempt is told of each
// request sent.
package awsapi

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Service describes an AWS service as this package calls it.
type Service struct {
	// ID is the SDK's service ID ("DynamoDB", "SQS", "CloudWatch", "S3"):
	// the name AWS_ENDPOINT_URL_<ID> overrides and Hooks see.
	ID string
	// SigningName is SigV4's name of the service ("dynamodb", "sqs",
	// "monitoring", "s3"); it is also the endpoint's host prefix.
	SigningName string
	// DisableURIPathEscaping signs the path as sent rather than escaped
	// again (S3's rule).
	DisableURIPathEscaping bool
}

// Call is one operation, as Hooks see it.
type Call struct {
	Service   string // Service.ID
	Operation string // "PutItem"
	Input     any    // the operation's input, a pointer
	Output    any    // the operation's output, a pointer, filled on success
	Attempts  int    // requests sent so far
}

// Hook observes or wraps calls (tests count requests and capacity units).
// Either function may be nil.
type Hook struct {
	// Call wraps the whole operation; it must call next once, or return
	// an error instead.
	Call func(ctx context.Context, c *Call, next func(context.Context) error) error
	// Attempt is told of each request sent, before it is sent.
	Attempt func(ctx context.Context, c *Call)
}

// Options are what a client takes besides the aws.Config.
type Options struct {
	// Endpoint overrides the service's endpoint (else aws.Config's
	// per-service and base endpoints, else AWS's regional one).
	Endpoint string
	// Hooks run first to last, outermost first.
	Hooks []Hook
	// Now is the signing time; default time.Now (tests fix it).
	Now func() time.Time
}

// Client sends signed requests to one service with retries. It is safe
// for concurrent use.
type Client struct {
	svc      Service
	region   string
	endpoint string
	creds    aws.CredentialsProvider
	http     aws.HTTPClient
	retryer  aws.Retryer
	signer   *v4.Signer
	hooks    []Hook
	now      func() time.Time
}

// NewClient returns a client of svc configured by cfg and opts. It makes
// no request; a missing region or credentials is an error here rather
// than at the first call.
func NewClient(ctx context.Context, svc Service, cfg aws.Config, opts Options) (*Client, error) {
	if cfg.Region == "" {
		return nil, fmt.Errorf("%s client: no region", svc.ID)
	}
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("%s client: no credentials provider", svc.ID)
	}
	endpoint, err := resolveEndpoint(ctx, svc, cfg, opts.Endpoint)
	if err != nil {
		return nil, err
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = defaultHTTPClient
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Client{
		svc: svc, region: cfg.Region, endpoint: endpoint, creds: cfg.Credentials,
		http: httpClient, retryer: newRetryer(cfg),
		signer: v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = svc.DisableURIPathEscaping }),
		hooks:  opts.Hooks, now: now,
	}, nil
}

// Endpoint is the base URL requests go to.
func (c *Client) Endpoint() string { return c.endpoint }

// Region is the client's region.
func (c *Client) Region() string { return c.region }

// defaultHTTPClient is the SDK's default transport's settings on
// net/http's: keep-alive connections, proxies from the environment, the
// SDK's dial and TLS handshake timeouts.
var defaultHTTPClient = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	MaxIdleConns:          100,
	MaxIdleConnsPerHost:   100,
	IdleConnTimeout:       90 * time.Second,
	TLSHandshakeTimeout:   10 * time.Second,
	ExpectContinueTimeout: time.Second,
	ForceAttemptHTTP2:     true,
}}

// newRetryer returns cfg's retryer: its own, else the SDK's standard one
// (adaptive with RetryMode adaptive) with cfg's RetryMaxAttempts.
func newRetryer(cfg aws.Config) aws.Retryer {
	if cfg.Retryer != nil {
		return cfg.Retryer()
	}
	std := func(o *retry.StandardOptions) {
		if cfg.RetryMaxAttempts > 0 {
			o.MaxAttempts = cfg.RetryMaxAttempts
		}
	}
	if cfg.RetryMode == aws.RetryModeAdaptive {
		return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
			o.StandardOptions = append(o.StandardOptions, std)
		})
	}
	return retry.NewStandard(std)
}

// serviceEndpointSource is what aws.Config.ConfigSources offer for
// AWS_ENDPOINT_URL_<SERVICE> (the SDK's default chain loads them, and
// awsenv.SDKConfig's sources answer the same question).
type serviceEndpointSource interface {
	GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
}

// resolveEndpoint returns the endpoint of svc: override, else a
// per-service endpoint from cfg's sources, else cfg.BaseEndpoint, else
// AWS's regional endpoint.
func resolveEndpoint(ctx context.Context, svc Service, cfg aws.Config, override string) (string, error) {
	if override != "" {
		return strings.TrimRight(override, "/"), nil
	}
	for _, src := range cfg.ConfigSources {
		s, ok := src.(serviceEndpointSource)
		if !ok {
			continue
		}
		v, found, err := s.GetServiceBaseEndpoint(ctx, svc.ID)
		if err != nil {
			return "", fmt.Errorf("%s endpoint: %w", svc.ID, err)
		}
		if found && v != "" {
			return strings.TrimRight(v, "/"), nil
		}
	}
	if cfg.BaseEndpoint != nil && *cfg.BaseEndpoint != "" {
		return strings.TrimRight(*cfg.BaseEndpoint, "/"), nil
	}
	return RegionalEndpoint(svc, cfg.Region), nil
}

// RegionalEndpoint is AWS's endpoint of svc in region, a client's default.
func RegionalEndpoint(svc Service, region string) string {
	return "https://" + svc.SigningName + "." + region + "." + dnsSuffix(region)
}

// dnsSuffix is the domain of a region's partition (aws, aws-cn; the
// isolated partitions are not supported without an endpoint).
func dnsSuffix(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}
