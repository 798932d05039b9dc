package awsenv_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"jobline/internal/awsbackend/awsenv"
	"jobline/internal/envconfig"
)

func TestSDKConfigFromLambdaVariables(t *testing.T) {
	t.Parallel()
	env := envconfig.FromMap(map[string]string{
		awsenv.EnvDefaultRegion: "eu-west-3", awsenv.EnvAccessKeyID: "AKID", awsenv.EnvSecretAccessKey: "SECRET",
		awsenv.EnvSessionToken: "TOKEN", awsenv.EnvMaxAttempts: "7", awsenv.EnvRetryMode: "adaptive",
	})
	cfg, err := awsenv.SDKConfig(env, awsenv.Config{})
	if err != nil || env.Err() != nil {
		t.Fatal(err, env.Err())
	}
	if cfg.Region != "eu-west-3" || cfg.RetryMaxAttempts != 7 || cfg.RetryMode != aws.RetryModeAdaptive || cfg.HTTPClient != nil || cfg.BaseEndpoint != nil {
		t.Fatalf("config %+v", cfg)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != "AKID" || creds.SecretAccessKey != "SECRET" || creds.SessionToken != "TOKEN" {
		t.Fatalf("credentials %+v, %v", creds, err)
	}
	// AWS_REGION (Config.Region) wins over AWS_DEFAULT_REGION.
	if cfg, err := awsenv.SDKConfig(env, awsenv.Config{Region: "us-west-2"}); err != nil || cfg.Region != "us-west-2" {
		t.Fatalf("region %q, %v; want Config.Region", cfg.Region, err)
	}
}

func TestSDKConfigErrors(t *testing.T) {
	t.Parallel()
	creds := map[string]string{awsenv.EnvAccessKeyID: "a", awsenv.EnvSecretAccessKey: "b"}
	with := func(m map[string]string, extra ...string) *envconfig.Reader {
		vars := map[string]string{}
		for k, v := range m {
			vars[k] = v
		}
		for i := 0; i+1 < len(extra); i += 2 {
			vars[extra[i]] = extra[i+1]
		}
		return envconfig.FromMap(vars)
	}
	region := awsenv.Config{Region: "us-east-1"}
	tests := []struct {
		name    string
		env     *envconfig.Reader
		cfg     awsenv.Config
		wantErr string
	}{
		{"no region", with(creds), awsenv.Config{}, awsenv.EnvRegion},
		{"no credentials", with(nil), region, awsenv.EnvAccessKeyID},
		{"secret missing", with(nil, awsenv.EnvAccessKeyID, "a"), region, awsenv.EnvSecretAccessKey},
		{"bad retry mode", with(creds, awsenv.EnvRetryMode, "eager"), region, awsenv.EnvRetryMode},
		{"plain HTTP off loopback", with(nil, awsenv.EnvContainerCredentials, "http://169.254.1.1/creds"), region, "loopback"},
		{"not a URL", with(nil, awsenv.EnvContainerCredentials, "::"), region, awsenv.EnvContainerCredentials},
	}
	for _, tt := range tests {
		_, err := awsenv.SDKConfig(tt.env, tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: %v, want an error naming %s", tt.name, err, tt.wantErr)
		}
	}
	if _, err := awsenv.SDKConfig(with(nil), region); !errors.Is(err, awsenv.ErrNoCredentials) {
		t.Errorf("no credentials: %v, want ErrNoCredentials", err)
	}
	env := with(creds, awsenv.EnvMaxAttempts, "many")
	awsenv.SDKConfig(env, region)
	if err := env.Err(); err == nil || !strings.Contains(err.Error(), awsenv.EnvMaxAttempts) {
		t.Errorf("malformed %s: %v", awsenv.EnvMaxAttempts, err)
	}
}

// TestSDKConfigRefreshesContainerCredentials: with SnapStart, Lambda gives
// credentials through an endpoint, and they expire; the configuration asks
// again before they do, with the token file's current content.
func TestSDKConfigRefreshesContainerCredentials(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	var lastToken atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		lastToken.Store(r.Header.Get("Authorization"))
		json.NewEncoder(w).Encode(map[string]string{
			"AccessKeyId": "AK" + string(rune('0'+n)), "SecretAccessKey": "S", "Token": "T",
			// Already inside the SDK cache's expiry window: the next
			// Retrieve asks again.
			"Expiration": time.Now().Add(time.Minute).UTC().Format(time.RFC3339),
		})
	}))
	t.Cleanup(srv.Close)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("first\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := envconfig.FromMap(map[string]string{
		awsenv.EnvContainerCredentials: srv.URL + "/2021-04-23/credentials", awsenv.EnvContainerTokenFile: tokenFile,
		// Ignored: the endpoint's refreshable credentials win.
		awsenv.EnvAccessKeyID: "STATIC", awsenv.EnvSecretAccessKey: "STATIC",
	})
	cfg, err := awsenv.SDKConfig(env, awsenv.Config{Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c1, err := cfg.Credentials.Retrieve(ctx)
	if err != nil || c1.AccessKeyID != "AK1" || !c1.CanExpire || lastToken.Load() != "first" {
		t.Fatalf("first credentials %+v, %v, token %v", c1, err, lastToken.Load())
	}
	if err := os.WriteFile(tokenFile, []byte("second"), 0o600); err != nil {
		t.Fatal(err)
	}
	c2, err := cfg.Credentials.Retrieve(ctx)
	if err != nil || c2.AccessKeyID != "AK2" || lastToken.Load() != "second" {
		t.Fatalf("refreshed credentials %+v, %v, token %v; want new ones fetched with the new token", c2, err, lastToken.Load())
	}
}

// TestSDKConfigEndpointOverrides: AWS_ENDPOINT_URL reaches every client,
// AWS_ENDPOINT_URL_<SERVICE> one service (the clients find it among
// ConfigSources), and AWS_IGNORE_CONFIGURED_ENDPOINT_URLS turns both off.
// Not parallel: an SDK client looks at the process environment itself to
// choose between the two overrides, so the variable is set there too.
func TestSDKConfigEndpointOverrides(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Write([]byte(`{"QueueUrls":[]}`))
	}))
	t.Cleanup(srv.Close)
	base := map[string]string{awsenv.EnvAccessKeyID: "a", awsenv.EnvSecretAccessKey: "b"}
	vars := func(extra ...string) *envconfig.Reader {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return envconfig.FromMap(m)
	}

	cfg, err := awsenv.SDKConfig(vars(), awsenv.Config{Region: "us-east-1", Endpoint: "http://127.0.0.1:1"})
	if err != nil || aws.ToString(cfg.BaseEndpoint) != "http://127.0.0.1:1" {
		t.Fatalf("base endpoint %v, %v", cfg.BaseEndpoint, err)
	}

	t.Setenv(awsenv.EnvServiceEndpointPrefix+"SQS", srv.URL)
	cfg, err = awsenv.SDKConfig(vars(awsenv.EnvServiceEndpointPrefix+"SQS", srv.URL), awsenv.Config{Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sqs.NewFromConfig(cfg).ListQueues(context.Background(), &sqs.ListQueuesInput{}); err != nil || hits.Load() != 1 {
		t.Fatalf("SQS through AWS_ENDPOINT_URL_SQS: %v, %d requests reached the override", err, hits.Load())
	}

	cfg, err = awsenv.SDKConfig(vars(awsenv.EnvServiceEndpointPrefix+"SQS", srv.URL, awsenv.EnvIgnoreEndpoints, "true"),
		awsenv.Config{Region: "us-east-1", Endpoint: "http://127.0.0.1:1"})
	if err != nil || cfg.BaseEndpoint != nil || cfg.ConfigSources != nil {
		t.Fatalf("with %s: base %v, sources %v, %v; want no override", awsenv.EnvIgnoreEndpoints, cfg.BaseEndpoint, cfg.ConfigSources, err)
	}
}
