package awstest

import (
	"context"
	"maps"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// CallTimes accumulates the AWS calls made with a context that carries it
// (ContextWithCallTimes), through clients with TimeCalls on their stacks:
// the time spent in them (the calls of a Meter included, since TimeCalls
// runs outside it) and how many there were per service. A benchmark takes
// the emulator's time out of a function's measured duration and puts in a
// latency of its own choosing. It is safe for concurrent use.
type CallTimes struct {
	mu    sync.Mutex
	spent time.Duration
	calls map[string]int
}

// Spent is the time spent in AWS calls.
func (c *CallTimes) Spent() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.spent
}

// Calls returns the number of calls per service ID ("DynamoDB", "SQS").
func (c *CallTimes) Calls() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.calls)
}

type callTimesKey struct{}

// ContextWithCallTimes returns ctx carrying c.
func ContextWithCallTimes(ctx context.Context, c *CallTimes) context.Context {
	return context.WithValue(ctx, callTimesKey{}, c)
}

// TimeCalls is an API option that adds each call's duration and service to
// the CallTimes of its context, if any. It is the outermost middleware, so
// that retries and a Meter's own reads count as part of the call.
func TimeCalls(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("JoblineCallTimes",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			c, ok := ctx.Value(callTimesKey{}).(*CallTimes)
			if !ok {
				return next.HandleInitialize(ctx, in)
			}
			start := time.Now()
			out, md, err := next.HandleInitialize(ctx, in)
			c.mu.Lock()
			defer c.mu.Unlock()
			c.spent += time.Since(start)
			if c.calls == nil {
				c.calls = map[string]int{}
			}
			c.calls[awsmiddleware.GetServiceID(ctx)]++
			return out, md, err
		}), middleware.Before)
}
