// Package conformance runs Jobline's conformance suites (storetest for
// jobs.Store, queuetest for queue.Queue): every backend of a seam passes
// the same named cases, each a parallel subtest on a fresh fixture of its
// own (a store, a queue).
package conformance

import "testing"

// Case is one named test of a suite, on a fixture of type F.
type Case[F any] struct {
	Name string
	Test func(t *testing.T, f F)
}

// Run runs every case as a parallel subtest of t, on the fixture that
// fixture makes for that subtest. around, when not nil, runs each subtest's
// body (the fixture's making included), as testing/synctest.Test does in a
// bubble of fake time.
func Run[F any](t *testing.T, cases []Case[F], fixture func(*testing.T) F, around func(*testing.T, func(*testing.T))) {
	t.Helper()
	if around == nil {
		around = func(t *testing.T, body func(*testing.T)) { body(t) }
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			around(t, func(t *testing.T) { c.Test(t, fixture(t)) })
		})
	}
}
