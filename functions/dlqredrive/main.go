// Command dlqredrive lists and redrives dead-lettered jobs. It is a Lambda
// when started by the Lambda runtime (AWS_LAMBDA_RUNTIME_API is set),
// invoked with {"action":"list"} or {"action":"redrive","jobId":"...",
// "jobType":"...","max":N,"dryRun":true}; otherwise it is the operator's
// CLI: dlqredrive list | redrive [--job-id ID] [--job-type T] [--max N]
// [--dry-run]. Bad arguments exit with status 2.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"jobline/internal/lambdafn"
	"jobline/internal/redrive"
)

func main() {
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		log := lambdafn.Logger("dlqredrive")
		r, err := open(context.Background())
		if err != nil {
			lambdafn.Exit(log, err)
		}
		r.Logger = log
		lambda.Start(r.Handle)
		return
	}
	os.Exit(redrive.RunCLI(context.Background(), os.Args[1:], os.Stdout, os.Stderr, open))
}

func open(ctx context.Context) (*redrive.Redriver, error) {
	be, err := lambdafn.OpenBackend(ctx)
	if err != nil {
		return nil, err
	}
	return &redrive.Redriver{Store: be.Store, Queue: be.Queue}, nil
}
