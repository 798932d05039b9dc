//go:build lambda.norpc

package main

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"jobline/internal/awsbackend/awsenv"
	"jobline/internal/envconfig"
	"jobline/internal/lambdafn"
)

// cliAWS is the CLI's AWS configuration in the Lambda build: the same as
// the Lambda's, from the environment only (AWS_REGION, AWS_ACCESS_KEY_ID,
// ...), so that the bootstrap links none of the SDK's default chain.
func cliAWS(context.Context) (awsenv.Config, aws.Config, error) {
	return lambdafn.AWSFromEnv(envconfig.New())
}
