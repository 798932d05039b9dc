package devserver

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"syscall"
	"time"

	"jobline/internal/blob"
)

// The dev server serves the files jobs write (report assets) at /files/,
// as S3 serves them in AWS: through expiring signed URLs, the only URLs the
// API hands out (GET /jobs/{id}/assets, to the job's owner). A job's ID
// is no secret (an idempotent job's is sha256(owner + key)), so it never
// protects a file: without a valid signature a download is refused.

// fileURLExpiry is how long a file URL downloads its file: as long as
// the S3 presigned URLs of AWS by default (15 minutes).
const fileURLExpiry = 15 * time.Minute

// maxFilePathLength bounds the storage path of a download; a longer one is
// no file (404), whatever the file system would say of it.
const maxFilePathLength = 1024

// Errors of a file download's signature (answered 403).
var (
	errNoSignature  = errors.New("the download link has no signature; get one from GET /jobs/{id}/assets")
	errBadSignature = errors.New("the download link's signature is invalid (links last only as long as the server process that made them)")
	errExpired      = errors.New("the download link has expired; get a fresh one from GET /jobs/{id}/assets")
)

// fileLinks signs and checks the download URLs of job files: HMAC-SHA256,
// under a key made at start-up, of the storage path and the expiry time.
type fileLinks struct {
	key    [32]byte
	expiry time.Duration
	now    func() time.Time
}

// newFileLinks returns links signed with a fresh random key.
func newFileLinks(expiry time.Duration) *fileLinks {
	l := &fileLinks{expiry: expiry, now: time.Now}
	_, _ = rand.Read(l.key[:]) // crypto/rand.Read never fails
	return l
}

// URL returns the signed download URL of the file at storagePath:
// /files/<path>?expires=<unix seconds>&signature=<base64url>.
func (l *fileLinks) URL(storagePath string) string {
	expires := strconv.FormatInt(l.now().Add(l.expiry).Unix(), 10)
	q := url.Values{"expires": {expires}, "signature": {l.sign(storagePath, expires)}}
	return (&url.URL{Path: "/files/" + storagePath}).EscapedPath() + "?" + q.Encode()
}

func (l *fileLinks) sign(storagePath, expires string) string {
	mac := hmac.New(sha256.New, l.key[:])
	mac.Write([]byte(expires + "\n" + storagePath))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// check verifies a download of storagePath with the request's query.
func (l *fileLinks) check(storagePath string, q url.Values) error {
	expires, signature := q.Get("expires"), q.Get("signature")
	if expires == "" || signature == "" {
		return errNoSignature
	}
	if !hmac.Equal([]byte(signature), []byte(l.sign(storagePath, expires))) {
		return errBadSignature
	}
	at, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || !l.now().Before(time.Unix(at, 0)) {
		return errExpired
	}
	return nil
}

// serveFile downloads a file a job wrote, given a signed URL. A path that
// cannot name a file is 404 before anything else; a missing, invalid or
// expired signature is 403.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	p := r.PathValue("path")
	if _, err := blob.CleanPath(p); err != nil || len(p) > maxFilePathLength {
		writeError(w, http.StatusNotFound, "not_found", "no such file")
		return
	}
	if err := s.links.check(p, r.URL.Query()); err != nil {
		writeError(w, http.StatusForbidden, "forbidden", err.Error())
		return
	}
	f, err := s.files.Open(r.Context(), p)
	switch {
	case errors.Is(err, blob.ErrNotFound), errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENAMETOOLONG), errors.Is(err, syscall.ENOTDIR):
		writeError(w, http.StatusNotFound, "not_found", "no such file")
		return
	case err != nil:
		s.log.Error("open file", "path", p, "error", err)
		writeError(w, http.StatusInternalServerError, "internal", "internal error")
		return
	}
	defer f.Close()
	if ct := mime.TypeByExtension(path.Ext(p)); ct != "" {
		w.Header().Set("Content-Type", ct)
	} else {
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(p)}))
	w.Header().Set("Cache-Control", "private, no-store")
	if _, err := io.Copy(w, f); err != nil {
		s.log.Warn("send file", "path", p, "error", err)
	}
}

// writeError writes the API's JSON error shape.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"code":%q,"message":%q}}`+"\n", code, message)
}
