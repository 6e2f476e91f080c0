package http

import (
	"testing"
)

func TestAssessmentCacheScope(t *testing.T) {
	c := newAssessmentCache(2)
	c.put("org-1", "a", []byte("A"))
	if _, ok := c.get("org-2", "a"); ok {
		t.Fatal("an entry was served for another organization")
	}
	if b, ok := c.get("org-1", "a"); !ok || string(b) != "A" {
		t.Fatalf("get = %q, %v", b, ok)
	}
	c.put("org-1", "b", []byte("B"))
	c.put("org-1", "c", []byte("C"))
	if n := c.c.len(); n != 2 {
		t.Fatalf("%d entries, want the bound of 2", n)
	}
	if b, ok := c.get("org-1", "c"); !ok || string(b) != "C" {
		t.Fatalf("newest entry = %q, %v", b, ok)
	}
}

// TestAssessmentCacheDisabled checks that a server configured without the cache
// (AssessmentCacheSize < 0) keeps nothing in it.
func TestAssessmentCacheDisabled(t *testing.T) {
	srv := NewServer(Config{JWTSecret: testSecret, Argon2: testArgon2, AssessmentCacheSize: -1}, nil)
	srv.assessments.put("org-1", "a", []byte("A"))
	if n := srv.assessments.c.len(); n != 0 {
		t.Fatalf("disabled cache holds %d entries", n)
	}
}
