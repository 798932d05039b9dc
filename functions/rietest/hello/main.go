// Command hello is the reference of the Lambda functions' budgets: the
// smallest Go Lambda, aws-lambda-go's lambda.Start with a trivial handler.
// `make build` builds it with the functions' own command and prints each
// bootstrap's size beside its own; `make bench-lambda` measures every cold
// start interleaved with its own (functions/rietest).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context) (string, error) { return "hello", nil })
}
