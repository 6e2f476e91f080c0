package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	"finhealth"
)

// questionnaireDefinition is the stored form of a questionnaire. It exists because
// finhealth.Option hides Points from JSON (clients must not see them), while the
// stored definition must keep them: they are what an assessment was scored against.
type questionnaireDefinition struct {
	ID         string               `json:"id"`
	Version    int                  `json:"version"`
	Title      string               `json:"title"`
	Categories []finhealth.Category `json:"categories"`
	Questions  []storedQuestion     `json:"questions"`
}

type storedQuestion struct {
	ID       string         `json:"id"`
	Category string         `json:"category"`
	Text     string         `json:"text"`
	Help     string         `json:"help,omitempty"`
	Options  []storedOption `json:"options"`
}

// The flags are omitted when false so that a version stored before they existed
// hashes as it did then: EnsureQuestionnaire would otherwise call it changed.
type storedOption struct {
	Value         string `json:"value"`
	Label         string `json:"label"`
	Points        int    `json:"points"`
	Unknown       bool   `json:"unknown,omitempty"`
	NotApplicable bool   `json:"not_applicable,omitempty"`
}

// questionnaireContent returns the stored definition and its hash. The hash is taken
// from Go's deterministic encoding, not read back from the database, because
// PostgreSQL's jsonb does not keep the text it was given.
func questionnaireContent(q *finhealth.Questionnaire) (definition, hash string, err error) {
	def := questionnaireDefinition{ID: q.ID, Version: q.Version, Title: q.Title, Categories: q.Categories}
	for _, qu := range q.Questions {
		sq := storedQuestion{ID: qu.ID, Category: qu.Category, Text: qu.Text, Help: qu.Help}
		for _, o := range qu.Options {
			sq.Options = append(sq.Options, storedOption(o))
		}
		def.Questions = append(def.Questions, sq)
	}
	b, err := json.Marshal(def)
	if err != nil {
		return "", "", err
	}
	sum := sha256.Sum256(b)
	return string(b), hex.EncodeToString(sum[:]), nil
}

// EnsureQuestionnaire stores a questionnaire version unless it is stored already. A
// stored version with different content is ECONFLICT: versions are immutable, so a
// change must come as a new version.
func (db *DB) EnsureQuestionnaire(ctx context.Context, q *finhealth.Questionnaire) error {
	if q == nil || q.ID == "" || q.Version <= 0 {
		return finhealth.InvalidFields("The questionnaire is not valid.", map[string]string{"id": "id and a positive version are required"})
	}
	definition, hash, err := questionnaireContent(q)
	if err != nil {
		return fmt.Errorf("store: encode questionnaire: %w", err)
	}
	if _, err := db.h.exec(ctx, `INSERT INTO questionnaires (id, version, title, definition, content_hash, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id, version) DO NOTHING`,
		q.ID, q.Version, q.Title, definition, hash, db.now()); err != nil {
		return fmt.Errorf("store: insert questionnaire: %w", err)
	}
	var stored string
	if err := db.h.queryRow(ctx, `SELECT content_hash FROM questionnaires WHERE id = ? AND version = ?`,
		q.ID, q.Version).Scan(&stored); err != nil {
		return fmt.Errorf("store: questionnaire hash: %w", err)
	}
	if stored != hash {
		return conflict("Questionnaire %s version %d is already stored with different content.", q.ID, q.Version)
	}
	return nil
}

const assessmentColumns = `id, organization_id, user_id, questionnaire_id, questionnaire_version, algorithm_version,
	score, tier, categories, recommendations, answers, created_at`

func scanAssessment(row rowScanner) (*finhealth.Assessment, error) {
	var (
		a                                 finhealth.Assessment
		categories, recommendations, answ []byte
	)
	if err := row.Scan(&a.ID, &a.OrganizationID, &a.UserID, &a.QuestionnaireID, &a.QuestionnaireVersion,
		&a.AlgorithmVersion, &a.Score, &a.Tier, &categories, &recommendations, &answ, scanTime{&a.CreatedAt}); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		src []byte
		dst any
	}{{categories, &a.Categories}, {recommendations, &a.Recommendations}, {answ, &a.Answers}} {
		if err := json.Unmarshal(f.src, f.dst); err != nil {
			return nil, fmt.Errorf("assessment %s: %w", a.ID, err)
		}
	}
	return &a, nil
}

// insertAssessment writes one assessment, with its lists as JSON text.
const insertAssessment = `INSERT INTO assessments (` + assessmentColumns + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// insertAssessmentAudited is insertAssessment and insertAudit as one PostgreSQL
// statement: a data-modifying WITH runs exactly once and the statement commits or
// fails as a whole, so the assessment and its audit entry are still written together
// or not at all, in one round trip instead of four (BEGIN, two inserts, COMMIT).
// SQLite has no data-modifying WITH; its transaction costs no round trips anyway.
const insertAssessmentAudited = `WITH assessment AS (` + insertAssessment + `) ` + insertAudit

// CreateAssessment stores a scored assessment and audits it, atomically. The store
// sets ID and CreatedAt; nothing is read back, since everything returned is what was
// written.
func (db *DB) CreateAssessment(ctx context.Context, in *finhealth.Assessment) (*finhealth.Assessment, error) {
	if in == nil {
		return nil, finhealth.InvalidFields("The assessment is not valid.", map[string]string{"assessment": "required"})
	}
	a := *in
	a.ID = newID()
	a.CreatedAt = db.now() // the time of the assessment and of its audit entry
	var encoded [3]string
	for i, v := range []any{a.Categories, a.Recommendations, a.Answers} {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("store: encode assessment: %w", err)
		}
		encoded[i] = string(b)
	}
	values := []any{a.ID, a.OrganizationID, a.UserID, a.QuestionnaireID, a.QuestionnaireVersion, a.AlgorithmVersion,
		a.Score, a.Tier, encoded[0], encoded[1], encoded[2], a.CreatedAt}
	audit, err := auditValues(ctx, a.CreatedAt, finhealth.AuditEntry{
		OrganizationID: a.OrganizationID,
		Action:         finhealth.AuditAssessmentSubmitted,
		TargetType:     "assessment",
		TargetID:       a.ID,
		Details: map[string]string{
			"score":         strconv.FormatFloat(a.Score, 'f', -1, 64),
			"tier":          a.Tier,
			"questionnaire": a.QuestionnaireID + "@" + strconv.Itoa(a.QuestionnaireVersion),
		},
	})
	if err != nil {
		return nil, err
	}
	if db.h.pg {
		_, err = db.h.exec(ctx, insertAssessmentAudited, append(values, audit...)...)
	} else {
		err = db.withTx(ctx, func(h handle) error {
			if _, err := h.exec(ctx, insertAssessment, values...); err != nil {
				return err
			}
			if _, err := h.exec(ctx, insertAudit, audit...); err != nil {
				return fmt.Errorf("store: audit %s: %w", finhealth.AuditAssessmentSubmitted, err)
			}
			return nil
		})
	}
	if isForeignKeyViolation(err) {
		return nil, db.missingAssessmentReference(ctx, &a)
	}
	if err != nil {
		return nil, mapError(err, "create assessment", "Assessment")
	}
	return &a, nil
}

// missingAssessmentReference names what a failed assessment insert referred to that
// does not exist. Neither database says which foreign key failed in a portable way, so
// the store looks, after the fact, rather than checking first on every submission.
func (db *DB) missingAssessmentReference(ctx context.Context, a *finhealth.Assessment) error {
	exists := func(query string, args ...any) (bool, error) {
		var n int
		err := db.h.queryRow(ctx, query, args...).Scan(&n)
		return n > 0, err
	}
	if ok, err := exists(`SELECT COUNT(*) FROM organizations WHERE id = ?`, a.OrganizationID); err != nil {
		return fmt.Errorf("store: create assessment: %w", err)
	} else if !ok {
		return notFound("Organization")
	}
	if ok, err := exists(`SELECT COUNT(*) FROM questionnaires WHERE id = ? AND version = ?`,
		a.QuestionnaireID, a.QuestionnaireVersion); err != nil {
		return fmt.Errorf("store: create assessment: %w", err)
	} else if !ok {
		return finhealth.InvalidFields("The assessment is not valid.",
			map[string]string{"questionnaire_version": "questionnaire version is not stored"})
	}
	return finhealth.InvalidFields("The assessment is not valid.", map[string]string{"user_id": "unknown user"})
}

// Assessment returns one assessment of the organization. An assessment of another
// organization is ENOTFOUND, like one that does not exist, so that ids cannot be
// probed across tenants.
func (db *DB) Assessment(ctx context.Context, orgID, id string) (*finhealth.Assessment, error) {
	a, err := scanAssessment(db.h.queryRow(ctx, `SELECT `+assessmentColumns+` FROM assessments
		WHERE organization_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return nil, mapError(err, "assessment", "Assessment")
	}
	return a, nil
}

// LatestAssessment returns the organization's newest assessment. It is the hottest
// read in the application: one query that walks the (organization_id, id) index
// backwards and stops at the first entry.
func (db *DB) LatestAssessment(ctx context.Context, orgID string) (*finhealth.Assessment, error) {
	return db.h.latestAssessment(ctx, orgID)
}

func (h handle) latestAssessment(ctx context.Context, orgID string) (*finhealth.Assessment, error) {
	a, err := scanAssessment(h.queryRow(ctx, `SELECT `+assessmentColumns+` FROM assessments
		WHERE organization_id = ? ORDER BY id DESC LIMIT 1`, orgID))
	if err != nil {
		return nil, mapError(err, "latest assessment", "Assessment")
	}
	return a, nil
}

// ListAssessments returns the organization's assessments newest first.
func (db *DB) ListAssessments(ctx context.Context, orgID, cursor string, limit int) ([]*finhealth.Assessment, string, error) {
	before, err := decodeCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	limit = pageLimit(limit)
	query := `SELECT ` + assessmentColumns + ` FROM assessments WHERE organization_id = ?`
	args := []any{orgID}
	if before != "" {
		query += ` AND id < ?`
		args = append(args, before)
	}
	query += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit+1)

	list, err := collect(ctx, db.h, "list assessments", scanAssessment, query, args...)
	if err != nil {
		return nil, "", err
	}
	list, next := page(list, limit, func(a *finhealth.Assessment) string { return a.ID })
	return list, next, nil
}
