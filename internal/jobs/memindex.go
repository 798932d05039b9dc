package jobs

import (
	"strings"
	"time"

	"github.com/google/btree"
)

// The memory store keeps every job once, in a memJob, and orders pointers
// to it in B-trees, one per question the store answers without a scan:
//
//   - byID: Get and every transition, O(log n);
//   - lists: one tree per combination of List's filters (owner, status,
//     jobType: eight), each ordered by those fields and then newest first,
//     so that any List or ListAll reads exactly the page it returns,
//     O(log n + page). A combination with status is a tree per status
//     (listTree), so that a status change moves a job from one small tree
//     to another and no comparison looks at the status;
//   - due: jobs that are not final and have a SweepAt, by SweepAt (ListDue);
//   - expiry: final jobs, by when their retention ends (eviction).
//
// A tree's order must not change while the job is in it: the fields it
// orders by (Status, SweepAt, the eviction time) change only in
// memIndexes.update, which takes the job out of the trees whose order
// moves, changes it and puts it back. ID, Owner, JobType and CreatedAt
// never change after Create.

// btreeDegree is the B-trees' degree: nodes hold up to 2*32-1 items,
// a few cache lines of pointers.
const btreeDegree = 32

// memJob is a stored job and what the store keeps beside it.
type memJob struct {
	job    Job
	assets []Asset
	// evictAt is when the final job's retention ends; zero while it is
	// not final, or when the store keeps final jobs for ever.
	evictAt time.Time
	// seekFirst marks a search key that sorts before every job with the
	// same list filters (the start of a first page); never set on a job.
	seekFirst bool
}

// idEntry is a job of the byID tree; a value, so that Get looks a job up
// without allocating a search key.
type idEntry struct {
	id  string
	job *memJob
}

// listFilter is a set of the filters of a ListQuery (owner, status,
// jobType). The list tree of a set orders jobs by those fields, then
// newest first (CreatedAt descending, then ID descending).
type listFilter uint8

// The filters of a list tree.
const (
	filterOwner listFilter = 1 << iota
	filterStatus
	filterType
	// listFilterSets is the number of sets: one list tree each.
	listFilterSets = 8
)

// filterOf is the set of filters q uses.
func filterOf(q ListQuery) listFilter {
	var f listFilter
	if q.Owner != "" {
		f |= filterOwner
	}
	if q.Status != "" {
		f |= filterStatus
	}
	if q.JobType != "" {
		f |= filterType
	}
	return f
}

// comparePrefix compares a and b by f's fields only: 0 when both belong
// to the same list.
func (f listFilter) comparePrefix(a, b *Job) int {
	if f&filterOwner != 0 {
		if c := strings.Compare(a.Owner, b.Owner); c != 0 {
			return c
		}
	}
	if f&filterStatus != 0 {
		if c := strings.Compare(string(a.Status), string(b.Status)); c != 0 {
			return c
		}
	}
	if f&filterType != 0 {
		return strings.Compare(a.JobType, b.JobType)
	}
	return 0
}

// less is the order of f's list tree.
func (f listFilter) less(a, b *memJob) bool {
	if c := f.comparePrefix(&a.job, &b.job); c != 0 {
		return c < 0
	}
	if a.seekFirst != b.seekFirst {
		return a.seekFirst
	}
	return compareNewestFirst(a.job.CreatedAt, a.job.ID, b.job.CreatedAt, b.job.ID) < 0
}

// compareNewestFirst orders by creation time descending, then ID descending.
func compareNewestFirst(at time.Time, aID string, bt time.Time, bID string) int {
	if c := bt.Compare(at); c != 0 {
		return c
	}
	return strings.Compare(bID, aID)
}

// byTimeThenID orders jobs by the time at returns, then by ID: the order
// of the due and expiry trees.
func byTimeThenID(at func(*memJob) time.Time) btree.LessFunc[*memJob] {
	return func(a, b *memJob) bool {
		if c := at(a).Compare(at(b)); c != 0 {
			return c < 0
		}
		return a.job.ID < b.job.ID
	}
}

// memIndexes are the memory store's trees. They are not safe for
// concurrent use: the store's lock guards them (any number of readers, or
// one writer).
type memIndexes struct {
	byID *btree.BTreeG[idEntry]
	// lists[f] is the tree of filter set f, or with filterStatus in f,
	// its trees by status rank (statusRank).
	lists  [listFilterSets][]*btree.BTreeG[*memJob]
	due    *btree.BTreeG[*memJob]
	expiry *btree.BTreeG[*memJob]
}

// statusCount is the number of statuses (Statuses), ranked by statusRank.
const statusCount = 6

// statusRank is st's place in Statuses: the index of its tree in a list
// set with filterStatus. A status outside Statuses (no job has one) ranks
// with queued.
func statusRank(st Status) int {
	switch st {
	case StatusProcessing:
		return 1
	case StatusCompleted:
		return 2
	case StatusPartial:
		return 3
	case StatusFailed:
		return 4
	case StatusCanceled:
		return 5
	}
	return 0
}

// listTree is the tree of filter set f that holds the jobs of status st
// (any status, when f has no filterStatus).
func (x *memIndexes) listTree(f listFilter, st Status) *btree.BTreeG[*memJob] {
	trees := x.lists[f]
	if f&filterStatus == 0 {
		return trees[0]
	}
	return trees[statusRank(st)]
}

func newMemIndexes() *memIndexes {
	x := &memIndexes{
		byID:   btree.NewG(btreeDegree, func(a, b idEntry) bool { return a.id < b.id }),
		due:    btree.NewG(btreeDegree, byTimeThenID(func(m *memJob) time.Time { return m.job.SweepAt })),
		expiry: btree.NewG(btreeDegree, byTimeThenID(func(m *memJob) time.Time { return m.evictAt })),
	}
	for f := range x.lists {
		n := 1
		if listFilter(f)&filterStatus != 0 {
			n = statusCount
		}
		// A tree's jobs share a status: its order leaves it out.
		less := (listFilter(f) &^ filterStatus).less
		for range n {
			x.lists[f] = append(x.lists[f], btree.NewG(btreeDegree, less))
		}
	}
	return x
}

// get returns the job with id.
func (x *memIndexes) get(id string) (*memJob, bool) {
	e, ok := x.byID.Get(idEntry{id: id})
	return e.job, ok
}

// len is the number of jobs stored.
func (x *memIndexes) len() int { return x.byID.Len() }

// isDue reports whether j belongs in the due tree: the reconciler looks
// at jobs that are not final and have a SweepAt.
func isDue(j *Job) bool { return !j.Status.Final() && !j.SweepAt.IsZero() }

// add indexes a new job.
func (x *memIndexes) add(m *memJob) {
	x.byID.ReplaceOrInsert(idEntry{id: m.job.ID, job: m})
	x.holding(m, func(t *btree.BTreeG[*memJob]) { t.ReplaceOrInsert(m) })
}

// remove takes a job out of every tree.
func (x *memIndexes) remove(m *memJob) {
	x.byID.Delete(idEntry{id: m.job.ID})
	x.holding(m, func(t *btree.BTreeG[*memJob]) { t.Delete(m) })
}

// holding calls fn with every tree but byID that holds m, or should.
func (x *memIndexes) holding(m *memJob, fn func(*btree.BTreeG[*memJob])) {
	for f := range x.lists {
		fn(x.listTree(listFilter(f), m.job.Status))
	}
	if isDue(&m.job) {
		fn(x.due)
	}
	if !m.evictAt.IsZero() {
		fn(x.expiry)
	}
}

// update replaces m's job with next, moving m in the trees whose order
// the change moves it in. A job that becomes final is kept until evictAt
// (zero: for ever); one that stops being final (a redrive) is kept again.
func (x *memIndexes) update(m *memJob, next *Job, evictAt time.Time) {
	old := &m.job
	statusMoved := old.Status != next.Status
	wasDue, nowDue := isDue(old), isDue(next)
	dueMoved := wasDue != nowDue || !old.SweepAt.Equal(next.SweepAt)
	wasFinal, nowFinal := old.Status.Final(), next.Status.Final()
	if statusMoved {
		x.eachStatusList(old.Status, func(t *btree.BTreeG[*memJob]) { t.Delete(m) })
	}
	if wasDue && dueMoved {
		x.due.Delete(m)
	}
	if wasFinal && !nowFinal && !m.evictAt.IsZero() {
		x.expiry.Delete(m)
		m.evictAt = time.Time{}
	}
	m.job = *next
	if statusMoved {
		x.eachStatusList(m.job.Status, func(t *btree.BTreeG[*memJob]) { t.ReplaceOrInsert(m) })
	}
	if nowDue && dueMoved {
		x.due.ReplaceOrInsert(m)
	}
	if !wasFinal && nowFinal && !evictAt.IsZero() {
		m.evictAt = evictAt
		x.expiry.ReplaceOrInsert(m)
	}
}

// eachStatusList calls fn with the list tree of status st of every filter
// set with filterStatus.
func (x *memIndexes) eachStatusList(st Status, fn func(*btree.BTreeG[*memJob])) {
	rank := statusRank(st)
	for f, trees := range x.lists {
		if listFilter(f)&filterStatus != 0 {
			fn(trees[rank])
		}
	}
}

// evict removes up to limit jobs whose retention ended at or before now,
// soonest first, and returns how many it removed.
func (x *memIndexes) evict(now time.Time, limit int) int {
	n := 0
	for ; n < limit; n++ {
		m, ok := x.expiry.Min()
		if !ok || m.evictAt.After(now) {
			break
		}
		x.remove(m)
	}
	return n
}
