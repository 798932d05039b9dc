package api

import (
	"context"
	"net/http"
	"strings"
)

// MaxUserIDLength bounds the user IDs that HeaderIdentity accepts.
const MaxUserIDLength = 256

// userKey is the context key of the caller's identity.
type userKey struct{}

// WithUser returns ctx carrying userID as the caller's identity, the owner
// of the jobs it creates and the only one who sees them.
func WithUser(ctx context.Context, userID string) context.Context {
	return context.WithValue(ctx, userKey{}, userID)
}

// UserFrom returns the caller's identity set by WithUser; false when there
// is none (or it is empty).
func UserFrom(ctx context.Context) (string, bool) {
	u, ok := ctx.Value(userKey{}).(string)
	return u, ok && u != ""
}

// UserHeader is the header HeaderIdentity reads.
const UserHeader = "X-User-Id"

// HeaderIdentity is the dev server's identity: a valid X-User-Id header
// (trimmed, 1..MaxUserIDLength printable ASCII characters) becomes the
// caller's identity. A missing or invalid header leaves the context as it
// is, so the API answers 401. It trusts the header blindly and must never
// face the internet; in AWS the JWT authorizer's `sub` claim is the identity.
func HeaderIdentity(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, ok := validUserID(r.Header.Get(UserHeader)); ok {
			r = r.WithContext(WithUser(r.Context(), u))
		}
		next.ServeHTTP(w, r)
	})
}

// validUserID trims raw and reports whether it is a usable user ID.
func validUserID(raw string) (string, bool) {
	u := strings.TrimSpace(raw)
	if u == "" || len(u) > MaxUserIDLength || !printableASCII(u) {
		return "", false
	}
	return u, true
}

// printableASCII reports whether s holds only the characters 0x20..0x7e.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
