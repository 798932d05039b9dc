package dynamostore

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"jobline/internal/jobs"
)

// Key prefixes and index names of the single-table design (template.yaml).
const (
	jobPrefix      = "JOB#"
	jobSK          = "JOB"
	assetPrefix    = "ASSET#"
	ownerPrefix    = "O#"
	sweepPrefix    = "S#"
	creationPrefix = "C#"

	gsiByOwner    = "GSI1"
	gsiBySweep    = "GSI2"
	gsiByCreation = "GSI3"
)

// timeLayout is fixed width (always nine fractional digits, always UTC),
// so that times compare as strings in key and condition expressions.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// formatTime renders t in timeLayout; the zero time is the empty string,
// which omitempty drops from the item.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

// parseTime reads a time written by formatTime.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse time %q: %w", s, err)
	}
	return t, nil
}

func jobPK(id string) string { return jobPrefix + id }

// jobKey is the primary key of a job item.
func jobKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: jobPK(id)},
		"SK": &types.AttributeValueMemberS{Value: jobSK},
	}
}

// creationKey orders jobs by creation time, then ID: the sort key of both
// the owner index (GSI1) and the creation index (GSI3).
func creationKey(createdAt time.Time, id string) string {
	return formatTime(createdAt) + "#" + id
}

// cutCreationKey splits a creation key into its time and job ID (a time
// has no '#').
func cutCreationKey(key string) (created, id string, ok bool) {
	return strings.Cut(key, "#")
}

// shardOf spreads jobs over n partitions of an index by their ID, so that
// no partition takes every job's writes.
func shardOf(id string, n int) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return int(h.Sum32() % uint32(n))
}

// sweepShard is the sweep index (GSI2) partition of a job.
func sweepShard(id string, shards int) string {
	return sweepPrefix + strconv.Itoa(shardOf(id, shards))
}

// creationShard is the creation index (GSI3) partition of a job.
func creationShard(id string, shards int) string {
	return creationPrefix + strconv.Itoa(shardOf(id, shards))
}

// jobItem is a job as stored. Times are timeLayout strings; Parameters and
// Result are JSON text, so that any JSON document round-trips unchanged.
// Every byte counts: a write costs a unit per started KB of the item, so a
// job of small parameters stays under 1 KB through its life.
type jobItem struct {
	PK string `dynamodbav:"PK"`
	SK string `dynamodbav:"SK"`

	ID             string      `dynamodbav:"ID"`
	Owner          string      `dynamodbav:"Owner"`
	JobType        string      `dynamodbav:"JobType"`
	Status         string      `dynamodbav:"Status"`
	Progress       int         `dynamodbav:"Progress"`
	ErrorMessage   string      `dynamodbav:"ErrorMessage,omitempty"`
	Parameters     string      `dynamodbav:"Parameters,omitempty"`
	Result         string      `dynamodbav:"Result,omitempty"`
	Priority       int         `dynamodbav:"Priority"`
	Attempt        int         `dynamodbav:"Attempt"`
	MaxAttempts    int         `dynamodbav:"MaxAttempts"`
	DelaySeconds   int         `dynamodbav:"DelaySeconds"`
	CreatedAt      string      `dynamodbav:"CreatedAt"`
	UpdatedAt      string      `dynamodbav:"UpdatedAt"`
	CompletedAt    string      `dynamodbav:"CompletedAt,omitempty"`
	Version        int64       `dynamodbav:"Version"`
	LeaseToken     string      `dynamodbav:"LeaseToken,omitempty"`
	LeaseExpiresAt string      `dynamodbav:"LeaseExpiresAt,omitempty"`
	NextAttemptAt  string      `dynamodbav:"NextAttemptAt,omitempty"`
	DeadLettered   bool        `dynamodbav:"DeadLettered"`
	IdempotencyKey string      `dynamodbav:"IdempotencyKey,omitempty"`
	RequestHash    string      `dynamodbav:"RequestHash,omitempty"`
	History        []eventItem `dynamodbav:"History"`

	// GSI1PK (the owner) and GSI1SK (creation time and ID) are the owner
	// index's keys; GSI3PK (a shard) and GSI1SK the creation index's. All
	// three are written once, at create, so that no later write touches
	// either index.
	GSI1PK string `dynamodbav:"GSI1PK"`
	GSI1SK string `dynamodbav:"GSI1SK"`
	GSI3PK string `dynamodbav:"GSI3PK"`
	// GSI2SK is the job's sweep time (Job.SweepAt) while it is not final.
	// GSI2PK (a shard) puts the job in the sweep index; only a job that
	// outlives its creation window carries it (see sweep.go).
	GSI2PK string `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK string `dynamodbav:"GSI2SK,omitempty"`
	// TTL is epoch seconds, set when the job becomes final.
	TTL int64 `dynamodbav:"ttl,omitempty"`
}

// eventItem is a history entry as stored. Attribute names are one letter:
// a job keeps up to jobs.MaxHistoryEvents of them, and every byte of an
// item counts in the capacity units of each write.
type eventItem struct {
	At      string `dynamodbav:"t"`
	Type    string `dynamodbav:"k"`
	Attempt int    `dynamodbav:"a,omitempty"`
	Outcome string `dynamodbav:"o,omitempty"`
	Detail  string `dynamodbav:"d,omitempty"`
	By      string `dynamodbav:"b,omitempty"`
}

func toEventItem(e jobs.Event) eventItem {
	return eventItem{At: formatTime(e.At), Type: string(e.Type), Attempt: e.Attempt, Outcome: string(e.Outcome), Detail: e.Detail, By: e.By}
}

func (e eventItem) event() (jobs.Event, error) {
	at, err := parseTime(e.At)
	if err != nil {
		return jobs.Event{}, err
	}
	return jobs.Event{At: at, Type: jobs.EventType(e.Type), Attempt: e.Attempt, Outcome: jobs.AttemptOutcome(e.Outcome), Detail: e.Detail, By: e.By}, nil
}

// newJobItem maps a job to its item, with the index keys that its status
// calls for.
func (s *Store) newJobItem(j jobs.Job) jobItem {
	it := jobItem{
		PK: jobPK(j.ID), SK: jobSK,
		ID: j.ID, Owner: j.Owner, JobType: j.JobType, Status: string(j.Status),
		Progress: j.Progress, ErrorMessage: j.ErrorMessage,
		Parameters: string(j.Parameters), Result: string(j.Result),
		Priority: j.Priority, Attempt: j.Attempt, MaxAttempts: j.MaxAttempts, DelaySeconds: j.DelaySeconds,
		CreatedAt: formatTime(j.CreatedAt), UpdatedAt: formatTime(j.UpdatedAt), CompletedAt: formatTime(j.CompletedAt),
		Version: j.Version, LeaseToken: j.LeaseToken,
		LeaseExpiresAt: formatTime(j.LeaseExpiresAt), NextAttemptAt: formatTime(j.NextAttemptAt),
		DeadLettered:   j.DeadLettered,
		IdempotencyKey: j.IdempotencyKey, RequestHash: j.RequestHash,
		History: make([]eventItem, 0, len(j.History)),
		GSI1PK:  ownerPrefix + j.Owner, GSI1SK: creationKey(j.CreatedAt, j.ID),
		GSI3PK: creationShard(j.ID, s.cfg.CreationShards),
	}
	for _, e := range j.History {
		it.History = append(it.History, toEventItem(e))
	}
	if !j.Status.Final() && !j.SweepAt.IsZero() {
		it.GSI2SK = formatTime(j.SweepAt)
		if j.SweepAt.Before(j.CreatedAt.Add(s.cfg.SweepLag)) {
			// Due before its creation window is swept: into the index now.
			it.GSI2PK = sweepShard(j.ID, s.cfg.SweepShards)
		}
	}
	if j.Status.Final() && !j.CompletedAt.IsZero() {
		it.TTL = j.CompletedAt.Add(s.cfg.Retention).Unix()
	}
	return it
}

// job maps an item back to the domain.
func (it jobItem) job() (jobs.Job, error) {
	j := jobs.Job{
		ID: it.ID, Owner: it.Owner, JobType: it.JobType, Status: jobs.Status(it.Status),
		Progress: it.Progress, ErrorMessage: it.ErrorMessage,
		Priority: it.Priority, Attempt: it.Attempt, MaxAttempts: it.MaxAttempts, DelaySeconds: it.DelaySeconds,
		Version: it.Version, LeaseToken: it.LeaseToken, DeadLettered: it.DeadLettered,
		IdempotencyKey: it.IdempotencyKey, RequestHash: it.RequestHash,
	}
	if it.Parameters != "" {
		j.Parameters = json.RawMessage(it.Parameters)
	}
	if it.Result != "" {
		j.Result = json.RawMessage(it.Result)
	}
	var err error
	for _, f := range []struct {
		dst *time.Time
		src string
	}{
		{&j.CreatedAt, it.CreatedAt}, {&j.UpdatedAt, it.UpdatedAt}, {&j.CompletedAt, it.CompletedAt},
		{&j.LeaseExpiresAt, it.LeaseExpiresAt}, {&j.NextAttemptAt, it.NextAttemptAt}, {&j.SweepAt, it.GSI2SK},
	} {
		if *f.dst, err = parseTime(f.src); err != nil {
			return jobs.Job{}, fmt.Errorf("job item %s: %w", it.ID, err)
		}
	}
	for _, e := range it.History {
		ev, err := e.event()
		if err != nil {
			return jobs.Job{}, fmt.Errorf("job item %s history: %w", it.ID, err)
		}
		j.History = append(j.History, ev)
	}
	return j, nil
}

// decodeJob unmarshals a job item.
func decodeJob(av map[string]types.AttributeValue) (jobs.Job, error) {
	var it jobItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return jobs.Job{}, fmt.Errorf("unmarshal job item: %w", err)
	}
	return it.job()
}

// assetItem is an asset as stored, next to its job: PK=JOB#<jobId>,
// SK=ASSET#<createdAt>#<assetId>, so a query lists them oldest first.
type assetItem struct {
	PK          string `dynamodbav:"PK"`
	SK          string `dynamodbav:"SK"`
	ID          string `dynamodbav:"ID"`
	JobID       string `dynamodbav:"JobID"`
	AssetType   string `dynamodbav:"AssetType"`
	URL         string `dynamodbav:"URL,omitempty"`
	StoragePath string `dynamodbav:"StoragePath,omitempty"`
	FileSize    int64  `dynamodbav:"FileSize"`
	// Metadata is JSON text: a map[string]any round-trips through JSON with
	// the same number types the in-memory store's callers see.
	Metadata  string `dynamodbav:"Metadata,omitempty"`
	CreatedAt string `dynamodbav:"CreatedAt"`
	TTL       int64  `dynamodbav:"ttl,omitempty"`
}

// newAssetItem maps an asset to its item. Its TTL is its creation time plus
// the retention: jobs run for minutes, so an asset outlives its final job
// by about the time the job ran.
func (s *Store) newAssetItem(a jobs.Asset) (assetItem, error) {
	it := assetItem{
		PK: jobPK(a.JobID), SK: assetPrefix + formatTime(a.CreatedAt) + "#" + a.ID,
		ID: a.ID, JobID: a.JobID, AssetType: a.AssetType, URL: a.URL, StoragePath: a.StoragePath,
		FileSize: a.FileSize, CreatedAt: formatTime(a.CreatedAt),
	}
	if !a.CreatedAt.IsZero() {
		it.TTL = a.CreatedAt.Add(s.cfg.Retention).Unix()
	}
	if a.Metadata != nil {
		b, err := json.Marshal(a.Metadata)
		if err != nil {
			return assetItem{}, fmt.Errorf("marshal asset %s metadata: %w", a.ID, err)
		}
		it.Metadata = string(b)
	}
	return it, nil
}

func (it assetItem) asset() (jobs.Asset, error) {
	a := jobs.Asset{
		ID: it.ID, JobID: it.JobID, AssetType: it.AssetType, URL: it.URL,
		StoragePath: it.StoragePath, FileSize: it.FileSize,
	}
	var err error
	if a.CreatedAt, err = parseTime(it.CreatedAt); err != nil {
		return jobs.Asset{}, fmt.Errorf("asset item %s: %w", it.ID, err)
	}
	if it.Metadata != "" {
		if err := json.Unmarshal([]byte(it.Metadata), &a.Metadata); err != nil {
			return jobs.Asset{}, fmt.Errorf("asset item %s metadata: %w", it.ID, err)
		}
	}
	return a, nil
}
