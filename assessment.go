package finhealth

import (
	"context"
	"time"
)

// Questionnaire is one immutable version of a questionnaire. A change in wording,
// options or points is a new Version, so that every stored assessment can be
// re-explained against exactly what its author answered.
type Questionnaire struct {
	ID         string     `json:"id"`
	Version    int        `json:"version"`
	Title      string     `json:"title"`
	Categories []Category `json:"categories"`
	Questions  []Question `json:"questions"`
}

// Category is a pillar of the questionnaire (liquidity, profitability, ...).
type Category struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// Question is a single-choice question in one category.
type Question struct {
	ID       string   `json:"id"`
	Category string   `json:"category"`
	Text     string   `json:"text"`
	Help     string   `json:"help,omitempty"`
	Options  []Option `json:"options"`
}

// Option is one answer. Points (0-100) are deliberately uneven between options and not
// shown with the question, so the questionnaire does not steer answers.
//
// Unknown marks "I don't know": it never earns more than the question's worst real
// answer, so not knowing cannot flatter a business. NotApplicable marks an answer
// for a business the question cannot apply to (no sales yet, trading under two
// years): it earns no points and drops the question from its pillar's mean.
type Option struct {
	Value         string `json:"value"`
	Label         string `json:"label"`
	Points        int    `json:"-"`
	Unknown       bool   `json:"unknown,omitempty"`
	NotApplicable bool   `json:"not_applicable,omitempty"`
}

// Tiers of a 0-100 score.
const (
	TierHealthy    = "healthy"    // >= 80
	TierCoping     = "coping"     // 40-79
	TierVulnerable = "vulnerable" // < 40
)

// Answer is one answered question. Points and NotApplicable are filled in by
// scoring; a not-applicable answer has 0 points that count nowhere.
type Answer struct {
	QuestionID    string `json:"question_id"`
	Value         string `json:"value"`
	Points        int    `json:"points"`
	NotApplicable bool   `json:"not_applicable,omitempty"`
}

// CategoryScore is a pillar's score: the mean of its answered items' points, leaving
// out not-applicable answers. NotApplicable means every item of the pillar was not
// applicable: the pillar has no score (Score is 0 and means nothing) and is left out
// of the assessment's mean. The flag is set only then, so an assessment stored before
// it existed reads as scored, which it was.
type CategoryScore struct {
	Category      string  `json:"category"`
	Label         string  `json:"label"`
	Score         float64 `json:"score"`
	NotApplicable bool    `json:"not_applicable,omitempty"`
}

// Recommendation is a concrete next step tied to a weak category.
type Recommendation struct {
	Category string `json:"category"`
	Priority int    `json:"priority"` // 1 is most urgent
	Title    string `json:"title"`
	Detail   string `json:"detail"`
	// Why explains the advice (the figures, the bands, what is typical); pages show
	// it folded under the one-sentence Detail.
	Why string `json:"why,omitempty"`
}

// Assessment is a scored submission of a questionnaire for an organization.
type Assessment struct {
	ID                   string           `json:"id"`
	OrganizationID       string           `json:"organization_id"`
	UserID               string           `json:"user_id"`
	QuestionnaireID      string           `json:"questionnaire_id"`
	QuestionnaireVersion int              `json:"questionnaire_version"`
	AlgorithmVersion     string           `json:"algorithm_version"`
	Score                float64          `json:"score"`
	Tier                 string           `json:"tier"`
	Categories           []CategoryScore  `json:"categories"`
	Recommendations      []Recommendation `json:"recommendations"`
	Answers              []Answer         `json:"answers"`
	CreatedAt            time.Time        `json:"created_at"`
}

// AssessmentService persists questionnaires and assessments. A stored assessment is
// immutable: no method changes one after CreateAssessment (they are deleted only
// with their organization), so readers may keep an assessment by its id for as long
// as they like. A feature that needs to change a score must store a new assessment
// instead, or first remove every such cache (http's assessment cache).
type AssessmentService interface {
	// EnsureQuestionnaire stores a questionnaire version if it is not stored yet. A
	// stored version whose content differs is ECONFLICT: versions are immutable.
	EnsureQuestionnaire(ctx context.Context, q *Questionnaire) error
	// CreateAssessment stores a scored assessment (ID and CreatedAt are set by the
	// store) and audits it, in one transaction.
	CreateAssessment(ctx context.Context, a *Assessment) (*Assessment, error)
	// Assessment returns one assessment of the organization; ENOTFOUND otherwise.
	Assessment(ctx context.Context, orgID, id string) (*Assessment, error)
	// LatestAssessment returns the organization's newest assessment; ENOTFOUND if none.
	LatestAssessment(ctx context.Context, orgID string) (*Assessment, error)
	// ListAssessments returns assessments newest first, and the cursor of the next
	// page ("" when there is none).
	ListAssessments(ctx context.Context, orgID, cursor string, limit int) ([]*Assessment, string, error)
}

// Store is everything the application persists. The store package implements it
// over database/sql for SQLite and PostgreSQL.
type Store interface {
	UserService
	OrganizationService
	TokenService
	AuditService
	AssessmentService
	AccessService
	WarehouseService
	HealthService
	MailService
	// Ping reports whether the database answers and its schema is current.
	Ping(ctx context.Context) error
	Close() error
}

// Pagination bounds shared by every list.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)
