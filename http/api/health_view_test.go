package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"finhealth/http/internal/servertest"
	"finhealth/store"
)

// TestHealthSummaryAndCompression: ?view=summary answers the full view's score,
// tier, pillars, recommendations, change and confidence, and nothing of the metrics
// (both validated against the OpenAPI document by the harness); a client that
// accepts gzip gets the same JSON compressed, and a small body stays plain.
func TestHealthSummaryAndCompression(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newWaveAPI(t, db, servertest.WaveOptions{StartWorker: true})
		owner := a.Register("summary")
		a.CreateAssessment(owner.OrgID, owner.ID)
		a.ConnectAndSync(owner, owner.OrgID, a.Wave.Fake.Seed().AcmeBusinessID)
		path := servertest.OrgPath(owner.OrgID, "/health")

		var full struct {
			Status string                     `json:"status"`
			Health map[string]json.RawMessage `json:"health"`
		}
		fullRes := a.Call("GET", path, owner.Token, nil).Expect(t, http.StatusOK)
		fullRes.Decode(t, &full)
		fullBody := fullRes.Body
		var summary map[string]json.RawMessage
		sumRes := a.Call("GET", path+"?view=summary", owner.Token, nil).Expect(t, http.StatusOK)
		sumRes.Decode(t, &summary)
		sumBody := sumRes.Body
		if string(summary["status"]) != `"`+full.Status+`"` {
			t.Errorf("summary status %s, full %s", summary["status"], full.Status)
		}
		for _, f := range []string{"score", "tier", "pillars", "recommendations", "change", "confidence"} {
			// change is absent from both for a first score.
			if full.Health[f] == nil && f != "change" || string(summary[f]) != string(full.Health[f]) {
				t.Errorf("summary %s = %s, full view's %s", f, summary[f], full.Health[f])
			}
		}
		for _, f := range []string{"metrics", "components", "ledger"} {
			if summary[f] != nil {
				t.Errorf("the summary carries %s", f)
			}
		}
		if len(sumBody)*5 > len(fullBody) {
			t.Errorf("summary %d bytes, full view %d", len(sumBody), len(fullBody))
		}
		a.Call("GET", path+"?view=everything", owner.Token, nil).Expect(t, http.StatusUnprocessableEntity)

		// Compressed: the harness's checks read plain bodies, so these go to the
		// handler directly.
		get := func(path string) *httptest.ResponseRecorder {
			r := httptest.NewRequest("GET", path, nil)
			r.Header.Set("Authorization", "Bearer "+owner.Token)
			r.Header.Set("Accept-Encoding", "gzip")
			w := httptest.NewRecorder()
			a.Server.Handler().ServeHTTP(w, r)
			return w
		}
		res := get(path)
		if res.Code != http.StatusOK || res.Header().Get("Content-Encoding") != "gzip" ||
			!strings.Contains(strings.Join(res.Header().Values("Vary"), ","), "Accept-Encoding") {
			t.Fatalf("gzip: status %d, headers %v", res.Code, res.Header())
		}
		zipped := res.Body.Len()
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		var got, want map[string]any
		if err := json.Unmarshal(plain, &got); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(fullBody, &want); err != nil {
			t.Fatal(err)
		}
		// Computed now: only the time of the computation may differ.
		delete(got["health"].(map[string]any), "as_of")
		delete(want["health"].(map[string]any), "as_of")
		if g, w := mustJSON(t, got), mustJSON(t, want); !bytes.Equal(g, w) {
			t.Errorf("the gzip body decodes to other JSON:\n%s\n%s", g, w)
		}
		if zipped*3 > len(plain) {
			t.Errorf("gzip body %d bytes for %d", zipped, len(plain))
		}

		small := get("/healthz")
		if small.Code != http.StatusOK || small.Header().Get("Content-Encoding") != "" {
			t.Errorf("a tiny body was compressed: %v", small.Header())
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
