package api

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	fhttp "finhealth/http"
	"finhealth/scoring"
)

// TestWarehouseRequestSchemasAcceptExamples guards the documented request bodies of
// the warehouse routes against drift from their decoders.
func TestWarehouseRequestSchemasAcceptExamples(t *testing.T) {
	s := loadSpec(t)
	for name, ex := range map[string]any{
		"ChooseBusinessRequest":  map[string]any{"business_id": "QnVzaW5lc3M6MQ=="},
		"SyncRequest":            map[string]any{"kind": "full"},
		"AccountOverrideRequest": map[string]any{"class": "current_debt", "note": "due within the year"},
	} {
		b, _ := json.Marshal(ex)
		v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err := s.schema(t, "/components/schemas/"+name).Validate(v); err != nil {
			t.Errorf("%s rejects a valid body: %v", name, err)
		}
	}
	if _, _, err := decodeOverrideRequest(strings.NewReader(`{"class":"current_debt","note":"due within the year"}`)); err != nil {
		t.Errorf("the decoder rejects the documented example: %v", err)
	}
}

func FuzzDecodeOverrideRequest(f *testing.F) {
	for _, seed := range []string{
		`{"class":"cash"}`, `{"class":"current_debt","note":"n"}`, `{"class":"assets"}`, `{}`, `null`, `[]`,
		`{"class":"cash","note":"` + strings.Repeat("x", 600) + `"}`, `{"class":"cash","extra":1}`, `{"class":"\u0000"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		class, _, err := decodeOverrideRequest(bytes.NewReader(body))
		if err != nil {
			checkDecodeError(t, err)
			return
		}
		if !class.Valid() {
			t.Fatalf("accepted class %q", class)
		}
	})
}

// FuzzWarehouseQuery drives the query-string readers of the series, history and
// portfolio routes with arbitrary input: they may refuse it, only as a caller error.
func FuzzWarehouseQuery(f *testing.F) {
	for _, seed := range []string{
		"names=current_ratio,dso&from=2024-01-01&to=2024-12-31", "names=,,,", "names=nonsense",
		"from=2024-01-01T00:00:00Z&to=2023-01-01", "from=2024-02-30", "to=%zz", "sort=score&order=desc",
	} {
		f.Add(seed)
	}
	known := scoring.MetricNames()
	f.Fuzz(func(t *testing.T, query string) {
		r := httptest.NewRequest("GET", "/x", nil)
		r.URL.RawQuery = query
		if names, err := metricNames(r, known); err != nil {
			checkDecodeError(t, err)
		} else {
			for _, n := range names {
				if !strings.Contains(","+strings.Join(known, ",")+",", ","+n+",") {
					t.Fatalf("accepted metric %q", n)
				}
			}
		}
		if from, to, err := fhttp.TimeRange(r, time.Time{}); err != nil {
			checkDecodeError(t, err)
		} else if !to.IsZero() && from.After(to) {
			t.Fatalf("accepted from %s after to %s", from, to)
		}
	})
}
