package storetest

import (
	"context"
	"slices"
	"testing"

	"finhealth"
	"finhealth/scoring"
)

func questionnaire(version int) *finhealth.Questionnaire {
	return &finhealth.Questionnaire{
		ID: "core", Version: version, Title: "Financial health",
		Categories: []finhealth.Category{{ID: "liquidity", Label: "Liquidity"}, {ID: "debt", Label: "Debt"}},
		Questions: []finhealth.Question{
			{ID: "q1", Category: "liquidity", Text: "How many months of expenses do you hold in cash?", Options: []finhealth.Option{
				{Value: "lt1", Label: "Less than one", Points: 10},
				{Value: "1to3", Label: "One to three", Points: 55},
				{Value: "gt3", Label: "More than three", Points: 100},
			}},
			{ID: "q2", Category: "debt", Text: "Are you behind on any repayment?", Help: "Loans, cards, leases.", Options: []finhealth.Option{
				{Value: "yes", Label: "Yes", Points: 0},
				{Value: "no", Label: "No", Points: 100},
			}},
		},
	}
}

func newAssessment(org *finhealth.Organization, u *finhealth.User, score float64) *finhealth.Assessment {
	return &finhealth.Assessment{
		OrganizationID: org.ID, UserID: u.ID, QuestionnaireID: "core", QuestionnaireVersion: 1, AlgorithmVersion: "2024.1",
		Score: score, Tier: finhealth.TierCoping,
		Categories: []finhealth.CategoryScore{{Category: "liquidity", Label: "Liquidity", Score: 55}, {Category: "debt", Label: "Debt", Score: 100.0 / 3}},
		Recommendations: []finhealth.Recommendation{
			{Category: "liquidity", Priority: 1, Title: "Build a cash buffer", Detail: "Aim for three months of expenses: \"runway\" <matters>."},
		},
		Answers: []finhealth.Answer{{QuestionID: "q1", Value: "1to3", Points: 55}, {QuestionID: "q2", Value: "no", Points: 100}},
	}
}

func submit(t *testing.T, s finhealth.Store, org *finhealth.Organization, u *finhealth.User, score float64) *finhealth.Assessment {
	t.Helper()
	a, err := s.CreateAssessment(actorCtx(u), newAssessment(org, u, score))
	if err != nil {
		t.Fatalf("CreateAssessment: %v", err)
	}
	return a
}

func testQuestionnaire(t *testing.T, s finhealth.Store) {
	ctx := context.Background()
	must(t, s.EnsureQuestionnaire(ctx, questionnaire(1)))
	// Storing the same version again is a no-op: every start of the server does it.
	must(t, s.EnsureQuestionnaire(ctx, questionnaire(1)))

	// Versions are immutable, down to the points, which clients never see.
	changed := questionnaire(1)
	changed.Questions[0].Options[1].Points = 60
	wantCode(t, s.EnsureQuestionnaire(ctx, changed), finhealth.ECONFLICT)
	reworded := questionnaire(1)
	reworded.Questions[1].Text = "Any late payments?"
	wantCode(t, s.EnsureQuestionnaire(ctx, reworded), finhealth.ECONFLICT)

	// A change is a new version.
	changed.Version = 2
	must(t, s.EnsureQuestionnaire(ctx, changed))
	must(t, s.EnsureQuestionnaire(ctx, changed))

	wantCode(t, s.EnsureQuestionnaire(ctx, &finhealth.Questionnaire{ID: "core"}), finhealth.EINVALID)
	wantCode(t, s.EnsureQuestionnaire(ctx, nil), finhealth.EINVALID)

	// Every embedded version is stored at start-up, the old beside the current, and
	// again at the next start; the flags of a version's options are part of it.
	for _, q := range scoring.Questionnaires() {
		must(t, s.EnsureQuestionnaire(ctx, q))
		must(t, s.EnsureQuestionnaire(ctx, q))
	}
	cur := scoring.Current()
	flagged := *cur
	flagged.Questions = slices.Clone(cur.Questions)
	opts := slices.Clone(flagged.Questions[0].Options)
	opts[0].NotApplicable = true
	flagged.Questions[0].Options = opts
	wantCode(t, s.EnsureQuestionnaire(ctx, &flagged), finhealth.ECONFLICT)
}

func testAssessments(t *testing.T, s finhealth.Store) {
	u, org := register(t, s, "owner@example.com")
	must(t, s.EnsureQuestionnaire(context.Background(), questionnaire(1)))
	ctx := actorCtx(u)

	_, err := s.LatestAssessment(ctx, org.ID)
	wantCode(t, err, finhealth.ENOTFOUND)

	in := newAssessment(org, u, 63.5)
	first, err := s.CreateAssessment(ctx, in)
	must(t, err)
	if first.ID == "" || in.ID != "" {
		t.Fatalf("ID %q set on the result only, input ID %q", first.ID, in.ID)
	}
	recent(t, "CreatedAt", first.CreatedAt)
	want := *in
	want.ID, want.CreatedAt = first.ID, first.CreatedAt
	wantEqual(t, "created assessment", first, &want)

	got, err := s.Assessment(ctx, org.ID, first.ID)
	must(t, err)
	wantEqual(t, "stored assessment", got, first)

	second := submit(t, s, org, u, 81)
	latest, err := s.LatestAssessment(ctx, org.ID)
	must(t, err)
	wantEqual(t, "latest assessment", latest, second)

	entries := allAudit(t, s, finhealth.AuditFilter{OrganizationID: org.ID, Action: finhealth.AuditAssessmentSubmitted})
	if len(entries) != 2 || entries[0].TargetID != second.ID || entries[0].ActorID != u.ID {
		t.Fatalf("audit = %+v", entries)
	}

	_, err = s.Assessment(ctx, org.ID, "0190a000-0000-7000-8000-000000000000")
	wantCode(t, err, finhealth.ENOTFOUND)

	// Empty lists survive the round trip as empty, not null.
	empty := newAssessment(org, u, 0)
	empty.Recommendations = []finhealth.Recommendation{}
	e, err := s.CreateAssessment(ctx, empty)
	must(t, err)
	got, err = s.Assessment(ctx, org.ID, e.ID)
	must(t, err)
	if got.Recommendations == nil || len(got.Recommendations) != 0 {
		t.Fatalf("recommendations = %#v, want empty", got.Recommendations)
	}
}

func testAssessmentTenantIsolation(t *testing.T, s finhealth.Store) {
	a, orgA := register(t, s, "a@example.com")
	b, orgB := register(t, s, "b@example.com")
	must(t, s.EnsureQuestionnaire(context.Background(), questionnaire(1)))
	mine := submit(t, s, orgA, a, 70)

	ctx := actorCtx(b)
	_, err := s.Assessment(ctx, orgB.ID, mine.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	_, err = s.LatestAssessment(ctx, orgB.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	list, next, err := s.ListAssessments(ctx, orgB.ID, "", 0)
	must(t, err)
	if len(list) != 0 || next != "" {
		t.Fatalf("organization B lists %+v", list)
	}
	// A's cursor does not leak A's rows into B's listing either.
	submit(t, s, orgA, a, 71)
	_, cursor, err := s.ListAssessments(context.Background(), orgA.ID, "", 1)
	must(t, err)
	list, _, err = s.ListAssessments(ctx, orgB.ID, cursor, 10)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("organization B lists %+v with A's cursor", list)
	}
}

func testAssessmentPagination(t *testing.T, s finhealth.Store) {
	u, org := register(t, s, "owner@example.com")
	other, otherOrg := register(t, s, "other@example.com")
	must(t, s.EnsureQuestionnaire(context.Background(), questionnaire(1)))
	var want []string // newest first
	for i := range 45 {
		want = append([]string{submit(t, s, org, u, float64(i)).ID}, want...)
		if i%10 == 0 {
			submit(t, s, otherOrg, other, 1)
		}
	}

	ctx := actorCtx(u)
	var got []string
	cursor, pages := "", 0
	for {
		page, next, err := s.ListAssessments(ctx, org.ID, cursor, 20)
		must(t, err)
		pages++
		if len(page) > 20 || (next != "" && len(page) != 20) {
			t.Fatalf("page %d has %d entries (next %q)", pages, len(page), next)
		}
		for _, a := range page {
			if a.OrganizationID != org.ID {
				t.Fatalf("another organization's assessment listed: %+v", a)
			}
			got = append(got, a.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if pages != 3 {
		t.Fatalf("%d pages, want 3", pages)
	}
	wantEqual(t, "assessments newest first, each once", got, want)

	page, next, err := s.ListAssessments(ctx, org.ID, "", 0)
	must(t, err)
	if len(page) != finhealth.DefaultPageSize || next == "" {
		t.Fatalf("default page: %d entries", len(page))
	}
	page, next, err = s.ListAssessments(ctx, org.ID, "", 45)
	must(t, err)
	if len(page) != 45 || next != "" {
		t.Fatalf("exact page: %d entries, next %q", len(page), next)
	}
	_, _, err = s.ListAssessments(ctx, org.ID, "bm90LWFuLWlk", 10)
	wantCode(t, err, finhealth.EINVALID)
	if finhealth.ErrorFields(err)["cursor"] == "" {
		t.Fatalf("fields = %v, want cursor", finhealth.ErrorFields(err))
	}
}

// testAssessmentRejected submits assessments that fail inside the transaction and
// checks that neither the assessment nor its audit entry was written.
func testAssessmentRejected(t *testing.T, s finhealth.Store) {
	u, org := register(t, s, "owner@example.com")
	must(t, s.EnsureQuestionnaire(context.Background(), questionnaire(1)))
	ctx := actorCtx(u)

	unknownVersion := newAssessment(org, u, 50)
	unknownVersion.QuestionnaireVersion = 9
	_, err := s.CreateAssessment(ctx, unknownVersion)
	wantCode(t, err, finhealth.EINVALID)

	unknownOrg := newAssessment(&finhealth.Organization{ID: "0190a000-0000-7000-8000-000000000000"}, u, 50)
	_, err = s.CreateAssessment(ctx, unknownOrg)
	wantCode(t, err, finhealth.ENOTFOUND)

	unknownUser := newAssessment(org, &finhealth.User{ID: "0190a000-0000-7000-8000-000000000000"}, 50)
	_, err = s.CreateAssessment(ctx, unknownUser)
	wantCode(t, err, finhealth.EINVALID)

	_, err = s.CreateAssessment(ctx, nil)
	wantCode(t, err, finhealth.EINVALID)

	list, _, err := s.ListAssessments(ctx, org.ID, "", 0)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("rejected assessments were stored: %+v", list)
	}
	if n := countAction(t, s, finhealth.AuditAssessmentSubmitted); n != 0 {
		t.Fatalf("rejected assessments were audited %d times", n)
	}
}
