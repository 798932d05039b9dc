// Command createjob is the Lambda behind POST /jobs: it validates the
// request, stores the queued job and sends its message. It is the only API
// function allowed to send to the queues (template.yaml).
package main

import "jobline/internal/lambdafn"

func main() {
	lambdafn.StartAPI("createjob", false)
}
