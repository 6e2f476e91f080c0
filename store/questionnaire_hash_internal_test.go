package store

import (
	"testing"

	"finhealth/scoring"
)

// Databases in service hold sbfhc version 1 under this hash (taken before options
// had flags); if the stored form of an unchanged version drifts, every start-up's
// EnsureQuestionnaire fails with a conflict.
func TestQuestionnaireV1HashIsStable(t *testing.T) {
	q, ok := scoring.Lookup("sbfhc", 1)
	if !ok {
		t.Fatal("sbfhc version 1 is not embedded")
	}
	_, hash, err := questionnaireContent(q)
	if err != nil {
		t.Fatal(err)
	}
	if want := "7211adb166f955499e381546957b39f9c778d9e8438b7e95f8e6adc64ad25c24"; hash != want {
		t.Fatalf("sbfhc v1 hashes as %s, stored databases hold %s", hash, want)
	}
}
