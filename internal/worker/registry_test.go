package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"jobline/internal/jobs"
	"jobline/internal/worker"
)

// checkedParams has a Validate method, on the value.
type checkedParams struct {
	N int `json:"n"`
}

// pointerParams has a Validate method on the pointer, and every JSON kind.
type pointerParams struct {
	// Scalars.
	Name  string  `json:"name"`
	Count int     `json:"count,omitempty"`
	Ratio float64 `json:"ratio"`
	On    bool    `json:"on"`
	// Containers.
	Tags   []string          `json:"tags"`
	Inner  struct{ X int }   `json:"inner"`
	Labels map[string]string `json:"labels"`
	// Fields encoding/json skips, names by its Go name, or promotes.
	Skip  string `json:"-"`
	Plain *int
	embeddedParams
	hidden int
}

type embeddedParams struct {
	Extra string `json:"extra"`
}

func (p checkedParams) Validate() error {
	if p.N < 1 {
		return errors.New("n must be at least 1")
	}
	return nil
}

func (p *pointerParams) Validate() error {
	if p.Name == "" {
		return errors.New("name is required")
	}
	return nil
}

func TestRegistryValidate(t *testing.T) {
	t.Parallel()
	reg := worker.NewRegistry()
	worker.Register(reg, "plain", func(context.Context, *worker.Task, json.RawMessage) (any, error) { return nil, nil })
	worker.Register(reg, "checked", func(context.Context, *worker.Task, checkedParams) (int, error) { return 0, nil })
	worker.Register(reg, "pointer", func(context.Context, *worker.Task, pointerParams) (any, error) { return nil, nil })
	tests := []struct {
		jobType, params string
		wantErr         error
		wantMsg         string // the whole message, when set
	}{
		{"plain", `{"anything":1}`, nil, ""},
		{"plain", ``, nil, ""},
		{"plain", `[1]`, worker.ErrInvalidParameters, "invalid parameters for plain: parameters must be a JSON object"},
		{"plain", `{"a":`, worker.ErrInvalidParameters, "invalid parameters for plain: parameters are not valid JSON"},
		{"checked", `{"n":2}`, nil, ""},
		{"checked", `{"n":0}`, worker.ErrInvalidParameters, "invalid parameters for checked: n must be at least 1"},
		{"checked", ``, worker.ErrInvalidParameters, "invalid parameters for checked: n must be at least 1"},
		{"checked", `{"n":"2"}`, worker.ErrInvalidParameters, "invalid parameters for checked: parameters.n must be an integer"},
		{"checked", `{"n":1.5}`, worker.ErrInvalidParameters, "invalid parameters for checked: parameters.n must be an integer"},
		{"checked", `{"n":2,"m":3}`, worker.ErrInvalidParameters, `invalid parameters for checked: parameters: unknown field "m"`},
		{"checked", `{"n":`, worker.ErrInvalidParameters, "invalid parameters for checked: parameters are not valid JSON"},
		{"pointer", `{"name":"x","tags":["a"],"inner":{"X":1},"extra":"e"}`, nil, ""},
		{"pointer", `{}`, worker.ErrInvalidParameters, "invalid parameters for pointer: name is required"},
		{"pointer", `{"name":"x","ratio":"high"}`, worker.ErrInvalidParameters, "invalid parameters for pointer: parameters.ratio must be a number"},
		{"pointer", `{"name":"x","on":1}`, worker.ErrInvalidParameters, "invalid parameters for pointer: parameters.on must be a boolean"},
		{"pointer", `{"name":"x","tags":"a"}`, worker.ErrInvalidParameters, "invalid parameters for pointer: parameters.tags must be an array"},
		{"pointer", `{"name":"x","inner":{"X":"1"}}`, worker.ErrInvalidParameters, "invalid parameters for pointer: parameters.inner.X must be an integer"},
		{"pointer", `{"name":"x","labels":[]}`, worker.ErrInvalidParameters, "invalid parameters for pointer: parameters.labels must be an object"},
		{"pointer", `{"name":5}`, worker.ErrInvalidParameters, "invalid parameters for pointer: parameters.name must be a string"},
		{"nope", `{}`, jobs.ErrUnknownJobType, ""},
	}
	for _, tt := range tests {
		err := reg.Validate(tt.jobType, json.RawMessage(tt.params))
		if (tt.wantErr == nil) != (err == nil) || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
			t.Errorf("Validate(%s, %s) = %v, want %v", tt.jobType, tt.params, err, tt.wantErr)
			continue
		}
		if tt.wantMsg != "" && err.Error() != tt.wantMsg {
			t.Errorf("Validate(%s, %s) = %q, want %q", tt.jobType, tt.params, err, tt.wantMsg)
		}
		// API users never see Go type names.
		for _, goWord := range []string{"Go ", "of type", "float64", "int ", "Params", "json:"} {
			if err != nil && strings.Contains(err.Error(), goWord) {
				t.Errorf("Validate(%s, %s) = %q shows %q", tt.jobType, tt.params, err, goWord)
			}
		}
	}
	if errors.Is(reg.Validate("checked", json.RawMessage(`{"n":0}`)), jobs.ErrUnknownJobType) {
		t.Error("a validation error must not look like an unknown type")
	}
	if got := reg.Types(); strings.Join(got, ",") != "checked,plain,pointer" {
		t.Errorf("Types = %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a type twice did not panic")
		}
	}()
	worker.Register(reg, "plain", func(context.Context, *worker.Task, json.RawMessage) (any, error) { return nil, nil })
}

func TestRegistryJobTypes(t *testing.T) {
	t.Parallel()
	reg := worker.NewRegistry()
	worker.Register(reg, "pointer", func(context.Context, *worker.Task, pointerParams) (any, error) { return nil, nil },
		worker.Describe("every kind of field"), worker.Timeout(time.Minute))
	worker.Register(reg, "any", func(context.Context, *worker.Task, json.RawMessage) (any, error) { return nil, nil })
	got := reg.JobTypes()
	want := []worker.JobType{
		{Name: "any", Timeout: worker.DefaultTimeout},
		{Name: "pointer", Description: "every kind of field", Timeout: time.Minute, Parameters: []worker.Parameter{
			{Name: "name", Kind: "string"}, {Name: "count", Kind: "integer"}, {Name: "ratio", Kind: "number"},
			{Name: "on", Kind: "boolean"}, {Name: "tags", Kind: "array"}, {Name: "inner", Kind: "object"},
			{Name: "labels", Kind: "object"}, {Name: "Plain", Kind: "integer"}, {Name: "extra", Kind: "string"},
		}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("JobTypes =\n%+v\nwant\n%+v", got, want)
	}
}

func TestRegisterPanicsOnProgrammingErrors(t *testing.T) {
	t.Parallel()
	noop := func(context.Context, *worker.Task, json.RawMessage) (any, error) { return nil, nil }
	for name, register := range map[string]func(*worker.Registry){
		"empty type":   func(r *worker.Registry) { worker.Register(r, "", noop) },
		"nil handler":  func(r *worker.Registry) { worker.Register[json.RawMessage, any](r, "x", nil) },
		"zero timeout": func(r *worker.Registry) { worker.Register(r, "x", noop, worker.Timeout(0)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Register did not panic", name)
				}
			}()
			register(worker.NewRegistry())
		}()
	}
}

// TestTypedHandlerGetsDecodedParameters checks that the engine decodes a
// job's parameters into the handler's type, and fails a job whose stored
// parameters do not decode without retrying it.
func TestTypedHandlerGetsDecodedParameters(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{})
	var got []checkedParams
	worker.Register(b.reg, "typed", func(_ context.Context, _ *worker.Task, p checkedParams) (map[string]int, error) {
		got = append(got, p)
		return map[string]int{"double": 2 * p.N}, nil
	})
	j := b.create(t, "typed", `{"n":21}`, 3, false)
	if r := b.process(t, b.receive(t)); r.Disposition != worker.AckMessage {
		t.Fatalf("result %+v", r)
	}
	if done := b.get(t, j.ID); done.Status != jobs.StatusCompleted || string(done.Result) != `{"double":42}` {
		t.Fatalf("job %s %s", done.Status, done.Result)
	}
	// Parameters that bypassed the API's validation (say, an older
	// version's) fail the job at once, with the client's message.
	bad := b.create(t, "typed", `{"n":"x"}`, 3, false)
	b.process(t, b.receive(t))
	failed := b.get(t, bad.ID)
	if failed.Status != jobs.StatusFailed || failed.DeadLettered || failed.ErrorMessage != "parameters.n must be an integer" {
		t.Fatalf("job %s %q dead-lettered %v", failed.Status, failed.ErrorMessage, failed.DeadLettered)
	}
	if fmt.Sprint(got) != "[{21}]" {
		t.Errorf("handler saw %v", got)
	}
}
