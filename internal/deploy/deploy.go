// Package deploy holds what the Go code must agree on with the deployed
// stack, template.yaml: the queues' redrive policy and visibility timeout,
// how long finished jobs are kept, and the default shard counts of the
// table's indexes. Each constant mirrors one value of
// template.yaml and is defined here only; template_test.go reads the
// template and fails when the two drift apart.
package deploy

import (
	"time"

	"jobline/internal/envconfig"
	"jobline/internal/queue"
)

// MaxReceiveCount is the jobs queues' RedrivePolicy maxReceiveCount
// (template.yaml: JobsQueue and JobsHighQueue, and the functions'
// JOBLINE_MAX_RECEIVE_COUNT). The engine reads it to know a delivery is
// the last before SQS moves the message to the dead-letter queue.
const MaxReceiveCount = 5

// VisibilityTimeout is the jobs queues' VisibilityTimeout (template.yaml:
// JobsQueue and JobsHighQueue, and processjob's
// JOBLINE_VISIBILITY_TIMEOUT_SECONDS): how long a received message stays
// invisible, and how far each heartbeat of a running job pushes it.
const VisibilityTimeout = 1800 * time.Second

// ProcessJobTimeout is the processjob function's Timeout (template.yaml:
// ProcessJobFunction). Every job type's timeout must fit in it with a
// margin (worker.Config.MaxRunTime), which processjob checks at start-up.
const ProcessJobTimeout = 300 * time.Second

// FunctionMemoryMB is every function's memory but processjob's
// (template.yaml: Globals.Function.MemorySize), and ProcessJobMemoryMB the
// default of processjob's (the ProcessMemorySize parameter): what the cost
// harness bills their durations at.
const (
	FunctionMemoryMB   = 256
	ProcessJobMemoryMB = 512
)

// ProcessBatchSize is the default of template.yaml's ProcessBatchSize
// parameter: the SQS records of a processjob invocation (the event source
// mapping's BatchSize), passed to processjob as EnvProcessBatchSize. A batch
// that large tells processjob of a backlog (sqsbatch.Config.FullBatch).
const ProcessBatchSize = 10

// EnvProcessBatchSize is the variable that tells processjob its event
// source mapping's BatchSize.
const EnvProcessBatchSize = "JOBLINE_PROCESS_BATCH_SIZE"

// EnvFunctionTimeout is the variable that tells processjob its function's
// timeout, in whole seconds, when it differs from ProcessJobTimeout.
const EnvFunctionTimeout = "JOBLINE_FUNCTION_TIMEOUT_SECONDS"

// JobRetention is how long a finished job is kept before DynamoDB's TTL
// deletes it (template.yaml: the JobRetentionDays parameter's default,
// passed to the functions as JOBLINE_JOB_RETENTION_DAYS).
const JobRetention = 30 * 24 * time.Hour

// CreationShards and SweepShards are the defaults of template.yaml's
// CreationShards and SweepShards parameters (every function's
// JOBLINE_CREATION_SHARDS and JOBLINE_SWEEP_SHARDS): how many partitions
// the table's creation and sweep indexes spread their entries over. Each
// shard costs every sweep of the reconciler a Query, so the defaults keep
// an idle stack cheap; docs/scale.md gives their ceilings and the values
// that carry 10,000 jobs a second.
const (
	CreationShards = 2
	SweepShards    = 2
)

// MaxShards is the most shards either index may have (the parameters'
// MaxValue).
const MaxShards = 100

// EnvVisibilityTimeout is the variable that tells a process the queues'
// visibility timeout, in whole seconds (1..43200).
const EnvVisibilityTimeout = "JOBLINE_VISIBILITY_TIMEOUT_SECONDS"

// VisibilityTimeoutFromEnv reads EnvVisibilityTimeout, or def when it is
// unset. processjob and the dev server both read it here, so that the
// variable has one name and one syntax everywhere.
func VisibilityTimeoutFromEnv(env *envconfig.Reader, def time.Duration) time.Duration {
	return env.Seconds(EnvVisibilityTimeout, def, time.Second, queue.MaxVisibility)
}
