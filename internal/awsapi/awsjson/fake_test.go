package awsjson_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	smithyawsjson "github.com/aws/smithy-go/transport/http/protocol/awsjson"
)

// fakeAWS is an httptest server standing in for DynamoDB, SQS and
// CloudWatch: it records each request body and answers with a canned body.
type fakeAWS struct {
	srv *httptest.Server

	mu       sync.Mutex
	reqBody  []byte
	reqHdr   http.Header
	status   int
	respBody string
}

func newFakeAWS(t *testing.T) *fakeAWS {
	t.Helper()
	f := &fakeAWS{status: http.StatusOK, respBody: "{}"}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAWS) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqBody, f.reqHdr = b, r.Header.Clone()
	status, body := f.status, f.respBody
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// respond sets the next answers and forgets the last request.
func (f *fakeAWS) respond(status int, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.respBody, f.reqBody, f.reqHdr = status, body, nil, nil
}

// last returns the last request body and headers.
func (f *fakeAWS) last() ([]byte, http.Header) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reqBody, f.reqHdr
}

func (f *fakeAWS) config() aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("a", "b", ""),
		BaseEndpoint:     aws.String(f.srv.URL),
		RetryMaxAttempts: 1,
	}
}

func (f *fakeAWS) dynamo() *dynamodb.Client { return dynamodb.NewFromConfig(f.config()) }

// sqs skips the client's MD5 checks, which need real digests in answers.
func (f *fakeAWS) sqs() *sqs.Client {
	return sqs.NewFromConfig(f.config(), func(o *sqs.Options) { o.DisableMessageChecksumValidation = true })
}

// cloudwatch switches the client from its default protocol (Smithy RPC v2
// CBOR in v1.76.0) to the SDK's own schema-driven AWS JSON serde, which is
// the reference for the JSON bodies.
func (f *fakeAWS) cloudwatch() *cloudwatch.Client {
	return cloudwatch.NewFromConfig(f.config(), func(o *cloudwatch.Options) {
		o.Protocol = smithyawsjson.New10(schemas.GraniteServiceVersion20100801)
		o.DisableRequestCompression = true
	})
}

// sameJSON reports whether a and b decode to equal generic values (numbers
// compared as float64).
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("invalid JSON %s: %v", a, err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

// indent pretty-prints JSON for failure messages.
func indent(b []byte) string {
	var out bytes.Buffer
	if json.Indent(&out, b, "", "  ") != nil {
		return string(b)
	}
	return out.String()
}
