package awsenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"

	"jobline/internal/envconfig"
)

// Variables SDKConfig reads, besides FromEnv's: the ones the Lambda runtime
// sets, and the SDK's own names for retries and endpoint overrides.
const (
	EnvDefaultRegion        = "AWS_DEFAULT_REGION"
	EnvAccessKeyID          = "AWS_ACCESS_KEY_ID"
	EnvSecretAccessKey      = "AWS_SECRET_ACCESS_KEY"
	EnvSessionToken         = "AWS_SESSION_TOKEN"
	EnvContainerCredentials = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
	EnvContainerToken       = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
	EnvContainerTokenFile   = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
	EnvMaxAttempts          = "AWS_MAX_ATTEMPTS"
	EnvRetryMode            = "AWS_RETRY_MODE"
	EnvIgnoreEndpoints      = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
	// EnvServiceEndpointPrefix + DYNAMODB, SQS, S3 or CLOUDWATCH overrides
	// one service's endpoint (AWS_ENDPOINT_URL_SQS).
	EnvServiceEndpointPrefix = "AWS_ENDPOINT_URL_"
)

// credentialsRefreshWindow is how long before they expire credentials from
// the container endpoint are fetched again.
const credentialsRefreshWindow = 5 * time.Minute

// ErrNoCredentials is returned by SDKConfig when the environment holds no
// credentials.
var ErrNoCredentials = errors.New("no AWS credentials in the environment")

// SDKConfig builds the SDK configuration of a Lambda function by hand from
// its environment, instead of config.LoadDefaultConfig: the default chain
// reads shared config files and links SSO, STS web identity, sign-in and
// IMDS providers, none of which exists in Lambda, at a cost in binary size
// and start-up time. It honours, like the default chain:
//   - the region: c.Region (AWS_REGION), else AWS_DEFAULT_REGION;
//   - credentials: c.Credentials if set; else the credentials endpoint of
//     AWS_CONTAINER_CREDENTIALS_FULL_URI (Lambda's with SnapStart), asked
//     again before the credentials it gave expire, with the token of
//     AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read at every refresh) or
//     AWS_CONTAINER_AUTHORIZATION_TOKEN; else AWS_ACCESS_KEY_ID,
//     AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (Lambda's usual ones,
//     valid for the life of the execution environment);
//   - retries: the SDK's standard retryer, with AWS_MAX_ATTEMPTS and
//     AWS_RETRY_MODE;
//   - endpoints: c.Endpoint (AWS_ENDPOINT_URL) for every service,
//     AWS_ENDPOINT_URL_<SERVICE> for one, none with
//     AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true.
//
// Malformed variables are errors of env. It makes no request.
func SDKConfig(env *envconfig.Reader, c Config) (aws.Config, error) {
	cfg := aws.Config{Region: c.Region}
	if cfg.Region == "" {
		cfg.Region = env.String(EnvDefaultRegion, "")
	}
	if cfg.Region == "" {
		return aws.Config{}, fmt.Errorf("AWS config: no region (set %s)", EnvRegion)
	}
	cfg.RetryMaxAttempts = env.Int(EnvMaxAttempts, 0, 0, 100)
	if mode := env.String(EnvRetryMode, ""); mode != "" {
		m, err := aws.ParseRetryMode(mode)
		if err != nil {
			return aws.Config{}, fmt.Errorf("AWS config: %s: %w", EnvRetryMode, err)
		}
		cfg.RetryMode = m
	}
	if !env.Bool(EnvIgnoreEndpoints, false) {
		if c.Endpoint != "" {
			cfg.BaseEndpoint = aws.String(c.Endpoint)
		}
		cfg.ConfigSources = []any{serviceEndpoints{env}}
	}
	creds, err := credentialsFromEnv(env, c.Credentials)
	if err != nil {
		return aws.Config{}, fmt.Errorf("AWS config: %w", err)
	}
	cfg.Credentials = creds
	return cfg, nil
}

// credentialsFromEnv returns the credentials of SDKConfig, cached (and, for
// the container endpoint, refreshed before they expire).
func credentialsFromEnv(env *envconfig.Reader, override aws.CredentialsProvider) (aws.CredentialsProvider, error) {
	if override != nil {
		return aws.NewCredentialsCache(override), nil
	}
	if uri := env.String(EnvContainerCredentials, ""); uri != "" {
		if err := checkCredentialsEndpoint(uri); err != nil {
			return nil, err
		}
		token, tokenFile := env.String(EnvContainerToken, ""), env.String(EnvContainerTokenFile, "")
		provider := endpointcreds.New(uri, func(o *endpointcreds.Options) {
			o.AuthorizationToken = token
			if tokenFile != "" {
				o.AuthorizationTokenProvider = endpointcreds.TokenProviderFunc(func() (string, error) {
					b, err := os.ReadFile(tokenFile)
					if err != nil {
						return "", fmt.Errorf("read %s: %w", EnvContainerTokenFile, err)
					}
					return strings.TrimSpace(string(b)), nil
				})
			}
		})
		// Refreshed a while before they expire, so that no request is
		// signed with credentials about to lapse.
		return aws.NewCredentialsCache(provider, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = credentialsRefreshWindow }), nil
	}
	id, secret := env.String(EnvAccessKeyID, ""), env.String(EnvSecretAccessKey, "")
	if id == "" || secret == "" {
		return nil, fmt.Errorf("%w (set %s and %s, or %s)", ErrNoCredentials, EnvAccessKeyID, EnvSecretAccessKey, EnvContainerCredentials)
	}
	static := credentials.NewStaticCredentialsProvider(id, secret, env.String(EnvSessionToken, ""))
	return aws.NewCredentialsCache(static), nil
}

// checkCredentialsEndpoint accepts what the SDK's default chain accepts for
// a full credentials URI: HTTPS anywhere, HTTP on a loopback address only
// (Lambda's is http://127.0.0.1:PORT).
func checkCredentialsEndpoint(uri string) error {
	u, err := url.Parse(uri)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%s=%q is not a URL", EnvContainerCredentials, uri)
	}
	if u.Scheme == "https" {
		return nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); u.Scheme == "http" && (host == "localhost" || ip != nil && ip.IsLoopback()) {
		return nil
	}
	return fmt.Errorf("%s=%q: HTTP is allowed on a loopback address only", EnvContainerCredentials, uri)
}

// serviceEndpoints answers the clients' question for a service's own
// endpoint (the clients look for this method among aws.Config.ConfigSources)
// from AWS_ENDPOINT_URL_<SERVICE>, as the default chain does.
type serviceEndpoints struct{ env *envconfig.Reader }

// GetServiceBaseEndpoint returns the endpoint of the service named sdkID
// ("DynamoDB", "SQS", "S3", "CloudWatch"), if its variable is set.
func (s serviceEndpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	name := EnvServiceEndpointPrefix + strings.ToUpper(strings.ReplaceAll(sdkID, " ", "_"))
	v := s.env.String(name, "")
	return v, v != "", nil
}
