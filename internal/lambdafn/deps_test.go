package lambdafn

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// clients are Jobline's service clients (package awsapi) a function may
// link.
var clients = []string{
	"jobline/internal/awsapi/dynamo",
	"jobline/internal/awsapi/sqsapi",
	"jobline/internal/awsapi/s3api",
	// The admin function's, for the metrics and the queues' ages
	// (internal/lambdafn/adminfn).
	"jobline/internal/awsapi/cwapi",
}

// neverInLambda are the SDK's generated service clients, which awsapi
// replaces (their serializers and endpoint rules were most of a bootstrap
// and a millisecond of its cold start), and the SDK's default chain and the
// credential providers it links, none of which a Lambda function needs
// (awsenv.SDKConfig).
var neverInLambda = []string{
	"github.com/aws/aws-sdk-go-v2/service/dynamodb",
	"github.com/aws/aws-sdk-go-v2/service/sqs",
	"github.com/aws/aws-sdk-go-v2/service/s3",
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch",
	"github.com/aws/aws-sdk-go-v2/internal/endpoints/awsrulesfn",
	// The SDK's generated serde schemas, which a shape types package of a
	// later release links (cloudwatch/types does): their initialisation
	// runs at every cold start, used or not. go.mod pins dynamodb, sqs and
	// dynamodbstreams from before them for their types packages.
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/schemas",
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/schemas",
	"github.com/aws/aws-sdk-go-v2/service/sqs/schemas",
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas",
	"github.com/aws/aws-sdk-go-v2/config",
	"github.com/aws/aws-sdk-go-v2/service/sso",
	"github.com/aws/aws-sdk-go-v2/service/ssooidc",
	"github.com/aws/aws-sdk-go-v2/service/sts",
	"github.com/aws/aws-sdk-go-v2/service/signin",
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds",
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds",
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds",
}

// TestFunctionsLinkOnlyTheirClients builds each function's package list the
// way make build does (linux/arm64, -tags lambda.norpc) and checks that it
// links exactly the clients it uses, none of the SDK's service clients and
// none of the default chain.
func TestFunctionsLinkOnlyTheirClients(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	uses := map[string][]string{
		"createjob":  {"dynamo", "sqsapi"},
		"getjob":     {"dynamo", "s3api"},
		"processjob": {"dynamo", "sqsapi", "s3api"},
		"reconcile":  {"dynamo", "sqsapi"},
		"dlqredrive": {"dynamo", "sqsapi"},
		"admin":      {"dynamo", "sqsapi", "cwapi"},
	}
	// Every function is checked: a new one must say what it links.
	mains, err := filepath.Glob("../../functions/*/main.go")
	if err != nil || len(mains) == 0 {
		t.Fatalf("functions' main packages: %v, %v", mains, err)
	}
	for _, m := range mains {
		if fn := filepath.Base(filepath.Dir(m)); uses[fn] == nil {
			t.Errorf("function %s is not in the test's list of what each function links", fn)
		}
	}
	for fn, want := range uses {
		t.Run(fn, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command("go", "list", "-tags", "lambda.norpc", "-deps", "jobline/functions/"+fn)
			cmd.Env = append(cmd.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("go list %s: %v", fn, err)
			}
			deps := strings.Fields(string(out))
			for _, client := range clients {
				name := client[strings.LastIndex(client, "/")+1:]
				if linked := slices.Contains(deps, client); linked != slices.Contains(want, name) {
					t.Errorf("%s links %s: %v, want %v", fn, name, linked, !linked)
				}
			}
			for _, pkg := range neverInLambda {
				if slices.Contains(deps, pkg) {
					t.Errorf("%s links %s, which Lambda never needs", fn, pkg)
				}
			}
		})
	}
}
