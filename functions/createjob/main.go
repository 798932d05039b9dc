// Command createjob is the Lambda behind POST /jobs: it validates the
// request, stores the queued job and sends its message. It is the only API
// function allowed to send to the queues (template.yaml), and it builds
// only the DynamoDB and SQS clients.
package main

import "jobline/internal/lambdafn"

func main() {
	lambdafn.StartAPI("createjob", lambdafn.CreateRole)
}
