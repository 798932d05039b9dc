package awstest

import (
	"context"
	"maps"
	"slices"
	"sync"

	"jobline/internal/awsapi"
)

// RequestCounter counts the AWS API requests that Jobline's clients send, per
// service and operation. Retries count: each attempt is a billed request.
// It is safe for concurrent use.
type RequestCounter struct {
	mu     sync.Mutex
	counts map[string]int64
}

// NewRequestCounter returns an empty RequestCounter.
func NewRequestCounter() *RequestCounter {
	return &RequestCounter{counts: map[string]int64{}}
}

// Hook is the counter as a client's hook: it counts each attempt, just
// before the request is signed and sent.
func (c *RequestCounter) Hook() awsapi.Hook {
	return awsapi.Hook{Attempt: func(_ context.Context, call *awsapi.Call) { c.add(call.Service + "." + call.Operation) }}
}

func (c *RequestCounter) add(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[key]++
}

// Counts returns a copy of the counts keyed "Service.Operation", for
// example "DynamoDB.UpdateItem" or "SQS.SendMessage".
func (c *RequestCounter) Counts() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.counts)
}

// Get returns the count of one "Service.Operation".
func (c *RequestCounter) Get(key string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[key]
}

// Total returns the count of every operation of service ("DynamoDB",
// "SQS"), or of all services when service is empty.
func (c *RequestCounter) Total(service string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int64
	for k, v := range c.counts {
		if service == "" || len(k) > len(service) && k[:len(service)+1] == service+"." {
			n += v
		}
	}
	return n
}

// Reset sets every count back to zero.
func (c *RequestCounter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts = map[string]int64{}
}

// Keys returns the counted "Service.Operation" keys, sorted.
func (c *RequestCounter) Keys() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Sorted(maps.Keys(c.counts))
}
