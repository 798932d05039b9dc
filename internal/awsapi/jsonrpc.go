package awsapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"jobline/internal/awsapi/awsjson"
)

// JSONService is a service of the AWS JSON 1.0 protocol: every operation a
// POST to "/" naming its target, bodies as package awsjson encodes them.
type JSONService struct {
	Service
	// TargetPrefix prefixes the X-Amz-Target header: "DynamoDB_20120810".
	TargetPrefix string
	// QueryCompatible services (SQS, CloudWatch) moved from the query
	// protocol: asked with X-Amzn-Query-Mode, they answer with the query
	// protocol's error code as well (x-amzn-query-error), as the SDK asks.
	QueryCompatible bool
	// Modelled returns a new value of the modelled error type of a code
	// when a caller tests for that type (errors.As), else nil: the error
	// is then a *smithy.GenericAPIError with the code.
	Modelled func(code string) error
}

// JSONClient calls a JSON 1.0 service.
type JSONClient struct {
	*Client
	svc JSONService
}

// NewJSONClient returns a client of svc (NewClient).
func NewJSONClient(ctx context.Context, svc JSONService, cfg aws.Config, opts Options) (*JSONClient, error) {
	c, err := NewClient(ctx, svc.Service, cfg, opts)
	if err != nil {
		return nil, err
	}
	return &JSONClient{Client: c, svc: svc}, nil
}

// Call runs operation op with input in (a pointer to a struct shaped like
// the SDK's input), decoding the answer into out.
func (c *JSONClient) Call(ctx context.Context, op string, in, out any) error {
	body, err := awsjson.Marshal(in)
	if err != nil {
		return err
	}
	req := Request{
		Method: http.MethodPost,
		Header: http.Header{
			"Content-Type": {"application/x-amz-json-1.0"},
			"X-Amz-Target": {c.svc.TargetPrefix + "." + op},
		},
		Body: body,
	}
	if c.svc.QueryCompatible {
		req.Header.Set("X-Amzn-Query-Mode", "true")
	}
	call := &Call{Operation: op, Input: in, Output: out}
	return c.Do(ctx, call, req, Protocol{
		Decode: func(_ *http.Response, body []byte) error {
			if len(body) == 0 {
				return nil
			}
			return awsjson.Unmarshal(body, out)
		},
		Error: c.jsonError,
	})
}

// Invoke runs op on c (JSONClient.Call) and returns its output.
func Invoke[O any](ctx context.Context, c *JSONClient, op string, in any) (*O, error) {
	out := new(O)
	if err := c.Call(ctx, op, in, out); err != nil {
		return nil, err
	}
	return out, nil
}

// jsonError is the error of a failed JSON 1.0 response: the code from the
// X-Amzn-Errortype header or the body's __type (as the SDK reads them, and
// for SQS the query-compatible code of x-amzn-query-error), the modelled
// type if the service has one for it, else a generic API error.
func (c *JSONClient) jsonError(resp *http.Response, body []byte) error {
	var head struct {
		Type     string `json:"__type"`
		Code     string `json:"code"`
		Message  string `json:"message"`
		MessageU string `json:"Message"`
	}
	_ = json.Unmarshal(body, &head)
	code := resp.Header.Get("X-Amzn-Errortype")
	if code == "" {
		code = head.Type
	}
	if code == "" {
		code = head.Code
	}
	code = sanitizeCode(code)
	if c.svc.Modelled != nil {
		if modelled := c.svc.Modelled(code); modelled != nil {
			if err := awsjson.Unmarshal(body, modelled); err == nil {
				return modelled
			}
		}
	}
	if q := resp.Header.Get("X-Amzn-Query-Error"); q != "" {
		if qc, _, ok := strings.Cut(q, ";"); ok && qc != "" {
			code = qc
		}
	}
	msg := head.Message
	if msg == "" {
		msg = head.MessageU
	}
	return APIError(resp.StatusCode, code, msg)
}

// sanitizeCode strips a code's namespace ("ns#Code") and URI suffix
// ("Code:http://...").
func sanitizeCode(code string) string {
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	return code
}
