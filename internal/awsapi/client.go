package awsapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
)

// maxResponseBytes bounds a response body read into memory: above
// BatchGetItem's 16 MB, the largest answer Jobline asks for.
const maxResponseBytes = 64 << 20

// Request is an operation's HTTP request, sent afresh at each attempt.
type Request struct {
	Method string
	// Endpoint, if set, is the base URL of this request instead of the
	// client's (S3's virtual-hosted bucket endpoints).
	Endpoint string
	// Path is the URL path below the endpoint, escaped as it is to be
	// sent (S3 keys); "" for "/".
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	// UnsignedPayload signs with UNSIGNED-PAYLOAD instead of the body's
	// hash (S3 presigned URLs).
	UnsignedPayload bool
}

// Protocol turns a response into the call's output or error.
type Protocol struct {
	// Decode reads a successful response (status 2xx) whose body is body.
	Decode func(resp *http.Response, body []byte) error
	// Error returns the error a failed response (status >= 300) means:
	// the service's code and message (smithy.APIError) or a modelled
	// error type.
	Error func(resp *http.Response, body []byte) error
}

// Do runs call: its hooks, then attempts of req until one succeeds, the
// error is not retryable, or the retryer gives up. Errors are a
// *smithy.OperationError around a *ResponseError (with the HTTP status
// and request ID) around the service's error.
func (c *Client) Do(ctx context.Context, call *Call, req Request, p Protocol) error {
	call.Service = c.svc.ID
	run := func(ctx context.Context) error { return c.retry(ctx, call, req, p) }
	for i := len(c.hooks) - 1; i >= 0; i-- {
		if h := c.hooks[i].Call; h != nil {
			next := run
			run = func(ctx context.Context) error { return h(ctx, call, next) }
		}
	}
	if err := run(ctx); err != nil {
		var op *smithy.OperationError
		if errors.As(err, &op) {
			return err
		}
		return &smithy.OperationError{ServiceID: c.svc.ID, OperationName: call.Operation, Err: err}
	}
	return nil
}

// retry is the SDK's retry loop: a token for the first attempt, then for
// each retry of a retryable error a token from the retry quota and the
// retryer's backoff.
func (c *Client) retry(ctx context.Context, call *Call, req Request, p Protocol) error {
	release, err := c.firstToken(ctx)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		err = c.attempt(ctx, call, req, p)
		_ = release(err)
		if err == nil {
			return nil
		}
		if !c.retryer.IsErrorRetryable(err) {
			return err
		}
		if attempt >= c.retryer.MaxAttempts() {
			return &retryExhausted{attempts: attempt, err: err}
		}
		if release, err = c.retryToken(ctx, attempt, err); err != nil {
			return err
		}
	}
}

// firstToken is the first attempt's token (the adaptive retryer's client
// rate limit waits here).
func (c *Client) firstToken(ctx context.Context) (func(error) error, error) {
	if v2, ok := c.retryer.(aws.RetryerV2); ok {
		return v2.GetAttemptToken(ctx)
	}
	return c.retryer.GetInitialToken(), nil
}

// retryToken takes a retry from the retryer's quota and waits its delay;
// with the quota spent, the attempt's error is the call's.
func (c *Client) retryToken(ctx context.Context, attempt int, attemptErr error) (func(error) error, error) {
	release, err := c.retryer.GetRetryToken(ctx, attemptErr)
	if err != nil {
		return nil, attemptErr
	}
	delay, err := c.retryer.RetryDelay(attempt, attemptErr)
	if err != nil {
		return nil, attemptErr
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("retry of %w: %w", attemptErr, ctx.Err())
	case <-t.C:
		return release, nil
	}
}

// retryExhausted is the last attempt's error once the retryer allows no
// more.
type retryExhausted struct {
	attempts int
	err      error
}

func (e *retryExhausted) Error() string {
	return fmt.Sprintf("exceeded maximum number of attempts, %d, %v", e.attempts, e.err)
}
func (e *retryExhausted) Unwrap() error { return e.err }

// attempt sends req once, signed, and reads its answer.
func (c *Client) attempt(ctx context.Context, call *Call, req Request, p Protocol) error {
	call.Attempts++
	for _, h := range c.hooks {
		if h.Attempt != nil {
			h.Attempt(ctx, call)
		}
	}
	hreq, err := c.signed(ctx, req)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(hreq)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return retryable{fmt.Errorf("read response: %w", err)}
	}
	if err := checkCRC32(resp, body); err != nil {
		return err
	}
	if len(body) > maxResponseBytes {
		return fmt.Errorf("response over %d bytes", maxResponseBytes)
	}
	if resp.StatusCode >= 300 {
		return &ResponseError{StatusCode: resp.StatusCode, RequestID: requestID(resp), Err: p.Error(resp, body)}
	}
	if err := p.Decode(resp, body); err != nil {
		return &smithy.DeserializationError{Err: err}
	}
	return nil
}

// signed builds req's HTTP request and signs it with SigV4.
func (c *Client) signed(ctx context.Context, req Request) (*http.Request, error) {
	hreq, err := c.httpRequest(ctx, req)
	if err != nil {
		return nil, err
	}
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("retrieve credentials: %w", err)
	}
	if err := c.signer.SignHTTP(ctx, creds, hreq, payloadHash(req), c.svc.SigningName, c.region, c.now()); err != nil {
		return nil, fmt.Errorf("sign request: %w", err)
	}
	return hreq, nil
}

// Presign returns the URL of req signed in its query (SigV4 presigning),
// valid for expires (X-Amz-Expires, whole seconds) with an unsigned
// payload, as the SDK's S3 presign client signs. It sends nothing and
// runs no hook.
func (c *Client) Presign(ctx context.Context, req Request, expires time.Duration) (string, error) {
	q := url.Values{}
	for k, vs := range req.Query {
		q[k] = vs
	}
	q.Set("X-Amz-Expires", strconv.FormatInt(int64(expires/time.Second), 10))
	req.Query = q
	hreq, err := c.httpRequest(ctx, req)
	if err != nil {
		return "", err
	}
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return "", fmt.Errorf("retrieve credentials: %w", err)
	}
	u, _, err := c.signer.PresignHTTP(ctx, creds, hreq, unsignedPayload, c.svc.SigningName, c.region, c.now())
	if err != nil {
		return "", fmt.Errorf("presign request: %w", err)
	}
	return u, nil
}

// httpRequest builds req's HTTP request, unsigned.
func (c *Client) httpRequest(ctx context.Context, req Request) (*http.Request, error) {
	u := c.endpoint
	if req.Endpoint != "" {
		u = req.Endpoint
	}
	u += req.Path
	if req.Path == "" {
		u += "/"
	}
	if len(req.Query) > 0 {
		u += "?" + req.Query.Encode()
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, u, bytes.NewReader(req.Body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	for k, vs := range req.Header {
		hreq.Header[k] = vs
	}
	hreq.ContentLength = int64(len(req.Body))
	return hreq, nil
}

// unsignedPayload is SigV4's payload hash of a body left unsigned.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// payloadHash is the hex SHA-256 of req's body, or UNSIGNED-PAYLOAD.
func payloadHash(req Request) string {
	if req.UnsignedPayload {
		return unsignedPayload
	}
	sum := sha256.Sum256(req.Body)
	return hex.EncodeToString(sum[:])
}

// requestID is the request ID AWS answered with.
func requestID(resp *http.Response) string {
	for _, h := range []string{"X-Amzn-Requestid", "X-Amz-Request-Id"} {
		if v := resp.Header.Get(h); v != "" {
			return v
		}
	}
	return ""
}

// ResponseError is a failed response: its status and request ID around
// the service's error. errors.As finds the service's error (its code, or
// a modelled type) through it, and the retryer its status.
type ResponseError struct {
	StatusCode int
	RequestID  string
	Err        error
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("https response error StatusCode: %d, RequestID: %s, %v", e.StatusCode, e.RequestID, e.Err)
}
func (e *ResponseError) Unwrap() error { return e.Err }

// HTTPStatusCode is the response's status (the retryer retries 5xx).
func (e *ResponseError) HTTPStatusCode() int { return e.StatusCode }

// APIError returns the generic error of a service's code and message,
// its fault from the HTTP status.
func APIError(status int, code, message string) *smithy.GenericAPIError {
	fault := smithy.FaultClient
	if status >= 500 {
		fault = smithy.FaultServer
	}
	if code == "" {
		code = http.StatusText(status)
	}
	return &smithy.GenericAPIError{Code: code, Message: message, Fault: fault}
}

// retryable marks an attempt's error the retryer may retry (it asks
// errors for RetryableError): a response cut short, or one whose checksum
// does not match.
type retryable struct{ error }

func (e retryable) Unwrap() error        { return e.error }
func (e retryable) RetryableError() bool { return true }

// checkCRC32 checks the body against DynamoDB's x-amz-crc32 header, when
// the response has one, as the SDK's DynamoDB client does: a mismatch is a
// damaged response, retried.
func checkCRC32(resp *http.Response, body []byte) error {
	v := resp.Header.Get("X-Amz-Crc32")
	if v == "" {
		return nil
	}
	want, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return retryable{fmt.Errorf("response checksum %q is not a number", v)}
	}
	if got := crc32.ChecksumIEEE(body); uint64(got) != want {
		return retryable{fmt.Errorf("response checksum %d does not match the body's, %d", want, got)}
	}
	return nil
}
