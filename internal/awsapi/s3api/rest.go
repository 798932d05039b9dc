package s3api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"jobline/internal/awsapi"
)

// request is operation op on the object key of bucket: its URL (the
// bucket in the host or the path) and x-id, as the SDK's serializers and
// endpoint rules make it.
func (c *Client) request(method, bucket, key, op string) (awsapi.Request, error) {
	if bucket == "" || key == "" {
		return awsapi.Request{}, errors.New("S3 " + op + ": bucket and key are required")
	}
	req := awsapi.Request{Method: method, Query: url.Values{"x-id": {op}}}
	if c.pathStyle || !virtualHostable(bucket) {
		req.Path = "/" + escapePath(bucket, true) + "/" + escapePath(key, false)
		return req, nil
	}
	req.Endpoint = strings.Replace(c.api.Endpoint(), "https://", "https://"+bucket+".", 1)
	req.Path = "/" + escapePath(key, false)
	return req, nil
}

// virtualHostable reports whether bucket can be a host name's label over
// HTTPS: 3 to 63 lowercase letters, digits and hyphens, starting and
// ending with a letter or digit (a name with dots would not match the
// wildcard certificate, so the SDK addresses it path style).
func virtualHostable(bucket string) bool {
	if len(bucket) < 3 || len(bucket) > 63 {
		return false
	}
	for i := 0; i < len(bucket); i++ {
		b := bucket[i]
		alnum := b >= 'a' && b <= 'z' || b >= '0' && b <= '9'
		if !alnum && (b != '-' || i == 0 || i == len(bucket)-1) {
			return false
		}
	}
	return true
}

// escapePath percent-encodes s as the SDK escapes path labels: RFC
// 3986's unreserved characters are kept, and "/" too unless encodeSep.
func escapePath(s string, encodeSep bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (c == '/' && !encodeSep) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// unreserved reports whether c is one of RFC 3986's unreserved characters.
func unreserved(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// payloadHash is the hex SHA-256 of body, S3's X-Amz-Content-Sha256.
func payloadHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// responseError is the error of a failed S3 response: the Code and
// Message of its XML body (<Error><Code>NoSuchKey</Code>...), or when
// the body has neither (HEAD, or a bare 404) a code from the HTTP
// status ("NotFound"), as the SDK derives it.
func responseError(resp *http.Response, body []byte) error {
	code, msg := xmlText(body, "Code"), xmlText(body, "Message")
	if code == "" && msg == "" {
		msg = http.StatusText(resp.StatusCode)
		code = strings.ReplaceAll(msg, " ", "")
	}
	return awsapi.APIError(resp.StatusCode, code, msg)
}

// xmlText is the text of the first element <name> in body, unescaped; ""
// if there is none. S3's error documents are flat, so this small scan
// stands in for encoding/xml.
func xmlText(body []byte, name string) string {
	_, rest, ok := bytes.Cut(body, []byte("<"+name+">"))
	if !ok {
		return ""
	}
	text, _, ok := bytes.Cut(rest, []byte("</"+name+">"))
	if !ok {
		return ""
	}
	return xmlUnescaper.Replace(strings.TrimSpace(string(text)))
}

// xmlUnescaper replaces XML's predefined entities.
var xmlUnescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'", "&#39;", "'", "&#34;", `"`, "&amp;", "&")
