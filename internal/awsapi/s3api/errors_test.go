package s3api_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"jobline/internal/awsapi"
)

// s3Error is S3's XML error document.
func s3Error(code, message string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error><Code>" + code + "</Code><Message>" + message +
		"</Message><Key>a.txt</Key><RequestId>REQ1</RequestId><HostId>host</HostId></Error>"
}

// xmlAnswer is a failed response with S3's error document.
func xmlAnswer(status int, code, message string) answer {
	return answer{status: status, header: http.Header{"Content-Type": {"application/xml"}, "X-Amz-Request-Id": {"REQ1"}},
		body: s3Error(code, message)}
}

// TestErrorsAreTheSDKs answers GetObject with S3's errors and checks the
// error's code and message against the SDK's for the same answer, and
// that it carries the status and request ID.
func TestErrorsAreTheSDKs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tt := range []struct {
		name     string
		answer   answer
		wantCode string
		wantMsg  string
	}{
		{"NoSuchKey", xmlAnswer(404, "NoSuchKey", "The specified key does not exist."), "NoSuchKey", "The specified key does not exist."},
		{"AccessDenied", xmlAnswer(403, "AccessDenied", "Access Denied"), "AccessDenied", "Access Denied"},
		{"escaped message", xmlAnswer(400, "InvalidArgument", "a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;"), "InvalidArgument", `a & b <c> "d" 'e'`},
		{"bare 404", answer{status: 404, header: http.Header{"X-Amz-Request-Id": {"REQ1"}}}, "NotFound", "Not Found"},
		{"bare 403", answer{status: 403, header: http.Header{"X-Amz-Request-Id": {"REQ1"}}}, "Forbidden", "Forbidden"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tt.answer)
			cfg := awsConfig(srv.URL)
			_, err := newClient(t, cfg).GetObject(ctx, "jobline-assets", "a.txt")
			sdk, _ := sdkClient(cfg)
			_, sdkErr := sdk.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("jobline-assets"), Key: aws.String("a.txt")})
			var api, sdkAPI smithy.APIError
			if !errors.As(err, &api) || !errors.As(sdkErr, &sdkAPI) {
				t.Fatalf("errors %v and the SDK's %v, want API errors", err, sdkErr)
			}
			if api.ErrorCode() != tt.wantCode || api.ErrorMessage() != tt.wantMsg {
				t.Errorf("error %q %q, want %q %q", api.ErrorCode(), api.ErrorMessage(), tt.wantCode, tt.wantMsg)
			}
			// The SDK's generic errors have an unknown fault; awsapi's
			// is the status's.
			if api.ErrorCode() != sdkAPI.ErrorCode() || api.ErrorMessage() != sdkAPI.ErrorMessage() || api.ErrorFault() != smithy.FaultClient {
				t.Errorf("error %q %q %v, SDK's %q %q (fault client)", api.ErrorCode(), api.ErrorMessage(), api.ErrorFault(),
					sdkAPI.ErrorCode(), sdkAPI.ErrorMessage())
			}
			var resp *awsapi.ResponseError
			if !errors.As(err, &resp) || resp.StatusCode != tt.answer.status || resp.RequestID != "REQ1" {
				t.Errorf("error %v, want a ResponseError of status %d and request REQ1", err, tt.answer.status)
			}
			var op *smithy.OperationError
			if !errors.As(err, &op) || op.Service() != "S3" || op.Operation() != "GetObject" {
				t.Errorf("error %v, want an OperationError of S3 GetObject", err)
			}
			if n := len(srv.requests()); n != 2 {
				t.Errorf("%d requests, want one each (not retried)", n)
			}
		})
	}
}

// attempts is a hook counting the requests of calls.
func attempts(n *int) awsapi.Hook {
	return awsapi.Hook{Attempt: func(context.Context, *awsapi.Call) { *n++ }}
}

func TestSlowDownIsRetried(t *testing.T) {
	t.Parallel()
	srv := newServer(t, xmlAnswer(503, "SlowDown", "Please reduce your request rate."), answer{status: 200, body: "ok"})
	var n int
	got, err := newClient(t, awsConfig(srv.URL), attempts(&n)).GetObject(context.Background(), "b-1", "k")
	if err != nil || string(got) != "ok" {
		t.Fatalf("GetObject = %q, %v; want the retry's answer", got, err)
	}
	if reqs := srv.requests(); len(reqs) != 2 || n != 2 {
		t.Fatalf("%d requests (hook saw %d), want 2", len(reqs), n)
	}

	// Throttled throughout: the retryer's 3 attempts, then SlowDown.
	srv = newServer(t, xmlAnswer(503, "SlowDown", "Please reduce your request rate."))
	err = newClient(t, awsConfig(srv.URL)).PutObject(context.Background(), "b-1", "k", []byte("x"), "")
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "SlowDown" || api.ErrorFault() != smithy.FaultServer {
		t.Fatalf("PutObject = %v, want SlowDown", err)
	}
	if reqs := srv.requests(); len(reqs) != 3 {
		t.Fatalf("%d requests, want the retryer's 3", len(reqs))
	}
}

func TestAccessDeniedIsNotRetried(t *testing.T) {
	t.Parallel()
	srv := newServer(t, xmlAnswer(403, "AccessDenied", "Access Denied"), answer{status: 200})
	var n int
	err := newClient(t, awsConfig(srv.URL), attempts(&n)).PutObject(context.Background(), "b-1", "k", []byte("x"), "")
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "AccessDenied" || api.ErrorFault() != smithy.FaultClient {
		t.Fatalf("PutObject = %v, want AccessDenied", err)
	}
	if reqs := srv.requests(); len(reqs) != 1 || n != 1 {
		t.Fatalf("%d requests (hook saw %d), want 1", len(reqs), n)
	}
}

func TestMissingBucketOrKey(t *testing.T) {
	t.Parallel()
	c := newClient(t, awsConfig("http://127.0.0.1:1"))
	ctx := context.Background()
	if err := c.PutObject(ctx, "", "k", nil, ""); err == nil {
		t.Error("PutObject without a bucket succeeded")
	}
	if _, err := c.GetObject(ctx, "b-1", ""); err == nil {
		t.Error("GetObject without a key succeeded")
	}
	if _, err := c.PresignGetObject(ctx, "", "k", 0); err == nil {
		t.Error("PresignGetObject without a bucket succeeded")
	}
}
