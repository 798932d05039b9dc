// Package apigw adapts API Gateway HTTP API events (payload format 2.0) to
// net/http, so that the Lambda functions serve the very same http.Handler
// as the local dev server.
//
// A request event becomes an *http.Request: rawPath and rawQueryString make
// the URL, headers and cookies are copied, a base64 body is decoded, and the
// JWT authorizer's "sub" claim becomes the caller's identity through
// Config.WithUser. An event without that claim carries no identity, so the
// API answers 401 by itself. The handler's response becomes the response
// event; a body that is not text is sent base64-encoded.
package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// claimSubject is the JWT claim that identifies the caller.
const claimSubject = "sub"

// Config configures an Adapter.
type Config struct {
	// Handler serves the converted requests. Required.
	Handler http.Handler
	// WithUser returns ctx carrying the caller's user ID (api.WithUser).
	// Required.
	WithUser func(ctx context.Context, userID string) context.Context
	// Logger receives conversion errors. Default: slog.Default().
	Logger *slog.Logger
	// AdminClaim is the JWT claim that tells admins (template.yaml's
	// AdminClaim; JOBLINE_ADMIN_CLAIM): a Cognito group list such as
	// "cognito:groups" (API Gateway passes it as "[a b]"), a
	// space-separated OAuth "scope", or any claim holding one value or a
	// list. Default: "", nobody is an admin.
	AdminClaim string
	// AdminClaimValue is the value of AdminClaim (one of its list's
	// values) that makes the caller an admin, such as "jobline-admins".
	// Required with AdminClaim.
	AdminClaimValue string
	// WithAdmin returns ctx marking the caller as an admin
	// (api.WithAdmin). Required with AdminClaim.
	WithAdmin func(ctx context.Context) context.Context
}

// Adapter serves API Gateway HTTP API events with an http.Handler.
type Adapter struct {
	cfg Config
}

// New checks cfg, fills its defaults and returns an Adapter.
func New(cfg Config) (*Adapter, error) {
	if cfg.Handler == nil || cfg.WithUser == nil {
		return nil, errors.New("apigw: Config.Handler and Config.WithUser are required")
	}
	if cfg.AdminClaim != "" && (strings.TrimSpace(cfg.AdminClaimValue) == "" || cfg.WithAdmin == nil) {
		return nil, errors.New("apigw: Config.AdminClaim needs AdminClaimValue and WithAdmin")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Adapter{cfg: cfg}, nil
}

// Handle converts the event to an *http.Request, serves it and converts the
// response. It returns an error only for an event that is not an HTTP
// request at all; everything else is an HTTP response.
func (a *Adapter) Handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	req, err := request(ctx, ev)
	if err != nil {
		a.cfg.Logger.ErrorContext(ctx, "convert API Gateway event", "err", err, "requestId", ev.RequestContext.RequestID)
		return errorResponse(http.StatusBadRequest, "invalid_request", "the request could not be read"), nil
	}
	if sub := subject(ev); sub != "" {
		ctx := a.cfg.WithUser(req.Context(), sub)
		if a.isAdmin(ev) {
			ctx = a.cfg.WithAdmin(ctx)
		}
		req = req.WithContext(ctx)
	}
	w := newResponseWriter()
	a.cfg.Handler.ServeHTTP(w, req)
	return w.response(), nil
}

// subject returns the JWT authorizer's "sub" claim, or "" when the event
// carries none (no authorizer, or a token without a subject).
func subject(ev events.APIGatewayV2HTTPRequest) string {
	auth := ev.RequestContext.Authorizer
	if auth == nil || auth.JWT == nil {
		return ""
	}
	return strings.TrimSpace(auth.JWT.Claims[claimSubject])
}

// isAdmin reports whether the event's JWT claim AdminClaim holds
// AdminClaimValue. A claim's value is read as a list: Cognito's groups as
// API Gateway passes them ("[admins users]"), a JSON array, or values
// separated by spaces or commas (OAuth scopes); for the "scope" claim the
// authorizer's parsed scopes count too.
func (a *Adapter) isAdmin(ev events.APIGatewayV2HTTPRequest) bool {
	auth := ev.RequestContext.Authorizer
	if a.cfg.AdminClaim == "" || auth == nil || auth.JWT == nil {
		return false
	}
	want := strings.TrimSpace(a.cfg.AdminClaimValue)
	values := ClaimValues(auth.JWT.Claims[a.cfg.AdminClaim])
	if a.cfg.AdminClaim == "scope" || a.cfg.AdminClaim == "scp" {
		values = append(values, auth.JWT.Scopes...)
	}
	return slices.Contains(values, want)
}

// ClaimValues splits a JWT claim as API Gateway passes it into its values:
// "[a b]" (how a list claim such as cognito:groups arrives), `["a","b"]`,
// "a b" or "a,b".
func ClaimValues(claim string) []string {
	claim = strings.TrimSpace(claim)
	if inner, ok := strings.CutPrefix(claim, "["); ok {
		claim = strings.TrimSuffix(inner, "]")
	}
	return strings.FieldsFunc(claim, func(r rune) bool {
		return r == ' ' || r == ',' || r == '"' || r == '\t'
	})
}

// request converts an HTTP API payload v2 event into an *http.Request
// carrying ctx. It sets no identity; see Adapter.Handle.
func request(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	method := ev.RequestContext.HTTP.Method
	if method == "" {
		return nil, fmt.Errorf("event %s has no requestContext.http.method", ev.RequestContext.RequestID)
	}
	path := ev.RawPath
	if path == "" {
		path = ev.RequestContext.HTTP.Path
	}
	// A named stage (not $default) appears as the first path segment.
	if stage := ev.RequestContext.Stage; stage != "" && stage != "$default" {
		if trimmed, ok := strings.CutPrefix(path, "/"+stage); ok && (trimmed == "" || trimmed[0] == '/') {
			path = trimmed
		}
	}
	if path == "" {
		path = "/"
	}
	u, err := url.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("parse rawPath %q: %w", ev.RawPath, err)
	}
	u.RawQuery = ev.RawQueryString

	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		body, err = base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return nil, fmt.Errorf("decode base64 body: %w", err)
		}
	}

	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", method, path, err)
	}
	req.RequestURI = u.RequestURI()
	for name, value := range ev.Headers {
		req.Header.Set(name, value)
	}
	if len(ev.Cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	req.Host = ev.RequestContext.DomainName
	if host := req.Header.Get("Host"); host != "" {
		req.Host = host
	}
	req.RemoteAddr = ev.RequestContext.HTTP.SourceIP
	req.ContentLength = int64(len(body))
	return req, nil
}

// responseWriter buffers what the handler writes; API Gateway takes the
// whole response at once.
type responseWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newResponseWriter() *responseWriter {
	return &responseWriter{header: http.Header{}}
}

// Header returns the response headers.
func (w *responseWriter) Header() http.Header { return w.header }

// WriteHeader records the first status only, like net/http.
func (w *responseWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

// Write buffers body bytes; like net/http it implies 200 and sniffs the
// Content-Type when the handler set none.
func (w *responseWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if w.body.Len() == 0 && w.header.Get("Content-Type") == "" && len(p) > 0 {
		w.header.Set("Content-Type", http.DetectContentType(p))
	}
	return w.body.Write(p)
}

// response converts what was written into the payload v2 response.
func (w *responseWriter) response() events.APIGatewayV2HTTPResponse {
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	return response(status, w.header, w.body.Bytes())
}

// response builds the payload v2 response. Repeated headers are joined with
// commas, Set-Cookie headers become Cookies, and a body whose Content-Type
// is not text is base64-encoded.
func response(status int, header http.Header, body []byte) events.APIGatewayV2HTTPResponse {
	out := events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{},
	}
	for name, values := range header {
		if http.CanonicalHeaderKey(name) == "Set-Cookie" {
			out.Cookies = append(out.Cookies, values...)
			continue
		}
		out.Headers[name] = strings.Join(values, ",")
	}
	if len(body) == 0 || isText(header.Get("Content-Type")) {
		out.Body = string(body)
	} else {
		out.Body = base64.StdEncoding.EncodeToString(body)
		out.IsBase64Encoded = true
	}
	return out
}

// isText reports whether a body of this Content-Type can travel as a JSON
// string unchanged. An empty body's type does not matter; callers treat ""
// as text.
func isText(contentType string) bool {
	if contentType == "" {
		return true
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mediaType, "text/"),
		mediaType == "application/json",
		strings.HasSuffix(mediaType, "+json"),
		mediaType == "application/xml",
		strings.HasSuffix(mediaType, "+xml"),
		mediaType == "application/javascript",
		mediaType == "application/x-www-form-urlencoded":
		return true
	}
	return false
}

// errorResponse is the API's JSON error shape, for events the adapter
// cannot turn into a request.
func errorResponse(status int, code, message string) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       fmt.Sprintf(`{"error":{"code":%q,"message":%q}}`, code, message),
	}
}
