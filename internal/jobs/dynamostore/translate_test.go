package dynamostore

import (
	"errors"
	"testing"

	"github.com/aws/smithy-go"

	"jobline/internal/jobs"
)

// TestTranslateThrottling checks that load errors left after the SDK's
// retries become jobs.ErrUnavailable (the API answers 503 with
// Retry-After), and that other AWS errors do not.
func TestTranslateThrottling(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]bool{
		"ProvisionedThroughputExceededException": true,
		"ThrottlingException":                    true,
		"RequestLimitExceeded":                   true,
		"InternalServerError":                    true,
		"ValidationException":                    false,
		"ResourceNotFoundException":              false,
	} {
		err := translate("get", "j1", &smithy.GenericAPIError{Code: code, Message: "m"}, nil)
		if got := errors.Is(err, jobs.ErrUnavailable); got != want {
			t.Errorf("%s: ErrUnavailable = %v, want %v (%v)", code, got, want, err)
		}
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != code {
			t.Errorf("%s: the AWS error is not kept in the chain: %v", code, err)
		}
	}
}
