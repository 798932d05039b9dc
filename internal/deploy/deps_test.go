package deploy_test

import (
	"os/exec"
	"strings"
	"testing"
)

// schemaPackages are SDK packages of generated (de)serialization schemas
// whose package initialisation runs at every cold start, used or not: about
// 1 ms of Lambda init for DynamoDB's and SQS's (docs/deploy.md, "Lean
// functions"). go.mod pins the clients from before them.
var schemaPackages = []string{
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/schemas",
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/schemas",
	"github.com/aws/aws-sdk-go-v2/service/sqs/schemas",
}

// TestHotFunctionsLinkNoSDKSchemas: the functions on a job's path
// (createjob, getjob, processjob) and the scheduled ones link none of
// schemaPackages, so that an SDK upgrade that brings them back fails here,
// not only in the cold-start figures of make bench. (admin links
// CloudWatch's, which it needs for the emulator's protocol; an operator's
// function.)
func TestHotFunctionsLinkNoSDKSchemas(t *testing.T) {
	for _, fn := range []string{"createjob", "getjob", "processjob", "reconcile", "dlqredrive"} {
		out, err := exec.Command("go", "list", "-deps", "jobline/functions/"+fn).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", fn, err, out)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 50 {
			t.Fatalf("go list -deps %s listed %d packages: %q", fn, len(deps), deps)
		}
		for _, dep := range deps {
			for _, schemas := range schemaPackages {
				if dep == schemas {
					t.Errorf("%s links %s: see go.mod's pins", fn, schemas)
				}
			}
		}
	}
}
