package queue

import (
	"time"

	"jobline/internal/jobs"
)

// JobSend is the one place a job's queue message is built: its body names
// the job (and type), it carries the job's priority, and it becomes visible
// after delay.
func JobSend(j jobs.Job, delay time.Duration) SendRequest {
	return SendRequest{
		Body:     JobMessage{JobID: j.ID, JobType: j.JobType}.Encode(),
		Priority: j.Priority,
		Delay:    delay,
	}
}

// DeadLetterSend is the dead-letter-queue copy of a failed, dead-lettered
// job's message: it names the job's version, so that only this copy,
// redriven while the job is unchanged, runs the job again.
func DeadLetterSend(failed jobs.Job) SendRequest {
	return SendRequest{
		Body:     JobMessage{JobID: failed.ID, JobType: failed.JobType, DeadLetterVersion: failed.Version}.Encode(),
		Priority: failed.Priority,
	}
}
