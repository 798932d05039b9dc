package devserver

import (
	"net"
	"net/http"
	"strings"
)

// The dev server trusts X-User-Id, so it must be reachable from this
// machine only. Two guards, lifted together by Config.AllowRemote:
//   - it binds loopback addresses only (Config.Validate);
//   - it answers only requests whose Host is a loopback name, so that a web
//     page of another site cannot reach it by DNS rebinding (its name made
//     to resolve to 127.0.0.1: the browser then sends that name as Host).

// isLoopbackHost reports whether a Host header or listen address,
// host[:port], names this machine: localhost, 127.0.0.0/8 or ::1.
func isLoopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loopbackOnly answers 421 misdirected_request to a request whose Host is
// not a loopback name.
func loopbackOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isLoopbackHost(r.Host) {
			writeError(w, http.StatusMisdirectedRequest, "misdirected_request",
				"this dev server answers only to localhost, 127.0.0.1 or [::1] (set JOBLINE_ALLOW_REMOTE=1 to serve other names)")
			return
		}
		next.ServeHTTP(w, r)
	})
}
