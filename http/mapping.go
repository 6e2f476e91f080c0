package http

import (
	"context"
	"net/http"
	"strings"
	"time"

	"finhealth"
)

// MappingView is which accounts count as what in the metrics: each account's class by
// default (from Wave's subtype) and in effect (after an owner's or advisor's
// decision), and which defaults are guesses worth reviewing.
type MappingView struct {
	// Available is false until a business is chosen and synced; Accounts is then
	// empty and Reason says why.
	Available      bool                     `json:"available"`
	Reason         string                   `json:"reason,omitempty"`
	Accounts       []MappingEntry           `json:"accounts"`
	StaleOverrides []overrideView           `json:"stale_overrides"`
	Classes        []finhealth.AccountClass `json:"classes"`
}

// MappingEntry is one account of the mapping: its class by default and in effect.
type MappingEntry struct {
	AccountID     string                        `json:"account_id"`
	AccountName   string                        `json:"account_name"`
	DisplayID     string                        `json:"display_id,omitempty"`
	Type          finhealth.AccountType         `json:"type"`
	Subtype       finhealth.AccountSubtypeValue `json:"subtype"`
	SubtypeName   string                        `json:"subtype_name,omitempty"`
	NormalBalance finhealth.NormalBalance       `json:"normal_balance,omitempty"`
	Balance       finhealth.Money               `json:"balance"`
	IsArchived    bool                          `json:"is_archived"`
	DefaultClass  finhealth.AccountClass        `json:"default_class"`
	Class         finhealth.AccountClass        `json:"class"`
	Contra        bool                          `json:"contra"`
	// NeedsReview flags a default that is a guess; Review says why. Both clear once
	// someone records a decision.
	NeedsReview bool          `json:"needs_review"`
	Review      string        `json:"review,omitempty"`
	Override    *overrideView `json:"override"`
}

// overrideView is a recorded decision with who made it, by name where the person is
// still a member.
type overrideView struct {
	AccountID  string                 `json:"account_id"`
	Class      finhealth.AccountClass `json:"class"`
	Note       string                 `json:"note,omitempty"`
	SetBy      string                 `json:"set_by"`
	SetByName  string                 `json:"set_by_name,omitempty"`
	SetByEmail string                 `json:"set_by_email,omitempty"`
	SetAt      time.Time              `json:"set_at"`
}

// memberNames looks up who set overrides; a person who has left is shown by id.
type memberNames map[string]*finhealth.Membership

func (s Insights) memberNames(ctx context.Context, orgID string) (memberNames, error) {
	ms, err := s.st.Members(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make(memberNames, len(ms))
	for _, m := range ms {
		out[m.UserID] = m
	}
	return out, nil
}

func (n memberNames) override(o finhealth.AccountOverride) *overrideView {
	v := &overrideView{AccountID: o.AccountID, Class: o.Class, Note: o.Note, SetBy: o.SetBy, SetAt: o.SetAt}
	if m := n[o.SetBy]; m != nil {
		v.SetByName, v.SetByEmail = m.UserName, m.UserEmail
	}
	return v
}

// BuildMapping reads the accounts and overrides and applies them.
func (s Insights) BuildMapping(ctx context.Context, orgID string) (MappingView, error) {
	v := MappingView{Accounts: []MappingEntry{}, StaleOverrides: []overrideView{}, Classes: finhealth.AccountClasses()}
	names, err := s.memberNames(ctx, orgID)
	if err != nil {
		return v, err
	}
	src, err := s.st.MappingAccounts(ctx, orgID)
	if err != nil {
		return v, err
	}
	if src.BusinessID == "" {
		v.Reason = "Connect Wave and choose a business: the mapping lists its accounts once they are synced."
		for _, o := range src.Overrides {
			v.StaleOverrides = append(v.StaleOverrides, *names.override(o))
		}
		return v, nil
	}
	mapping := s.applyOverrides(ctx, orgID, src)
	v.Available = true
	if len(src.Accounts) == 0 {
		v.Reason = "No accounts are synced yet; they appear after the first sync."
	}
	accounts := make(map[string]*finhealth.LedgerAccount, len(src.Accounts))
	for i := range src.Accounts {
		accounts[src.Accounts[i].WaveID] = &src.Accounts[i]
	}
	for _, e := range mapping.Entries {
		me := MappingEntry{
			AccountID: e.AccountID, AccountName: e.AccountName, Type: e.Type, Subtype: e.Subtype,
			NormalBalance: e.NormalBalance, DefaultClass: e.DefaultClass, Class: e.Class, Contra: e.Contra,
			NeedsReview: e.Review != "", Review: e.Review,
		}
		if a := accounts[e.AccountID]; a != nil {
			me.DisplayID, me.SubtypeName, me.Balance, me.IsArchived = a.DisplayID, a.SubtypeName, a.Balance, a.IsArchived
		}
		if e.Override != nil {
			me.Override = names.override(*e.Override)
		}
		v.Accounts = append(v.Accounts, me)
	}
	for _, o := range mapping.StaleOverrides {
		v.StaleOverrides = append(v.StaleOverrides, *names.override(o))
	}
	return v, nil
}

// OverrideRequest is a decision about one account's class, from JSON or a form.
type OverrideRequest struct {
	Class string `json:"class"`
	Note  string `json:"note"`
}

// ErrAccountNotFound answers a mapping route about an account the books do not hold.
var ErrAccountNotFound = finhealth.Errorf(finhealth.ENOTFOUND, "Account not found.")

// AccountPathValue is the {account_id} of a mapping route, checked before it reaches
// the store.
func AccountPathValue(r *http.Request) (string, error) {
	id := r.PathValue("account_id")
	if !plainPathValue(id) {
		return "", ErrAccountNotFound
	}
	return id, nil
}

// OverrideAccount records a decision about one account (class and note already
// checked by CheckOverride) and queues the rescore; the API and the web UI both call it.
func (s Insights) OverrideAccount(r *http.Request, orgID, accountID string, class finhealth.AccountClass, note string) error {
	if _, err := s.st.SetAccountOverride(r.Context(), orgID, finhealth.AccountOverride{AccountID: accountID, Class: class, Note: note}); err != nil {
		if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
			return ErrAccountNotFound
		}
		return err
	}
	s.rescore(r, orgID)
	return nil
}

// CheckOverride validates a decision however it arrived (JSON or a form).
func CheckOverride(req OverrideRequest) (finhealth.AccountClass, string, error) {
	f := FieldErrors{}
	class := finhealth.AccountClass(strings.TrimSpace(req.Class))
	switch {
	case class == "":
		f.Add("class", "is required")
	case !class.Valid():
		f.Add("class", "must be one of "+classList())
	}
	note := cleanText(f, "note", req.Note, false, 500)
	return class, note, f.Err()
}

func classList() string {
	cs := finhealth.AccountClasses()
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = string(c)
	}
	return strings.Join(parts, ", ")
}

// ResetAccount deletes an account's override and queues the rescore; the API and the
// web UI both call it.
func (s Insights) ResetAccount(r *http.Request, orgID, accountID string) error {
	if err := s.st.DeleteAccountOverride(r.Context(), orgID, accountID); err != nil {
		if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
			return finhealth.Errorf(finhealth.ENOTFOUND, "This account has no override.")
		}
		return err
	}
	s.rescore(r, orgID)
	return nil
}
