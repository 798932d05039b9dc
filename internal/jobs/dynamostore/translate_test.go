package dynamostore

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"jobline/internal/jobs"
)

// TestTranslateThrottling checks that load errors left after the SDK's
// retries become jobs.ErrUnavailable (the API answers 503 with
// Retry-After), that a request DynamoDB refuses as invalid (an item over
// 400 KB) becomes jobs.ErrWriteRejected and never ErrUnavailable, and that
// other AWS errors are neither.
func TestTranslateThrottling(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]error{
		"ProvisionedThroughputExceededException": jobs.ErrUnavailable,
		"ThrottlingException":                    jobs.ErrUnavailable,
		"RequestLimitExceeded":                   jobs.ErrUnavailable,
		"InternalServerError":                    jobs.ErrUnavailable,
		"ValidationException":                    jobs.ErrWriteRejected,
		"ResourceNotFoundException":              nil,
	} {
		err := translate("get", "j1", &smithy.GenericAPIError{Code: code, Message: "m"}, nil)
		for _, sentinel := range []error{jobs.ErrUnavailable, jobs.ErrWriteRejected} {
			if got := errors.Is(err, sentinel); got != (sentinel == want) {
				t.Errorf("%s: errors.Is(%v) = %v, want %v (%v)", code, sentinel, got, sentinel == want, err)
			}
		}
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != code {
			t.Errorf("%s: the AWS error is not kept in the chain: %v", code, err)
		}
	}
}

// TestTranslateClassifiesByRule checks that a failed condition is explained
// by the operation's rule applied to the item as it was (ALL_OLD), without
// an emulator: the fencing rule here.
func TestTranslateClassifiesByRule(t *testing.T) {
	t.Parallel()
	s := &Store{cfg: Config{TableName: "jobs"}.WithDefaults()}
	failed := func(j jobs.Job) error {
		av, err := attributevalue.MarshalMap(s.newJobItem(j))
		if err != nil {
			t.Fatal(err)
		}
		return &types.ConditionalCheckFailedException{Item: av}
	}
	held := jobs.Job{ID: "j1", Owner: "o", Status: jobs.StatusProcessing, LeaseToken: "a", Version: 4}
	done := jobs.Job{ID: "j1", Owner: "o", Status: jobs.StatusCompleted, Version: 5}
	cases := []struct {
		name  string
		err   error
		token string
		want  error
	}{
		{"another lease", failed(held), "b", jobs.ErrLeaseLost},
		{"finished job", failed(done), "a", jobs.ErrInvalidTransition},
		{"missing job", &types.ConditionalCheckFailedException{}, "a", jobs.ErrNotFound},
		{"rule allows: the condition drifted", failed(held), "a", errConditionDrift},
	}
	for _, c := range cases {
		err := translate("progress", "j1", c.err, rejectFenced(c.token))
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if errors.Is(c.want, jobs.ErrNotFound) {
			continue
		}
		if cur, ok := jobs.CurrentJob(err); !ok || cur.ID != "j1" || cur.Version < 4 {
			t.Errorf("%s: rejection carries %+v (%v)", c.name, cur, ok)
		}
	}
	if !errors.Is(errConditionDrift, jobs.ErrInvalidTransition) {
		t.Error("a drifted condition's rejection is not an invalid transition")
	}
}
