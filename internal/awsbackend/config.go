// Package awsbackend wires Jobline to AWS for the dev server, the operator's
// CLI and the tests: configuration from the environment, and the DynamoDB
// store, the SQS queue and the S3 store of job assets on Jobline's clients
// (package awsapi) that share one aws.Config loaded by the SDK's default
// chain (profiles, SSO and the rest), each client built the first time
// something needs it.
//
// The Lambda functions do not use it: they build the SDK configuration by
// hand from the Lambda environment (awsenv.SDKConfig) and only the clients
// they use (jobstore, jobqueue, jobfiles), so that each binary links only
// those (internal/lambdafn).
package awsbackend

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"jobline/internal/awsbackend/awsenv"
	"jobline/internal/envconfig"
)

// Config says where Jobline's AWS resources are (awsenv.Config).
type Config = awsenv.Config

// FromEnv reads a Config from the environment (awsenv.FromEnv).
func FromEnv(env *envconfig.Reader) Config { return awsenv.FromEnv(env) }

// LoadSDKConfig loads the SDK configuration with the SDK's default chain
// (credentials and their refresh, region, retryer), with c's region,
// endpoint and credentials when set. It makes no request.
func LoadSDKConfig(ctx context.Context, c Config) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	if c.Endpoint != "" {
		opts = append(opts, config.WithBaseEndpoint(c.Endpoint))
	}
	if c.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(c.Credentials))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	if awsCfg.Region == "" {
		return aws.Config{}, fmt.Errorf("load AWS config: no region (set %s)", awsenv.EnvRegion)
	}
	return awsCfg, nil
}
