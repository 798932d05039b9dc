package api

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// label is a handler that says which pattern served a request, and the
// value of its {id}.
type label string

func (l label) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = w.Write([]byte(string(l) + " id=" + r.PathValue("id")))
}

// routerPatterns are the API's and the admin API's patterns, as New and
// NewAdmin register them.
func routerPatterns() []string {
	ps := []string{"POST /jobs", "GET /jobs", "GET /jobs/{id}", "GET /jobs/{id}/assets", "POST /jobs/{id}/cancel",
		"/jobs", "/jobs/{id}", "/jobs/{id}/assets", "/jobs/{id}/cancel", "GET /job-types", "/job-types", "/admin", "/admin/", "/"}
	for _, p := range AdminRoutes() {
		ps = append(ps, p, p[strings.Index(p, " ")+1:])
	}
	return ps
}

// serve returns what h answers to method path.
func serve(h http.Handler, method, path string) string {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, "http://api"+path, nil))
	return rec.Body.String()
}

// TestRouterMatchesServeMux holds the router to http.ServeMux's choice of
// pattern and wildcard value, for the API's and the admin API's patterns
// (on separate routers and muxes, as they are built), on clean paths (the
// only ones that reach a router: cleanPathsOnly answers the others).
func TestRouterMatchesServeMux(t *testing.T) {
	api, admin := &router{}, &router{}
	apiMux, adminMux := http.NewServeMux(), http.NewServeMux()
	for _, p := range routerPatterns() {
		rt, mux := api, apiMux
		if strings.Contains(p, "/admin/") && p != "/admin/" {
			rt, mux = admin, adminMux
		}
		rt.handle(p, label(p))
		mux.Handle(p, label(p))
	}
	admin.handle("/", label("/"))
	adminMux.Handle("/", label("/"))
	segs := []string{"jobs", "job-types", "admin", "me", "dlq", "redrive", "queues", "metrics", "cancel", "assets", "x", "%2F", "a%2Fb", "%6Aobs", "j%C3%A9", "", "%20"}
	methods := []string{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"}
	rng := rand.New(rand.NewPCG(1, 2))
	checked := 0
	for range 20000 {
		parts := make([]string, 1+rng.IntN(4))
		for i := range parts {
			parts[i] = segs[rng.IntN(len(segs))]
		}
		path := "/" + strings.Join(parts, "/")
		u := httptest.NewRequest("GET", "http://api"+path, nil).URL
		if cleanPath(u.Path) != u.Path || cleanPath(u.EscapedPath()) != u.EscapedPath() {
			continue // cleanPathsOnly answers it: no router sees it
		}
		method := methods[rng.IntN(len(methods))]
		for _, pair := range [][2]http.Handler{{api, apiMux}, {admin, adminMux}} {
			if got, want := serve(pair[0], method, path), serve(pair[1], method, path); got != want {
				t.Fatalf("%s %s: router %q, ServeMux %q", method, path, got, want)
			}
		}
		checked++
	}
	if checked < 5000 {
		t.Fatalf("only %d clean paths checked", checked)
	}
}
