// Command admin is the Lambda behind API Gateway's /admin/ routes, the
// operator's console (internal/api's NewAdmin): every owner's jobs with
// their timelines, cancel of any job, the queues' message counts, the
// dead-letter queue and its redrive (the dlqredrive CLI's code), and the
// job metrics from CloudWatch. Only callers whose JWT claim
// JOBLINE_ADMIN_CLAIM holds JOBLINE_ADMIN_CLAIM_VALUE are admins; anyone
// else gets 404. Its role may read and write jobs, move dead-lettered
// messages and read CloudWatch metrics (template.yaml).
package main

import "jobline/internal/lambdafn/adminfn"

func main() {
	adminfn.StartAdmin("admin")
}
