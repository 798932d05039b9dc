package queue

import (
	"cmp"
	"container/heap"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"jobline/internal/clock"
)

// MemoryConfig configures a Memory queue.
type MemoryConfig struct {
	// Clock tells time for visibility timeouts and delays. Default
	// clock.Real. A long poll waits for the next message to become visible
	// with a time.Timer: with a clock.Fake, a receive already waiting does
	// not see what moving the clock makes visible (the next receive does).
	// Tests of long polls run in a testing/synctest bubble on clock.Real,
	// whose time is the bubble's fake time.
	Clock clock.Clock
	// VisibilityTimeout is how long a received message stays invisible
	// unless the receive asks otherwise, at most MaxVisibility. Default 30s.
	VisibilityTimeout time.Duration
	// MaxReceiveCount moves a message to the dead-letter queue when a
	// receive would exceed it, like SQS's RedrivePolicy. Default 0: never.
	MaxReceiveCount int
}

// defaultMemoryVisibility is MemoryConfig.VisibilityTimeout's default.
const defaultMemoryVisibility = 30 * time.Second

// withDefaults returns cfg with every unset field at its default.
func (cfg MemoryConfig) withDefaults() MemoryConfig {
	cfg.Clock = cmp.Or[clock.Clock](cfg.Clock, clock.Real{})
	cfg.VisibilityTimeout = cmp.Or(cfg.VisibilityTimeout, defaultMemoryVisibility)
	return cfg
}

// validate reports the first impossible setting.
func (cfg MemoryConfig) validate() error {
	switch {
	case cfg.VisibilityTimeout < 0 || cfg.VisibilityTimeout > MaxVisibility:
		return fmt.Errorf("memory queue: VisibilityTimeout %v out of 0..%v", cfg.VisibilityTimeout, MaxVisibility)
	case cfg.MaxReceiveCount < 0:
		return fmt.Errorf("memory queue: MaxReceiveCount %d is negative", cfg.MaxReceiveCount)
	}
	return nil
}

// Memory is an in-memory Queue with SQS semantics, used by the dev server
// and the tests. Delivery is by priority (higher first), then in send
// order; each operation costs O(log n).
type Memory struct {
	cfg  MemoryConfig
	main *memQueue
	dlq  *memQueue
}

var _ Queue = (*Memory)(nil)

// NewMemory returns an empty Memory queue with its dead-letter queue, after
// filling cfg's defaults and checking it.
func NewMemory(cfg MemoryConfig) (*Memory, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Memory{
		cfg:  cfg,
		main: newMemQueue(cfg.Clock, cfg.VisibilityTimeout),
		dlq:  newMemQueue(cfg.Clock, cfg.VisibilityTimeout),
	}, nil
}

// Send enqueues messages.
func (q *Memory) Send(_ context.Context, reqs ...SendRequest) ([]string, error) {
	if err := ValidateSends(reqs); err != nil {
		return nil, err
	}
	return q.main.send(reqs), nil
}

// ValidateSends applies SQS's limits to a send; every Queue checks its
// sends with it, so a bad request is rejected alike by all backends.
func ValidateSends(reqs []SendRequest) error {
	for i, r := range reqs {
		if r.Body == "" {
			return fmt.Errorf("send message %d: empty body: %w", i, ErrInvalidRequest)
		}
		if r.Delay < 0 || r.Delay > MaxDelay {
			return fmt.Errorf("send message %d: delay %v out of 0..%v: %w", i, r.Delay, MaxDelay, ErrInvalidRequest)
		}
	}
	return nil
}

// Receive returns up to r.Max visible messages, moving to the dead-letter
// queue those that exceed MaxReceiveCount.
func (q *Memory) Receive(ctx context.Context, r ReceiveRequest) ([]Message, error) {
	return q.main.receive(ctx, r, q.cfg.MaxReceiveCount, q.dlq)
}

// Delete acknowledges a received message.
func (q *Memory) Delete(_ context.Context, receiptHandle string) error {
	_, err := q.main.remove(receiptHandle)
	return err
}

// ChangeVisibility makes a received message visible again after d.
func (q *Memory) ChangeVisibility(_ context.Context, receiptHandle string, d time.Duration) error {
	return q.main.changeVisibility(receiptHandle, d)
}

// DeadLetter moves a received message to the dead-letter queue.
func (q *Memory) DeadLetter(_ context.Context, m Message) error {
	msg, err := q.main.remove(m.ReceiptHandle)
	if err != nil {
		return fmt.Errorf("dead-letter message %s: %w", m.ID, err)
	}
	if m.Body != "" {
		msg.body = m.Body
	}
	msg.priority = m.Priority
	q.dlq.adopt(msg)
	return nil
}

// MaxReceiveCount returns the configured redrive threshold.
func (q *Memory) MaxReceiveCount() int { return q.cfg.MaxReceiveCount }

// DeadLetters returns the dead-letter queue.
func (q *Memory) DeadLetters() DeadLetterQueue { return memDLQ{q} }

// Names of the memory queues in their Stats.
const (
	MemoryQueueName      = "jobs"
	MemoryDeadLetterName = "jobs-dead-letter"
)

// Stats counts the queue's messages exactly, the oldest message's age
// included (one queue: every priority goes to it).
func (q *Memory) Stats(context.Context) ([]Stats, error) {
	return []Stats{q.main.stats(MemoryQueueName, RoleJobs)}, nil
}

type memDLQ struct{ q *Memory }

func (d memDLQ) Receive(ctx context.Context, r ReceiveRequest) ([]Message, error) {
	return d.q.dlq.receive(ctx, r, 0, nil)
}

func (d memDLQ) Redrive(_ context.Context, m Message) error {
	msg, err := d.q.dlq.remove(m.ReceiptHandle)
	if err != nil {
		return fmt.Errorf("redrive message %s: %w", m.ID, err)
	}
	d.q.main.adopt(msg)
	return nil
}

func (d memDLQ) Delete(_ context.Context, receiptHandle string) error {
	_, err := d.q.dlq.remove(receiptHandle)
	return err
}

func (d memDLQ) Release(_ context.Context, receiptHandles ...string) error {
	for _, h := range receiptHandles {
		if err := d.q.dlq.changeVisibility(h, 0); err != nil && !errors.Is(err, ErrInvalidReceipt) {
			return fmt.Errorf("release dead letter: %w", err)
		}
	}
	return nil
}

func (d memDLQ) Send(_ context.Context, r SendRequest) error {
	if err := ValidateSends([]SendRequest{r}); err != nil {
		return err
	}
	if r.Delay != 0 {
		return fmt.Errorf("send to the dead-letter queue with a delay: %w", ErrInvalidRequest)
	}
	d.q.dlq.send([]SendRequest{r})
	return nil
}

func (d memDLQ) Depth(context.Context) (int, error) {
	return d.q.dlq.stats(MemoryDeadLetterName, RoleDeadLetter).Total(), nil
}

func (d memDLQ) Stats(context.Context) (Stats, error) {
	return d.q.dlq.stats(MemoryDeadLetterName, RoleDeadLetter), nil
}

// memMessage is a stored message. It sits in exactly one heap: ready
// (visible now) or waiting (delayed, or in flight until its visibility
// timeout ends).
type memMessage struct {
	id           string
	body         string
	priority     int
	seq          uint64
	sentAt       time.Time
	visibleAt    time.Time
	receiveCount int
	receipt      string // current receipt handle; "" if never received
	inFlight     bool
	index        int // position in its heap
	ready        bool
}

// memQueue is one queue: a ready heap ordered by (priority desc, seq asc)
// and a waiting heap ordered by visibleAt.
type memQueue struct {
	clock      clock.Clock
	visibility time.Duration

	mu       sync.Mutex
	seq      uint64
	ready    readyHeap
	waiting  waitingHeap
	receipts map[string]*memMessage
	// waiters are the long polls that found nothing, in the order they
	// came: each change that may make a message visible wakes one per
	// message (signal), not all of them (which made 100 workers slower
	// than 4).
	waiters []*memWaiter
}

// memWaiter is one long poll waiting for a message.
type memWaiter struct {
	wake   chan struct{} // capacity 1: a wake-up waits for the poll to take it
	queued bool          // in the queue's waiters; guarded by the queue's mu
}

func newMemQueue(c clock.Clock, visibility time.Duration) *memQueue {
	return &memQueue{clock: c, visibility: visibility, receipts: map[string]*memMessage{}}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (q *memQueue) send(reqs []SendRequest) []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clock.Now()
	ids := make([]string, len(reqs))
	for i, r := range reqs {
		q.seq++
		m := &memMessage{id: randomHex(16), body: r.Body, priority: r.Priority, seq: q.seq, sentAt: now, visibleAt: now.Add(r.Delay)}
		ids[i] = m.id
		q.place(m, now)
	}
	q.signal(len(reqs))
	return ids
}

// adopt takes a message from another queue as a fresh message: a new ID,
// no receipt, receive count reset, visible now.
func (q *memQueue) adopt(m *memMessage) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clock.Now()
	q.seq++
	fresh := &memMessage{id: randomHex(16), body: m.body, priority: m.priority, seq: q.seq, sentAt: now, visibleAt: now}
	q.place(fresh, now)
	q.signal(1)
}

// place puts m in the heap its visibility calls for. Caller holds mu.
func (q *memQueue) place(m *memMessage, now time.Time) {
	if m.visibleAt.After(now) {
		m.ready = false
		heap.Push(&q.waiting, m)
		return
	}
	m.ready = true
	m.inFlight = false
	heap.Push(&q.ready, m)
}

// promote moves messages whose visibility has come to the ready heap.
// Caller holds mu.
func (q *memQueue) promote(now time.Time) {
	for q.waiting.Len() > 0 && !q.waiting[0].visibleAt.After(now) {
		m := heap.Pop(&q.waiting).(*memMessage)
		if m.receipt != "" {
			// Its receipt handle stays valid until the next receive, as in SQS.
			m.inFlight = false
		}
		m.ready = true
		heap.Push(&q.ready, m)
	}
}

// signal wakes up to n waiting long polls, the latest to wait first: its
// goroutine is the likeliest to be warm in a CPU's cache, and which worker
// takes a message does not matter (the others' waits end by themselves).
// Caller holds mu.
func (q *memQueue) signal(n int) {
	for ; n > 0 && len(q.waiters) > 0; n-- {
		last := len(q.waiters) - 1
		w := q.waiters[last]
		q.waiters[last] = nil
		q.waiters = q.waiters[:last]
		w.queued = false
		w.wake <- struct{}{}
	}
}

// leave takes w out of the waiters as its long poll ends. A wake-up it
// received but will not act on goes to the next waiter.
func (q *memQueue) leave(w *memWaiter) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if w.queued {
		i := slices.Index(q.waiters, w)
		q.waiters = slices.Delete(q.waiters, i, i+1)
		w.queued = false
		return
	}
	select {
	case <-w.wake:
		q.signal(1)
	default:
	}
}

// receive takes up to r.Max messages. A long poll (r.Wait > 0) with
// nothing visible sleeps until a send or visibility change wakes it, or
// until the first waiting message becomes visible, or until r.Wait ends:
// it never polls.
func (q *memQueue) receive(ctx context.Context, r ReceiveRequest, maxReceive int, dlq *memQueue) ([]Message, error) {
	if r.Max < 1 || r.Max > MaxBatch {
		return nil, fmt.Errorf("receive %d messages: out of 1..%d: %w", r.Max, MaxBatch, ErrInvalidRequest)
	}
	if r.Visibility < 0 || r.Visibility > MaxVisibility {
		return nil, fmt.Errorf("receive: visibility %v out of range: %w", r.Visibility, ErrInvalidRequest)
	}
	var deadline <-chan time.Time
	var w *memWaiter // made when the poll must wait, as the timer
	for {
		msgs, dead, next := q.tryReceive(r, maxReceive, w)
		for _, m := range dead {
			dlq.adopt(m)
		}
		if len(msgs) > 0 || r.Wait <= 0 {
			return msgs, nil
		}
		if w == nil {
			// Try again as a waiter, so that no send between the two
			// tries goes unnoticed.
			timer := time.NewTimer(r.Wait)
			defer timer.Stop()
			deadline = timer.C
			w = &memWaiter{wake: make(chan struct{}, 1)}
			defer q.leave(w)
			continue
		}
		if more, err := q.await(ctx, deadline, w.wake, next); !more {
			return nil, err
		}
	}
}

// await blocks until a message may have become visible: a wake-up comes
// (a send, a visibility change) or the clock reaches next, when the first
// waiting message becomes visible (zero: none waits). It returns false
// when the long poll's deadline or ctx ends first, with ctx's error.
func (q *memQueue) await(ctx context.Context, deadline <-chan time.Time, wake <-chan struct{}, next time.Time) (bool, error) {
	var due <-chan time.Time
	if !next.IsZero() {
		timer := time.NewTimer(next.Sub(q.clock.Now()))
		defer timer.Stop()
		due = timer.C
	}
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case <-deadline:
		return false, nil
	case <-wake:
	case <-due:
	}
	return true, nil
}

// tryReceive takes up to r.Max ready messages. Messages over maxReceive
// are returned as dead for the caller to move to the dead-letter queue.
// If it takes none, w (a long poll's; nil for none) joins the waiters,
// which the next change that may make a message visible wakes, and next is
// when the first waiting message becomes visible (zero if none).
func (q *memQueue) tryReceive(r ReceiveRequest, maxReceive int, w *memWaiter) (msgs []Message, dead []*memMessage, next time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clock.Now()
	q.promote(now)
	visibility := r.Visibility
	if visibility == 0 {
		visibility = q.visibility
	}
	for len(msgs) < r.Max && q.ready.Len() > 0 {
		m := heap.Pop(&q.ready).(*memMessage)
		if m.receipt != "" {
			delete(q.receipts, m.receipt)
		}
		if maxReceive > 0 && m.receiveCount >= maxReceive {
			dead = append(dead, m)
			continue
		}
		m.receiveCount++
		m.receipt = m.id + "." + randomHex(8)
		m.inFlight = true
		m.visibleAt = now.Add(visibility)
		q.receipts[m.receipt] = m
		m.ready = false
		heap.Push(&q.waiting, m)
		msgs = append(msgs, Message{ID: m.id, Body: m.body, ReceiptHandle: m.receipt, ReceiveCount: m.receiveCount, Priority: m.priority, SentAt: m.sentAt})
	}
	if q.waiting.Len() > 0 {
		next = q.waiting[0].visibleAt
	}
	if len(msgs) == 0 && w != nil && !w.queued {
		w.queued = true
		q.waiters = append(q.waiters, w)
	}
	return msgs, dead, next
}

// lookup finds the message of a receipt handle. Caller holds mu.
func (q *memQueue) lookup(receipt string) (*memMessage, error) {
	m, ok := q.receipts[receipt]
	if !ok {
		return nil, fmt.Errorf("receipt %q: %w", receipt, ErrInvalidReceipt)
	}
	return m, nil
}

func (q *memQueue) remove(receipt string) (*memMessage, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	m, err := q.lookup(receipt)
	if err != nil {
		return nil, err
	}
	delete(q.receipts, receipt)
	if m.ready {
		heap.Remove(&q.ready, m.index)
	} else {
		heap.Remove(&q.waiting, m.index)
	}
	return m, nil
}

func (q *memQueue) changeVisibility(receipt string, d time.Duration) error {
	if d < 0 || d > MaxVisibility {
		return fmt.Errorf("change visibility to %v: %w", d, ErrInvalidRequest)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	m, err := q.lookup(receipt)
	if err != nil {
		return err
	}
	if !m.inFlight {
		return fmt.Errorf("change visibility: message %s is not in flight: %w", m.id, ErrInvalidReceipt)
	}
	now := q.clock.Now()
	m.visibleAt = now.Add(d)
	heap.Fix(&q.waiting, m.index)
	if d == 0 {
		q.promote(now)
	}
	// Waiting long polls look again: the message may now be the first to
	// become visible.
	q.signal(1)
	return nil
}

// stats counts the queue's messages and finds the oldest one's age.
func (q *memQueue) stats(name string, role Role) Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clock.Now()
	q.promote(now)
	st := Stats{Name: name, Role: role, Visible: q.ready.Len(), OldestKnown: true}
	var oldest time.Time
	note := func(m *memMessage) {
		if oldest.IsZero() || m.sentAt.Before(oldest) {
			oldest = m.sentAt
		}
	}
	for _, m := range q.waiting {
		if m.inFlight {
			st.InFlight++
		} else {
			st.Delayed++
		}
		note(m)
	}
	for _, m := range q.ready {
		note(m)
	}
	if !oldest.IsZero() {
		st.OldestAge = now.Sub(oldest)
	}
	return st
}

// readyHeap orders visible messages: higher priority first, then FIFO.
type readyHeap []*memMessage

func (h readyHeap) Len() int { return len(h) }
func (h readyHeap) Less(i, j int) bool {
	if h[i].priority != h[j].priority {
		return h[i].priority > h[j].priority
	}
	return h[i].seq < h[j].seq
}
func (h readyHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *readyHeap) Push(x any)   { m := x.(*memMessage); m.index = len(*h); *h = append(*h, m) }
func (h *readyHeap) Pop() any     { return popLast((*[]*memMessage)(h)) }

// waitingHeap orders invisible messages by when they become visible.
type waitingHeap []*memMessage

func (h waitingHeap) Len() int { return len(h) }
func (h waitingHeap) Less(i, j int) bool {
	if !h[i].visibleAt.Equal(h[j].visibleAt) {
		return h[i].visibleAt.Before(h[j].visibleAt)
	}
	return h[i].seq < h[j].seq
}
func (h waitingHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *waitingHeap) Push(x any)   { m := x.(*memMessage); m.index = len(*h); *h = append(*h, m) }
func (h *waitingHeap) Pop() any     { return popLast((*[]*memMessage)(h)) }

func popLast(h *[]*memMessage) *memMessage {
	old := *h
	n := len(old)
	m := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	m.index = -1
	return m
}
