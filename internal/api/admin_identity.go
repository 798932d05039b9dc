package api

import (
	"context"
	"net/http"
	"strings"
)

// adminKey is the context key that marks the caller as an admin.
type adminKey struct{}

// WithAdmin returns ctx marking its caller (WithUser's) as an admin, who
// may use the routes under /admin/. The outer layer that knows the
// caller's role sets it: AdminUsers on the dev server, the API Gateway
// adapter from a JWT claim in AWS.
func WithAdmin(ctx context.Context) context.Context {
	return context.WithValue(ctx, adminKey{}, true)
}

// IsAdmin reports whether ctx carries an identity (WithUser) marked as an
// admin (WithAdmin). An admin mark without an identity does not count.
func IsAdmin(ctx context.Context) bool {
	_, hasUser := UserFrom(ctx)
	admin, _ := ctx.Value(adminKey{}).(bool)
	return hasUser && admin
}

// AdminUsers marks the callers whose identity is one of ids as admins
// (WithAdmin) before next serves them: the dev server's admins, from
// JOBLINE_ADMINS. It goes inside the layer that sets the identity
// (HeaderIdentity). Empty IDs are ignored; no IDs, no admins.
func AdminUsers(ids []string, next http.Handler) http.Handler {
	admins := map[string]bool{}
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" {
			admins[id] = true
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, ok := UserFrom(r.Context()); ok && admins[u] {
			r = r.WithContext(WithAdmin(r.Context()))
		}
		next.ServeHTTP(w, r)
	})
}

// ParseAdminList splits a comma-separated list of user IDs (the value of
// JOBLINE_ADMINS), dropping spaces around each and empty entries.
func ParseAdminList(list string) []string {
	var ids []string
	for _, id := range strings.Split(list, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}
