package http

import (
	"sync"
)

// boundedCache is a string-keyed map of at most max entries, safe for concurrent
// use, for values that never go stale (see its two uses below). When full it evicts
// an arbitrary entry: Go randomizes where map iteration starts, so this is random
// eviction, enough for caches whose hot entries are re-added on their next miss.
type boundedCache[V any] struct {
	mu      sync.RWMutex
	max     int
	entries map[string]V
}

// newBoundedCache returns a cache of at most max entries; max <= 0 disables it.
func newBoundedCache[V any](max int) *boundedCache[V] {
	return &boundedCache[V]{max: max, entries: make(map[string]V)}
}

func (c *boundedCache[V]) get(key string) (V, bool) {
	c.mu.RLock()
	v, ok := c.entries[key]
	c.mu.RUnlock()
	return v, ok
}

func (c *boundedCache[V]) put(key string, v V) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		for k := range c.entries {
			delete(c.entries, k)
			break
		}
	}
	c.entries[key] = v
}

func (c *boundedCache[V]) remove(key string) {
	c.mu.Lock()
	delete(c.entries, key)
	c.mu.Unlock()
}

func (c *boundedCache[V]) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

// assessmentCache keeps the encoded response body of assessments by id, so that the
// hottest read, GET .../assessments/latest, neither fetches an assessment's lists
// from the database nor decodes and re-encodes them on every request.
//
// It needs no invalidation, with any number of instances on one database, because
// stored assessments are immutable (see finhealth.AssessmentService): an id always
// names the same content. Everything that can change is still read from the database
// on every request, in the query that authorizes it: whether the caller is active,
// their membership and role, and which assessment is the newest. The cache is asked
// only for the id that query returned, and an entry is served only for the
// organization it was stored under, as a second line of defence between tenants.
type assessmentCache struct {
	c *boundedCache[cachedAssessment]
}

type cachedAssessment struct {
	orgID string
	body  []byte // the complete JSON response body, never modified once stored
}

// newAssessmentCache returns a cache of at most max entries; max <= 0 disables it.
func newAssessmentCache(max int) assessmentCache {
	return assessmentCache{newBoundedCache[cachedAssessment](max)}
}

// get returns the body stored for the assessment id in the organization.
func (a assessmentCache) get(orgID, id string) ([]byte, bool) {
	e, ok := a.c.get(id)
	if !ok || e.orgID != orgID {
		return nil, false
	}
	return e.body, true
}

func (a assessmentCache) put(orgID, id string, body []byte) {
	a.c.put(id, cachedAssessment{orgID: orgID, body: body})
}
