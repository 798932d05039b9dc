package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"
	"time"

	"jobline/internal/jobs"
)

// DefaultTimeout is a handler's timeout unless Register is given Timeout.
// It fits, with room to record the outcome, in the processjob function's
// 5-minute timeout (see Config.MaxRunTime).
const DefaultTimeout = 4 * time.Minute

// ErrInvalidParameters wraps the reason a job's parameters are wrong for
// its type (the HTTP API answers 400 invalid_request with its message).
var ErrInvalidParameters = errors.New("invalid parameters")

// Validator is implemented by a parameter type that checks its values.
// Registry.Validate calls it after decoding the parameters, when the HTTP
// API creates a job; its error message is shown to the client.
type Validator interface {
	Validate() error
}

// HandlerFunc runs one attempt of a job whose parameters decode into P.
// Its result R is marshaled to JSON as the job's result. Returning a
// *jobs.PermanentError (jobs.Permanent) fails the job at once, a
// *jobs.PartialError (jobs.Partial) ends it partial, and any other error is
// retried with backoff while attempts remain.
type HandlerFunc[P, R any] func(ctx context.Context, t *Task, params P) (R, error)

// Option configures a registered job type.
type Option func(*registration)

// Timeout sets how long one attempt may run; the handler's context ends
// then. The default is DefaultTimeout (MaxQuickTimeout for a Quick type).
func Timeout(d time.Duration) Option {
	return func(r *registration) { r.timeout, r.timeoutSet = d, true }
}

// MaxQuickTimeout is the longest timeout of a Quick job type, and its
// default.
const MaxQuickTimeout = 10 * time.Second

// Quick marks a job type whose handler is short and safe to run twice at
// once: it has no effect outside its result (echo), or only idempotent
// ones. The first delivery of such a job runs without a claim: the engine
// reads the job, runs the handler, and records a success with one
// conditional write (queued -> completed, Store.FinishUnclaimed), which
// saves a write per job. A duplicate delivery may then run the handler a
// second time alongside; only one result is recorded. Anything but a
// success (an error, a result that cannot be stored), a redelivery and a
// redriven job go through the claim as usual (docs/engine.md, "Quick job
// types"). A quick handler's Task.Progress does nothing, and its
// Task.AddAsset returns ErrNeedsClaim: returned by the handler, it makes
// the engine run the attempt again under a claim. The timeout must be at
// most MaxQuickTimeout.
func Quick() Option {
	return func(r *registration) { r.quick = true }
}

// Describe sets a one-line description of the job type, for listings.
func Describe(text string) Option {
	return func(r *registration) { r.description = text }
}

// runFunc is a registered handler with its parameters still to decode.
type runFunc func(ctx context.Context, t *Task) (result any, err error)

type registration struct {
	jobType     string
	description string
	timeout     time.Duration
	timeoutSet  bool         // Timeout was given
	quick       bool         // Quick was given
	params      reflect.Type // the parameter type P
	run         runFunc
	validate    func(raw json.RawMessage) error
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

// Register adds the job type jobType to reg, run by handle. A job's
// parameters are decoded into P strictly (an unknown field is an error)
// once per attempt, before handle runs; parameters that do not decode fail
// the job permanently. Registry.Validate, which the HTTP API calls before
// it creates a job, decodes them the same way and then calls P's Validate
// method if P (or *P) is a Validator. A P of json.RawMessage takes any
// JSON object as is.
//
// It panics on an empty type, a nil handler, a non-positive timeout (or
// one over MaxQuickTimeout for a Quick type) or a type registered twice: these are programming errors found at start-up,
// like http.ServeMux's.
func Register[P, R any](reg *Registry, jobType string, handle HandlerFunc[P, R], opts ...Option) {
	if jobType == "" || handle == nil {
		panic("worker: Register needs a job type and a handler")
	}
	r := &registration{jobType: jobType, timeout: DefaultTimeout, params: reflect.TypeFor[P]()}
	r.run = func(ctx context.Context, t *Task) (any, error) {
		p, err := decodeParams[P](t.Job.Parameters)
		if err != nil {
			return nil, jobs.Permanent(err)
		}
		return handle(ctx, t, p)
	}
	r.validate = validateParams[P]
	for _, opt := range opts {
		opt(r)
	}
	if r.quick && !r.timeoutSet {
		r.timeout = MaxQuickTimeout
	}
	if r.timeout <= 0 {
		panic(fmt.Sprintf("worker: job type %q: timeout must be positive", jobType))
	}
	if r.quick && r.timeout > MaxQuickTimeout {
		panic(fmt.Sprintf("worker: job type %q: a Quick type's timeout must be at most %s", jobType, MaxQuickTimeout))
	}
	reg.mu.Lock()
	defer reg.mu.Unlock()
	if _, dup := reg.types[jobType]; dup {
		panic(fmt.Sprintf("worker: job type %q registered twice", jobType))
	}
	reg.types[jobType] = r
}

// Validate checks a create request's job type and parameters. An unknown
// type returns an error wrapping jobs.ErrUnknownJobType (422); parameters
// that do not decode into the type's parameter type, or that its Validate
// method rejects, return an error wrapping ErrInvalidParameters (400),
// whose message is fit to show the client: it names JSON fields and kinds,
// never Go types.
func (r *Registry) Validate(jobType string, params json.RawMessage) error {
	reg, ok := r.lookup(jobType)
	if !ok {
		return fmt.Errorf("%w: %q", jobs.ErrUnknownJobType, jobType)
	}
	if err := reg.validate(params); err != nil {
		return fmt.Errorf("%w for %s: %w", ErrInvalidParameters, jobType, err)
	}
	return nil
}

// JobType describes a registered job type.
type JobType struct {
	// Name is the job type, as in a create request's jobType.
	Name string
	// Description is the one line given with Describe ("" if none).
	Description string
	// Timeout is how long one attempt may run.
	Timeout time.Duration
	// Parameters lists the JSON fields of the parameter type when it is a
	// struct; nil when the type takes any object.
	Parameters []Parameter
}

// JobTypes describes the registered job types, sorted by name.
func (r *Registry) JobTypes() []JobType {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]JobType, 0, len(r.types))
	for _, name := range slices.Sorted(maps.Keys(r.types)) {
		reg := r.types[name]
		out = append(out, JobType{Name: name, Description: reg.description, Timeout: reg.timeout, Parameters: parametersOf(reg.params)})
	}
	return out
}

// Types returns the registered job types' names, sorted.
func (r *Registry) Types() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Sorted(maps.Keys(r.types))
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
