package store

import (
	"context"
	"fmt"

	"finhealth"
)

// SaveAccountSubtypes replaces the stored copy of Wave's account-subtype list in one
// transaction, so that a reader sees the old list or the new one, never a mix.
func (db *DB) SaveAccountSubtypes(ctx context.Context, subtypes []finhealth.AccountSubtype) error {
	fields := map[string]string{}
	for i, st := range subtypes {
		if st.Value == "" || st.Type == "" {
			fields[fmt.Sprintf("subtypes[%d]", i)] = "needs a value and a type"
		}
	}
	if len(fields) > 0 {
		return finhealth.InvalidFields("The account subtypes are not valid.", fields)
	}
	if len(subtypes) == 0 {
		return nil
	}
	return db.withTx(ctx, func(h handle) error {
		if _, err := h.exec(ctx, `DELETE FROM wave_account_subtypes`); err != nil {
			return fmt.Errorf("store: account subtypes: %w", err)
		}
		t := h.now
		for _, st := range subtypes {
			if _, err := h.exec(ctx, `INSERT INTO wave_account_subtypes (value, name, type, normal_balance, description, updated_at)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (value) DO UPDATE SET name = excluded.name, type = excluded.type,
				normal_balance = excluded.normal_balance, description = excluded.description, updated_at = excluded.updated_at`,
				string(st.Value), st.Name, string(st.Type), string(st.NormalBalance), st.Description, t); err != nil {
				return fmt.Errorf("store: account subtypes: %w", err)
			}
		}
		return nil
	})
}

// AccountSubtypes returns the stored list, ordered by value.
func (db *DB) AccountSubtypes(ctx context.Context) ([]finhealth.AccountSubtype, error) {
	return db.h.accountSubtypes(ctx)
}

func (h handle) accountSubtypes(ctx context.Context) ([]finhealth.AccountSubtype, error) {
	rows, err := h.query(ctx, `SELECT value, name, type, normal_balance, description FROM wave_account_subtypes ORDER BY value`)
	if err != nil {
		return nil, fmt.Errorf("store: account subtypes: %w", err)
	}
	defer rows.Close()
	var out []finhealth.AccountSubtype
	for rows.Next() {
		var st finhealth.AccountSubtype
		if err := rows.Scan(&st.Value, &st.Name, &st.Type, &st.NormalBalance, &st.Description); err != nil {
			return nil, fmt.Errorf("store: account subtypes: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}
