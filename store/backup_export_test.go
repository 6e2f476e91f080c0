package store

import "context"

// BackupTables is the backup's table list, for tests that compare what was restored.
func BackupTables() []BackupTable { return backupTables }

// CheckBackupCatalog compares the backup's table list with the database's catalog.
func (db *DB) CheckBackupCatalog(ctx context.Context) error {
	return db.h.checkCatalog(ctx, backupTables)
}
