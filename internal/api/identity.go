package api

import (
	"context"
	"fmt"
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

// identityHintKey is the context key of what a caller without an identity
// should send (see withIdentityHint).
type identityHintKey struct{}

// withIdentityHint returns ctx carrying the hint that the API's 401 gives a
// caller without an identity: what to send, in the words of the layer that
// reads the identity.
func withIdentityHint(ctx context.Context, hint string) context.Context {
	return context.WithValue(ctx, identityHintKey{}, hint)
}

// identityHint returns the hint set by withIdentityHint, or the generic one
// (behind API Gateway the authorizer rejects a request without a valid JWT
// before it reaches the API, so only a misconfigured route gets here).
func identityHint(ctx context.Context) string {
	if h, ok := ctx.Value(identityHintKey{}).(string); ok {
		return h
	}
	return "no identity: sign in first"
}

// UserHeader is the header HeaderIdentity reads.
const UserHeader = "X-User-Id"

// HeaderIdentity is the dev server's identity: a valid X-User-Id header
// (trimmed, 1..MaxUserIDLength printable ASCII characters) becomes the
// caller's identity. A missing or invalid header leaves the caller without
// one, so the API answers 401 with a message saying what to send. It
// trusts the header blindly and must never face the internet; in AWS the
// JWT authorizer's `sub` claim is the identity.
func HeaderIdentity(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := r.Header.Get(UserHeader)
		if u, ok := validUserID(raw); ok {
			r = r.WithContext(WithUser(r.Context(), u))
		} else {
			r = r.WithContext(withIdentityHint(r.Context(), userHeaderHint(raw)))
		}
		next.ServeHTTP(w, r)
	})
}

// userHeaderHint tells a dev server caller what is wrong with its
// X-User-Id header, raw.
func userHeaderHint(raw string) string {
	rule := fmt.Sprintf("1..%d printable ASCII characters, such as X-User-Id: alice", MaxUserIDLength)
	if strings.TrimSpace(raw) == "" {
		return "no identity: send the " + UserHeader + " header (" + rule + ")"
	}
	return "invalid " + UserHeader + " header: send " + rule
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
