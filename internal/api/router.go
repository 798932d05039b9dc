package api

import (
	"net/http"
	"net/url"
	"strings"
)

// router serves the API's routes as http.ServeMux served them, for the
// patterns the API uses: a method or none, then a path of literal segments
// and {name} wildcards, each matching one non-empty segment (unescaped,
// as r.PathValue gives it), or a subtree ("/admin/"). A pattern with a
// method wins over the same path without one; GET also serves HEAD.
// TestRouterMatchesServeMux holds it to the mux's choices.
//
// It exists for the Lambda functions' cold start: ServeMux parses each
// pattern, checks it against every other and records its caller (a
// runtime.Caller, which reads the binary's line tables) at registration,
// about 0.1 ms of every init for the API's dozen patterns.
type router struct {
	routes   []*route
	byPath   map[string]*route // routes by their pattern's path
	subtrees []subtree
	fallback http.Handler // "/": every path nothing else serves
}

// route is one path and the handlers of its methods.
type route struct {
	segs     []string // literal segments; "" where a wildcard is
	names    []string // the wildcards' names at their positions
	methods  map[string]http.Handler
	anyOther http.Handler // the method-less pattern, if any
}

// subtree serves every path under prefix (which ends in "/").
type subtree struct {
	prefix string
	h      http.Handler
}

// handle registers h for pattern: "[METHOD ]/path".
func (rt *router) handle(pattern string, h http.Handler) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "", pattern
	}
	switch {
	case path == "/":
		rt.fallback = h
		return
	case strings.HasSuffix(path, "/"):
		rt.subtrees = append(rt.subtrees, subtree{path, h})
		return
	}
	r := rt.route(path)
	if method == "" {
		r.anyOther = h
		return
	}
	r.methods[method] = h
}

// route returns path's route, adding it if new.
func (rt *router) route(path string) *route {
	if r, ok := rt.byPath[path]; ok {
		return r
	}
	parts := strings.Split(path[1:], "/")
	r := &route{segs: make([]string, len(parts)), names: make([]string, len(parts)), methods: map[string]http.Handler{}}
	for i, p := range parts {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			r.names[i] = p[1 : len(p)-1]
		} else {
			r.segs[i] = p
		}
	}
	if rt.byPath == nil {
		rt.byPath = map[string]*route{}
	}
	rt.byPath[path] = r
	rt.routes = append(rt.routes, r)
	return r
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt.handler(r).ServeHTTP(w, r)
}

// handler returns the handler of r, with its wildcards' values set.
func (rt *router) handler(r *http.Request) http.Handler {
	segs, ok := segments(r.URL.EscapedPath())
	if ok {
		for _, route := range rt.routes {
			if !route.matches(segs) {
				continue
			}
			h := route.forMethod(r.Method)
			if h == nil {
				break
			}
			for i, name := range route.names {
				if name != "" {
					r.SetPathValue(name, segs[i])
				}
			}
			return h
		}
	}
	for _, s := range rt.subtrees {
		if strings.HasPrefix(r.URL.Path, s.prefix) {
			return s.h
		}
	}
	if rt.fallback == nil {
		return http.NotFoundHandler()
	}
	return rt.fallback
}

// segments splits an escaped path into its unescaped segments.
func segments(escaped string) ([]string, bool) {
	if !strings.HasPrefix(escaped, "/") {
		return nil, false
	}
	parts := strings.Split(escaped[1:], "/")
	for i, p := range parts {
		u, err := url.PathUnescape(p)
		if err != nil {
			return nil, false
		}
		parts[i] = u
	}
	return parts, true
}

// matches reports whether segs is the route's path.
func (r *route) matches(segs []string) bool {
	if len(segs) != len(r.segs) {
		return false
	}
	for i, s := range segs {
		if r.names[i] != "" {
			if s == "" {
				return false
			}
		} else if s != r.segs[i] {
			return false
		}
	}
	return true
}

// forMethod is the handler of method on the route: its own, GET's for
// HEAD, else the method-less one (nil if none).
func (r *route) forMethod(method string) http.Handler {
	if h, ok := r.methods[method]; ok {
		return h
	}
	if method == http.MethodHead {
		if h, ok := r.methods[http.MethodGet]; ok {
			return h
		}
	}
	return r.anyOther
}
