package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"jobline/internal/jobs"
)

// DefaultTimeout is a handler's timeout unless Register is given Timeout.
const DefaultTimeout = 5 * time.Minute

// ErrInvalidParameters wraps a validator's error: the job's parameters are
// wrong for its type (the HTTP API answers 400 invalid_request).
var ErrInvalidParameters = errors.New("invalid parameters")

// Handler runs one attempt of a job. Its result is marshaled to JSON as
// the job's result. Returning *jobs.PermanentError fails the job at once,
// *jobs.PartialError ends it partial, any other error is retried with
// backoff while attempts remain.
type Handler interface {
	Handle(ctx context.Context, t *Task) (result any, err error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, t *Task) (result any, err error)

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, t *Task) (any, error) { return f(ctx, t) }

// Option configures a registered job type.
type Option func(*registration)

// Timeout sets how long one attempt may run; the handler's context ends
// then. The default is DefaultTimeout.
func Timeout(d time.Duration) Option {
	return func(r *registration) { r.timeout = d }
}

// Validate sets the parameters check that the HTTP API runs before it
// creates a job of this type; an error there is a 400 and writes nothing.
func Validate(fn func(params json.RawMessage) error) Option {
	return func(r *registration) { r.validate = fn }
}

type registration struct {
	jobType  string
	handler  Handler
	timeout  time.Duration
	validate func(json.RawMessage) error
}

// Registry maps job types to their handlers. It is safe for concurrent
// use; register everything before the engine starts.
type Registry struct {
	mu    sync.RWMutex
	types map[string]*registration
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry {
	return &Registry{types: map[string]*registration{}}
}

// Register adds a job type. It panics on an empty type, a nil handler, a
// non-positive timeout or a type registered twice: these are programming
// errors found at start-up, like http.ServeMux's.
func (r *Registry) Register(jobType string, h Handler, opts ...Option) {
	if jobType == "" || h == nil {
		panic("worker: Register needs a job type and a handler")
	}
	reg := &registration{jobType: jobType, handler: h, timeout: DefaultTimeout}
	for _, opt := range opts {
		opt(reg)
	}
	if reg.timeout <= 0 {
		panic(fmt.Sprintf("worker: job type %q: timeout must be positive", jobType))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.types[jobType]; dup {
		panic(fmt.Sprintf("worker: job type %q registered twice", jobType))
	}
	r.types[jobType] = reg
}

// Validate checks a create request's job type and parameters. An unknown
// type returns an error wrapping jobs.ErrUnknownJobType (422); parameters
// the type's validator rejects return an error wrapping
// ErrInvalidParameters and the validator's error (400), whose message is
// fit to show the client.
func (r *Registry) Validate(jobType string, params json.RawMessage) error {
	reg, ok := r.lookup(jobType)
	if !ok {
		return fmt.Errorf("%w: %q", jobs.ErrUnknownJobType, jobType)
	}
	if reg.validate == nil {
		return nil
	}
	if len(params) == 0 {
		params = json.RawMessage(`{}`)
	}
	if err := reg.validate(params); err != nil {
		return fmt.Errorf("%w for %s: %w", ErrInvalidParameters, jobType, err)
	}
	return nil
}

// Types returns the registered job types, sorted.
func (r *Registry) Types() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.types))
	for t := range r.types {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// TimeoutOf returns the timeout of a registered type.
func (r *Registry) TimeoutOf(jobType string) (time.Duration, bool) {
	reg, ok := r.lookup(jobType)
	if !ok {
		return 0, false
	}
	return reg.timeout, true
}

// maxTimeout is the longest timeout of any type (DefaultTimeout if none),
// the safe lease for a message that does not name its job type.
func (r *Registry) maxTimeout() time.Duration {
	r.mu.RLock()
	defer r.mu.RUnlock()
	longest := DefaultTimeout
	for _, reg := range r.types {
		longest = max(longest, reg.timeout)
	}
	return longest
}

func (r *Registry) lookup(jobType string) (*registration, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	reg, ok := r.types[jobType]
	return reg, ok
}
