package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"testing"

	"finhealth/internal/testdb"
	"finhealth/store"
)

// TestTwoInstancesOneDatabase: two whole servers, each with its own River worker,
// on one PostgreSQL, as finhealth scales past one machine. A client alternates
// between them through a whole flow: every answer is the same whichever instance
// gives it, a token issued by one works on the other, and each sync is run by
// exactly one of the two workers, once.
func TestTwoInstancesOneDatabase(t *testing.T) {
	testdb.SkipIfUnavailable(t, store.DialectPostgres)
	e := newShutdownEnv(t, store.DialectPostgres)
	e.env["LOG_LEVEL"] = "debug" // for "health score recorded"
	envB := maps.Clone(e.env)
	portB := freePort(t)
	baseB := fmt.Sprintf("http://127.0.0.1:%d", portB)
	// BASE_URL and the OAuth redirect stay the first instance's: behind one load
	// balancer both instances have one public address.
	envB["PORT"] = fmt.Sprint(portB)
	both := newServeLog() // what either instance did
	logsA, _ := startServeAlso(t, both, e.env)
	logsB, _ := startServeAlso(t, both, envB)
	a, b := apiClient{t: t, base: e.base}, apiClient{t: t, base: baseB}

	const email, password = "ada@example.com", "plum tractor velvet sunrise 42"
	var reg struct {
		OrganizationID string `json:"organization_id"`
	}
	a.do("POST", "/api/v1/auth/register", "", map[string]string{"email": email, "password": password, "name": "Ada"}, http.StatusCreated, &reg)
	var pair struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	b.do("POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": password}, http.StatusOK, &pair)
	tok, orgID, org := pair.AccessToken, reg.OrganizationID, "/api/v1/organizations/"+reg.OrganizationID
	same(t, "GET /api/v1/me", a, b, "/api/v1/me", tok)

	answers := pickAnswers(0, func(q any) { b.do("GET", "/api/v1/questionnaire", "", nil, http.StatusOK, q) })
	a.do("POST", org+"/assessments", tok, map[string]any{"answers": answers}, http.StatusCreated, nil)
	// The answers alone make a score, recorded by whichever worker took the job.
	both.waitMsg(t, "health score recorded", "organization_id", orgID)
	same(t, "the latest assessment", a, b, org+"/assessments/latest", tok)

	b.connectWave(tok, org)
	runs := []string{a.chooseBusiness(tok, org, e.fake.Seed().AcmeBusinessID)}
	a.waitSyncOnce(t, both, logsA, logsB, tok, org, runs[0])
	var queued struct {
		Run struct {
			ID string `json:"id"`
		} `json:"run"`
	}
	b.do("POST", org+"/wave/sync", tok, map[string]string{"kind": "full"}, http.StatusAccepted, &queued)
	runs = append(runs, queued.Run.ID)
	b.waitSyncOnce(t, both, logsA, logsB, tok, org, runs[1])

	for _, path := range []string{org + "/health/history", org + "/wave/sync-runs", org + "/wave", org + "/metrics/latest", org + "/account-mapping", org + "/audit-log", "/api/v1/portfolio"} {
		same(t, "GET "+path, a, b, path, tok)
	}
	// The live health is computed on each read and dated by it; everything else of
	// it must agree.
	var healthA, healthB map[string]any
	a.do("GET", org+"/health", tok, nil, http.StatusOK, &healthA)
	b.do("GET", org+"/health", tok, nil, http.StatusOK, &healthB)
	scoreA, scoreB := healthA["health"].(map[string]any)["score"], healthB["health"].(map[string]any)["score"]
	if scoreA == nil || scoreA != scoreB {
		t.Errorf("live score: %v on one instance, %v on the other", scoreA, scoreB)
	}

	// Logging out on one instance ends the session on both.
	a.do("POST", "/api/v1/auth/logout", "", map[string]string{"refresh_token": pair.RefreshToken}, http.StatusNoContent, nil)
	b.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": pair.RefreshToken}, http.StatusUnauthorized, nil)
}

// same fails the test unless both instances answer path with the same JSON.
func same(t *testing.T, what string, a, b apiClient, path, tok string) {
	t.Helper()
	var fromA, fromB any
	a.do("GET", path, tok, nil, http.StatusOK, &fromA)
	b.do("GET", path, tok, nil, http.StatusOK, &fromB)
	ja, _ := json.Marshal(fromA)
	jb, _ := json.Marshal(fromB)
	if string(ja) != string(jb) {
		t.Errorf("%s differs between the instances:\n%s\n%s", what, ja, jb)
	}
}

// waitSyncOnce waits for the run's job to end on either instance and checks that it
// succeeded and that exactly one of the two workers ran it.
func (c apiClient) waitSyncOnce(t *testing.T, both, logsA, logsB *serveLog, tok, org, runID string) {
	t.Helper()
	c.waitSync(both, tok, org, runID)
	ended := func(l *serveLog) (n int) {
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, s := range l.lines {
			if line := parseLogLine(s); line.attrs["run_id"] == runID && syncEnds[line.attrs["msg"]] {
				n++
			}
		}
		return n
	}
	if n := ended(both); n != 1 {
		t.Errorf("sync run %s ended %d times across the two instances, want once:\n%s", runID, n, both)
	}
	t.Logf("sync run %s: first instance %d, second %d", runID, ended(logsA), ended(logsB))
}
