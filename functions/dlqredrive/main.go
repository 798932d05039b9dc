// Command dlqredrive lists and redrives dead-lettered jobs. It is a Lambda
// when started by the Lambda runtime (AWS_LAMBDA_RUNTIME_API is set),
// invoked with {"action":"list"}, {"action":"redrive","jobId":"...",
// "jobIds":[...],"jobType":"...","max":N,"dryRun":true,"reason":"..."} or
// {"action":"show","jobId":"..."}; otherwise it is the operator's CLI:
// dlqredrive list | redrive [--job-id ID]... [--job-type T] [--max N]
// [--dry-run] | show JOB_ID (internal/redrive; 'dlqredrive COMMAND --help'
// shows each command's flags). Bad arguments exit with status 2, a job
// that does not exist with 3.
//
// The CLI finds its credentials as the SDK's default chain does (profiles,
// SSO) when built plainly (go build ./functions/dlqredrive); the Lambda
// build (-tags lambda.norpc, make build) links only what Lambda needs, so
// its CLI takes them from the environment like the Lambda does
// (awsenv.SDKConfig).
package main

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"

	"jobline/internal/awsbackend/awsenv"
	"jobline/internal/awsbackend/jobqueue"
	"jobline/internal/envconfig"
	"jobline/internal/lambdafn"
	"jobline/internal/redrive"
)

func main() {
	if envconfig.New().String("AWS_LAMBDA_RUNTIME_API", "") != "" {
		lambdafn.Start("dlqredrive", func(ctx context.Context, in *lambdafn.Init) (any, error) {
			r, err := redriver(ctx, in.AWS, in.Config)
			if err != nil {
				return nil, err
			}
			r.Logger = in.Log
			return r.Handle, nil
		})
		return
	}
	os.Exit(redrive.RunCLI(context.Background(), os.Args[1:], os.Stdout, os.Stderr, func(ctx context.Context) (*redrive.Redriver, error) {
		cfg, awsCfg, err := cliAWS(ctx)
		if err != nil {
			return nil, err
		}
		return redriver(ctx, awsCfg, cfg)
	}))
}

// redriver is the operator's tool on the store and queue of cfg.
func redriver(ctx context.Context, awsCfg aws.Config, cfg awsenv.Config) (*redrive.Redriver, error) {
	store, q, err := jobqueue.OpenStoreAndQueue(ctx, awsCfg, cfg)
	if err != nil {
		return nil, err
	}
	return &redrive.Redriver{Store: store, Queue: q}, nil
}
