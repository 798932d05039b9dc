//go:build !lambda.norpc

package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"jobline/internal/awsbackend"
	"jobline/internal/awsbackend/awsenv"
	"jobline/internal/envconfig"
)

// cliAWS is the CLI's AWS configuration on an operator's machine: where the
// resources are from the environment, credentials and region from the
// SDK's default chain (profiles, SSO, ...).
func cliAWS(ctx context.Context) (awsenv.Config, aws.Config, error) {
	env := envconfig.New()
	cfg := awsbackend.FromEnv(env).WithDefaults()
	if err := env.Err(); err != nil {
		return awsenv.Config{}, aws.Config{}, fmt.Errorf("read AWS environment: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return awsenv.Config{}, aws.Config{}, err
	}
	awsCfg, err := awsbackend.LoadSDKConfig(ctx, cfg)
	return cfg, awsCfg, err
}
