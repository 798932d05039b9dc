package awstest

import (
	"context"
	"maps"
	"sync"
	"time"

	"jobline/internal/awsapi"
)

// CallTimes accumulates the AWS calls made with a context that carries it
// (ContextWithCallTimes), through clients with the TimeCalls hook:
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

// TimeCalls is a hook that adds each call's duration and service to the
// CallTimes of its context, if any. Put it first among a client's hooks, so
// that retries and a Meter's own reads count as part of the call.
var TimeCalls = awsapi.Hook{Call: func(ctx context.Context, call *awsapi.Call, next func(context.Context) error) error {
	c, ok := ctx.Value(callTimesKey{}).(*CallTimes)
	if !ok {
		return next(ctx)
	}
	start := time.Now()
	err := next(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.spent += time.Since(start)
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[call.Service]++
	return err
}}
