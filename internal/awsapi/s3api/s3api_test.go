package s3api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"jobline/internal/awsapi"
	"jobline/internal/awsapi/s3api"
)

// signingTime is the fixed time both clients sign at.
var signingTime = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

// awkwardKey has every kind of character the SDK escapes in a key: a
// space, sub-delimiters, a percent sign, non-ASCII, and the unreserved
// ones it keeps.
const awkwardKey = "reports/job 1/a+b(1)!*'=&;,$@:%~_.-é.csv"

// captured is a request as the server saw it.
type captured struct {
	Method string
	Host   string
	Path   string // escaped, as sent
	Query  url.Values
	Header http.Header
	Body   []byte
}

// answer is a canned response.
type answer struct {
	status int
	header http.Header
	body   string
}

// server is an httptest server that records requests and answers each
// with the next of its answers (the last one repeats).
type server struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []captured
	answers []answer
}

func newServer(t *testing.T, answers ...answer) *server {
	t.Helper()
	s := &server{answers: answers}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.reqs = append(s.reqs, capture(r, body))
	a := answer{status: http.StatusOK}
	if n := len(s.answers); n > 0 {
		a = s.answers[min(len(s.reqs), n)-1]
	}
	s.mu.Unlock()
	for k, vs := range a.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

func capture(r *http.Request, body []byte) captured {
	return captured{Method: r.Method, Host: r.Host, Path: r.URL.EscapedPath(), Query: r.URL.Query(),
		Header: r.Header.Clone(), Body: body}
}

// requests returns the requests received so far and forgets them.
func (s *server) requests() []captured {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.reqs
	s.reqs = nil
	return r
}

// awsConfig is a configuration with fixed session credentials, retries
// without delay, and endpoint as its base endpoint ("" for AWS's).
func awsConfig(endpoint string) aws.Config {
	cfg := aws.Config{
		Region:      "eu-west-3",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token"),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			})
		},
	}
	if endpoint != "" {
		cfg.BaseEndpoint = aws.String(endpoint)
	}
	return cfg
}

// newClient returns a client on cfg signing at signingTime.
func newClient(t *testing.T, cfg aws.Config, hooks ...awsapi.Hook) *s3api.Client {
	t.Helper()
	c, err := s3api.New(context.Background(), cfg, awsapi.Options{Hooks: hooks, Now: func() time.Time { return signingTime }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fixedTime is the SDK's own signer with its signing time fixed.
type fixedTime struct{ *v4.Signer }

func (f fixedTime) SignHTTP(ctx context.Context, c aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, o ...func(*v4.SignerOptions)) error {
	return f.Signer.SignHTTP(ctx, c, r, payloadHash, service, region, signingTime, o...)
}

func (f fixedTime) PresignHTTP(ctx context.Context, c aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, o ...func(*v4.SignerOptions)) (string, http.Header, error) {
	return f.Signer.PresignHTTP(ctx, c, r, payloadHash, service, region, signingTime, o...)
}

// sdkClient is the SDK's S3 client on cfg as jobfiles configured it
// (path style behind an endpoint), signing at signingTime, without the
// CRC32 checksums s3api does not send and without the SDK's bookkeeping
// headers (invocation ID, attempt count), so that the two clients sign
// the same header set.
// The presign client is the SDK's own on jobfiles' configuration.
func sdkClient(cfg aws.Config) (*s3.Client, *s3.PresignClient) {
	configure := func(o *s3.Options) {
		o.UsePathStyle = o.BaseEndpoint != nil
		o.HTTPSignerV4 = fixedTime{o.HTTPSignerV4.(*v4.Signer)} // the SDK's default signer
	}
	c := s3.NewFromConfig(cfg, configure, func(o *s3.Options) {
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			_, _ = stack.Build.Remove("ClientRequestID")
			return stack.Finalize.Insert(dropAttemptHeader, "Signing", middleware.Before)
		})
	})
	pc := s3.NewFromConfig(cfg, configure)
	signer := pc.Options().HTTPSignerV4.(fixedTime)
	return c, s3.NewPresignClient(pc, func(o *s3.PresignOptions) { o.Presigner = signer })
}

// dropAttemptHeader removes the SDK's Amz-Sdk-Request header (the
// retryer's attempt count) before the request is signed.
var dropAttemptHeader = middleware.FinalizeMiddlewareFunc("DropAmzSdkRequest",
	func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		if r, ok := in.Request.(*smithyhttp.Request); ok {
			r.Header.Del("Amz-Sdk-Request")
		}
		return next.HandleFinalize(ctx, in)
	})

// signedHeaders is the SignedHeaders list of a SigV4 Authorization header.
func signedHeaders(auth string) []string {
	_, rest, _ := strings.Cut(auth, "SignedHeaders=")
	list, _, _ := strings.Cut(rest, ",")
	return strings.Split(list, ";")
}

// sameRequest fails t unless ours is the request the SDK sent: method,
// host, escaped path, query, signed headers and their values, the
// Authorization header (hence the signature), and body.
func sameRequest(t *testing.T, ours, sdk captured) {
	t.Helper()
	if ours.Method != sdk.Method || ours.Host != sdk.Host || ours.Path != sdk.Path {
		t.Errorf("request %s %s%s, SDK's %s %s%s", ours.Method, ours.Host, ours.Path, sdk.Method, sdk.Host, sdk.Path)
	}
	if ours.Query.Encode() != sdk.Query.Encode() {
		t.Errorf("query %q, SDK's %q", ours.Query.Encode(), sdk.Query.Encode())
	}
	auth, sdkAuth := ours.Header.Get("Authorization"), sdk.Header.Get("Authorization")
	signed, sdkSigned := signedHeaders(auth), signedHeaders(sdkAuth)
	if strings.Join(signed, ";") != strings.Join(sdkSigned, ";") {
		t.Errorf("signed headers %v, SDK's %v", signed, sdkSigned)
	}
	for _, h := range sdkSigned {
		if h != "host" && ours.Header.Get(h) != sdk.Header.Get(h) {
			t.Errorf("header %s = %q, SDK's %q", h, ours.Header.Get(h), sdk.Header.Get(h))
		}
	}
	if auth != sdkAuth {
		t.Errorf("Authorization\n %s\nSDK's\n %s", auth, sdkAuth)
	}
	if !bytes.Equal(ours.Body, sdk.Body) {
		t.Errorf("body %q, SDK's %q", ours.Body, sdk.Body)
	}
}

// TestRequestsAreTheSDKs sends each operation with both clients to the
// same server, path style behind an endpoint override, and compares the
// requests.
func TestRequestsAreTheSDKs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := newServer(t, answer{status: 200, header: http.Header{"Etag": {`"abc"`}}, body: "object body"})
	cfg := awsConfig(srv.URL)
	ours, sdk := newClient(t, cfg), func() *s3.Client { c, _ := sdkClient(cfg); return c }()
	content := []byte("id,value\n1,42\n")
	for _, tt := range []struct {
		name     string
		ours     func() error
		theSDK   func() error
		wantPath string
	}{
		{"PutObject", func() error { return ours.PutObject(ctx, "jobline-assets", awkwardKey, content, "text/csv") },
			func() error {
				_, err := sdk.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("jobline-assets"), Key: aws.String(awkwardKey),
					Body: bytes.NewReader(content), ContentLength: aws.Int64(int64(len(content))), ContentType: aws.String("text/csv")})
				return err
			}, "/jobline-assets/reports/job%201/a%2Bb%281%29%21%2A%27%3D%26%3B%2C%24%40%3A%25~_.-%C3%A9.csv"},
		{"PutObject without content type", func() error { return ours.PutObject(ctx, "b-1", "a.bin", content, "") },
			func() error {
				_, err := sdk.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b-1"), Key: aws.String("a.bin"),
					Body: bytes.NewReader(content), ContentLength: aws.Int64(int64(len(content)))})
				return err
			}, "/b-1/a.bin"},
		{"GetObject", func() error {
			b, err := ours.GetObject(ctx, "jobline-assets", awkwardKey)
			if err == nil && string(b) != "object body" {
				t.Errorf("GetObject = %q, want the response's body", b)
			}
			return err
		}, func() error {
			out, err := sdk.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("jobline-assets"), Key: aws.String(awkwardKey)})
			if err == nil {
				out.Body.Close()
			}
			return err
		}, "/jobline-assets/reports/job%201/a%2Bb%281%29%21%2A%27%3D%26%3B%2C%24%40%3A%25~_.-%C3%A9.csv"},
	} {
		if err := tt.ours(); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if err := tt.theSDK(); err != nil {
			t.Fatalf("%s with the SDK: %v", tt.name, err)
		}
		reqs := srv.requests()
		if len(reqs) != 2 {
			t.Fatalf("%s: server saw %d requests, want 2", tt.name, len(reqs))
		}
		if reqs[0].Path != tt.wantPath {
			t.Errorf("%s: path %s, want %s", tt.name, reqs[0].Path, tt.wantPath)
		}
		t.Run(tt.name, func(t *testing.T) { sameRequest(t, reqs[0], reqs[1]) })
	}
}

// recorder is an HTTP client that records requests and answers 200 with
// a body, so that requests to AWS's endpoints go nowhere.
type recorder struct {
	mu   sync.Mutex
	reqs []captured
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	c := capture(req, body)
	c.Host = req.URL.Host
	r.mu.Lock()
	r.reqs = append(r.reqs, c)
	r.mu.Unlock()
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("x")), Request: req}, nil
}

func (r *recorder) requests() []captured {
	r.mu.Lock()
	defer r.mu.Unlock()
	reqs := r.reqs
	r.reqs = nil
	return reqs
}

// TestAddressingOnAWS checks that on AWS's endpoint buckets are virtual
// hosts, except names with dots, as the SDK addresses them.
func TestAddressingOnAWS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rec := &recorder{}
	cfg := awsConfig("")
	cfg.HTTPClient = rec
	ours, sdk := newClient(t, cfg), func() *s3.Client { c, _ := sdkClient(cfg); return c }()
	for _, tt := range []struct{ bucket, wantHost, wantPath string }{
		{"jobline-assets", "jobline-assets.s3.eu-west-3.amazonaws.com", "/a/b%20c.txt"},
		{"my.dotted.bucket", "s3.eu-west-3.amazonaws.com", "/my.dotted.bucket/a/b%20c.txt"},
	} {
		if _, err := ours.GetObject(ctx, tt.bucket, "a/b c.txt"); err != nil {
			t.Fatal(err)
		}
		out, err := sdk.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(tt.bucket), Key: aws.String("a/b c.txt")})
		if err != nil {
			t.Fatalf("SDK GetObject: %v", err)
		}
		out.Body.Close()
		reqs := rec.requests()
		if len(reqs) != 2 {
			t.Fatalf("%d requests, want 2", len(reqs))
		}
		if reqs[0].Host != tt.wantHost || reqs[0].Path != tt.wantPath {
			t.Errorf("bucket %s: request to %s%s, want %s%s", tt.bucket, reqs[0].Host, reqs[0].Path, tt.wantHost, tt.wantPath)
		}
		t.Run(tt.bucket, func(t *testing.T) { sameRequest(t, reqs[0], reqs[1]) })
	}
}

// TestPresignGetObjectIsTheSDKs compares presigned URLs with the SDK's,
// on AWS's endpoint and behind an override.
func TestPresignGetObjectIsTheSDKs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, endpoint := range []string{"", "http://127.0.0.1:4566"} {
		cfg := awsConfig(endpoint)
		var calls int
		hook := awsapi.Hook{Call: func(ctx context.Context, _ *awsapi.Call, next func(context.Context) error) error {
			calls++
			return next(ctx)
		}}
		ours := newClient(t, cfg, hook)
		_, presign := sdkClient(cfg)
		for _, tt := range []struct {
			bucket, key string
			expires     time.Duration
		}{
			{"jobline-assets", awkwardKey, 90 * time.Second},
			{"jobline-assets", "a.txt", 0},
			{"my.dotted.bucket", "x/y z", 7 * 24 * time.Hour},
		} {
			got, err := ours.PresignGetObject(ctx, tt.bucket, tt.key, tt.expires)
			if err != nil {
				t.Fatal(err)
			}
			want, err := presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(tt.bucket), Key: aws.String(tt.key)},
				s3.WithPresignExpires(tt.expires))
			if err != nil {
				t.Fatal(err)
			}
			if got != want.URL {
				t.Errorf("endpoint %q, %s/%s for %v:\n got %s\nwant %s", endpoint, tt.bucket, tt.key, tt.expires, got, want.URL)
			}
		}
		if calls != 0 {
			t.Errorf("hooks saw %d calls of presigning, want none", calls)
		}
	}
	if _, err := newClient(t, awsConfig("")).PresignGetObject(ctx, "b-1", "k", -time.Second); err == nil {
		t.Error("PresignGetObject with a negative expiry succeeded")
	}
}

// serviceEndpoint is a config source with a per-service endpoint, as
// AWS_ENDPOINT_URL_S3 gives one.
type serviceEndpoint struct{ service, url string }

func (s serviceEndpoint) GetServiceBaseEndpoint(_ context.Context, id string) (string, bool, error) {
	return s.url, id == s.service, nil
}

// TestEndpointOverridesArePathStyle checks each kind of endpoint
// override: the client's option, a per-service endpoint, the base one.
func TestEndpointOverridesArePathStyle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := newServer(t)
	perService := awsConfig("")
	perService.ConfigSources = []any{serviceEndpoint{"S3", srv.URL + "/"}}
	cases := map[string]struct {
		cfg  aws.Config
		opts awsapi.Options
	}{
		"option":      {awsConfig("http://127.0.0.1:1"), awsapi.Options{Endpoint: srv.URL}},
		"per service": {perService, awsapi.Options{}},
		"base":        {awsConfig(srv.URL), awsapi.Options{}},
	}
	for name, tc := range cases {
		c, err := s3api.New(ctx, tc.cfg, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.PutObject(ctx, "jobline-assets", "k/1", []byte("x"), "text/plain"); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		reqs := srv.requests()
		if len(reqs) != 1 || reqs[0].Path != "/jobline-assets/k/1" || reqs[0].Query.Get("x-id") != "PutObject" {
			t.Errorf("%s: requests %+v, want one PUT /jobline-assets/k/1?x-id=PutObject", name, reqs)
		}
	}
}
