package api

import (
	"net/http"
	"strings"

	"jobline/internal/worker"
)

// parameterView is one JSON field of a job type's parameters.
type parameterView struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// jobTypeView is a registered job type as the API shows it.
type jobTypeView struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// TimeoutSeconds is how long one attempt may run.
	TimeoutSeconds int64 `json:"timeoutSeconds"`
	// Parameters are the JSON fields of the type's parameters; null when
	// the type takes any object.
	Parameters []parameterView `json:"parameters"`
}

// jobTypesView is the body of GET /job-types.
type jobTypesView struct {
	JobTypes []jobTypeView `json:"jobTypes"`
}

// viewJobTypes converts the registry's job types to the body of
// GET /job-types.
func viewJobTypes(types []worker.JobType) jobTypesView {
	out := jobTypesView{JobTypes: make([]jobTypeView, 0, len(types))}
	for _, t := range types {
		v := jobTypeView{Name: t.Name, Description: t.Description, TimeoutSeconds: int64(t.Timeout.Seconds())}
		if t.Parameters != nil {
			v.Parameters = make([]parameterView, 0, len(t.Parameters))
			for _, p := range t.Parameters {
				v.Parameters = append(v.Parameters, parameterView{Name: p.Name, Kind: p.Kind})
			}
		}
		out.JobTypes = append(out.JobTypes, v)
	}
	return out
}

// listJobTypes serves GET /job-types: the job types a create request may
// name, so that a form can offer them. It needs an identity like every
// route, though the list is the same for every caller.
func (s *server) listJobTypes(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.user(r); err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, viewJobTypes(s.cfg.JobTypes()))
	return nil
}

// jobTypeNames returns the registered job types' names for an error
// message.
func (s *server) jobTypeNames() string {
	types := s.cfg.JobTypes()
	names := make([]string, 0, len(types))
	for _, t := range types {
		names = append(names, t.Name)
	}
	return strings.Join(names, ", ")
}
