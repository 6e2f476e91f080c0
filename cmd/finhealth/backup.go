package main

import (
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"

	"finhealth/store"
)

// A backup file is the store's backup stream (store.Backup), gzip-compressed, then
// encrypted with age: to a passphrase (scrypt) or to one or more public keys. age
// authenticates every 64 KiB chunk and the end of the file, so a changed, cut or
// extended file fails to decrypt rather than restoring something else.

// envBackupPassphrase names the variable holding the backup passphrase
// (FINHEALTH_BACKUP_PASSPHRASE_FILE names a file holding it). A passphrase is never
// a flag value, which would land in shell history and the process list.
const envBackupPassphrase = "FINHEALTH_BACKUP_PASSPHRASE"

const (
	backupUsage  = "usage: finhealth backup --output FILE|- (--recipient AGE_PUBLIC_KEY... | --recipients-file FILE | --passphrase-file FILE | $" + envBackupPassphrase + ")"
	restoreUsage = "usage: finhealth restore --input FILE (--identity FILE... | --passphrase-file FILE | $" + envBackupPassphrase + ")"
)

// backup writes an encrypted backup of the database to --output.
func backup(ctx context.Context, cfg *Config, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	output := fs.String("output", "", "file to write, or - for standard output")
	recipientsFile := fs.String("recipients-file", "", "file of age public keys, one a line")
	passphraseFile := fs.String("passphrase-file", "", "file holding the passphrase")
	keys := listFlag(fs, "recipient", "age public key to encrypt to (repeatable)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *output == "" {
		return usageError(backupUsage)
	}

	passphrase, err := backupPassphrase(getenv, *passphraseFile)
	if err != nil {
		return err
	}
	var recipients []age.Recipient
	for _, k := range *keys {
		r, err := age.ParseRecipients(strings.NewReader(k))
		if err != nil {
			return fmt.Errorf("--recipient: %v", err)
		}
		recipients = append(recipients, r...)
	}
	if *recipientsFile != "" {
		r, err := parseKeyFile(*recipientsFile, age.ParseRecipients)
		if err != nil {
			return fmt.Errorf("--recipients-file: %w", err)
		}
		recipients = append(recipients, r...)
	}
	switch {
	case passphrase != "" && len(recipients) > 0:
		return usageError("backup: give either recipients or a passphrase, not both\n" + backupUsage)
	case passphrase != "":
		if msg := weakness(passphrase); msg != "" {
			return fmt.Errorf("backup passphrase: %s (generate one with: openssl rand -base64 48)", msg)
		}
		r, err := age.NewScryptRecipient(passphrase)
		if err != nil {
			return err
		}
		recipients = []age.Recipient{r}
	case len(recipients) == 0:
		return usageError("backup: no key to encrypt with\n" + backupUsage)
	}

	var out io.Writer = stdout
	var file *os.File
	if *output != "-" {
		if _, err := os.Stat(*output); err == nil {
			return fmt.Errorf("--output: %s exists; backups are never overwritten", *output)
		}
		// Written beside the target and renamed into place once complete, so that a
		// failed backup never leaves a file that looks like one.
		if file, err = os.CreateTemp(filepath.Dir(*output), "."+filepath.Base(*output)+".*.partial"); err != nil {
			return fmt.Errorf("--output: %w", err)
		}
		defer func() {
			if file != nil {
				_ = file.Close()
				_ = os.Remove(file.Name())
			}
		}()
		out = file
	}

	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("opening the database %s: %w", redactURL(cfg.DatabaseURL), err)
	}
	defer db.Close()
	m, err := writeBackup(ctx, db, out, recipients)
	if err != nil {
		return err
	}
	where := "standard output"
	if file != nil {
		if err := file.Sync(); err != nil {
			return fmt.Errorf("--output: %w", err)
		}
		if err := file.Close(); err != nil {
			return fmt.Errorf("--output: %w", err)
		}
		if err := os.Rename(file.Name(), *output); err != nil {
			_ = os.Remove(file.Name())
			file = nil
			return fmt.Errorf("--output: %w", err)
		}
		file, where = nil, *output
	}
	// The summary goes to stderr: stdout may be the backup itself.
	fmt.Fprintf(stderr, "backup of the %s database (schema version %d): %d rows in %d tables, encrypted, written to %s\n",
		m.SourceDialect, m.SchemaVersion, m.Rows(), len(m.Tables), where)
	return nil
}

func writeBackup(ctx context.Context, db *store.DB, out io.Writer, recipients []age.Recipient) (*store.Manifest, error) {
	enc, err := age.Encrypt(out, recipients...)
	if err != nil {
		return nil, fmt.Errorf("encrypting the backup: %w", err)
	}
	zw := gzip.NewWriter(enc)
	m, err := db.Backup(ctx, zw, fmt.Sprintf("%s (commit %s)", version, commit))
	if err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("writing the backup: %w", err)
	}
	if err := enc.Close(); err != nil { // writes the last, authenticated chunk
		return nil, fmt.Errorf("writing the backup: %w", err)
	}
	return m, nil
}

// restore loads an encrypted backup into the empty database of DATABASE_URL, then
// brings its schema and the job queue's up to date.
func restore(ctx context.Context, cfg *Config, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	input := fs.String("input", "", "backup file to restore")
	passphraseFile := fs.String("passphrase-file", "", "file holding the passphrase")
	identityFiles := listFlag(fs, "identity", "file of age identities (private keys) (repeatable)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *input == "" {
		return usageError(restoreUsage)
	}
	passphrase, err := backupPassphrase(getenv, *passphraseFile)
	if err != nil {
		return err
	}
	var identities []age.Identity
	for _, f := range *identityFiles {
		ids, err := parseKeyFile(f, age.ParseIdentities)
		if err != nil {
			return fmt.Errorf("--identity: %w", err)
		}
		identities = append(identities, ids...)
	}
	if passphrase != "" {
		id, err := age.NewScryptIdentity(passphrase)
		if err != nil {
			return err
		}
		identities = append(identities, id)
	}
	if len(identities) == 0 {
		return usageError("restore: no key to decrypt with\n" + restoreUsage)
	}

	// Restore reads the backup twice (it checks all of it before writing); the
	// file key is unwrapped once, since a passphrase costs a second of scrypt.
	fileKey, err := backupFileKey(*input, identities)
	if err != nil {
		return err
	}
	open := func() (io.ReadCloser, error) {
		f, err := os.Open(*input)
		if err != nil {
			return nil, fmt.Errorf("--input: %w", err)
		}
		r, err := age.Decrypt(f, age.NewInjectedFileKeyIdentity(fileKey))
		if err == nil {
			var zr *gzip.Reader
			if zr, err = gzip.NewReader(r); err == nil {
				return struct {
					io.Reader
					io.Closer
				}{zr, f}, nil
			}
		}
		_ = f.Close()
		return nil, fmt.Errorf("%w: %v", store.ErrBackupInvalid, err)
	}

	d, err := openDatabasesRaw(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	m, err := d.db.Restore(ctx, open)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %d rows in %d tables into the %s database; counts and checksums verified\n  from a %s backup of %s (finhealth %s, schema version %d)\n",
		m.Rows(), len(m.Tables), d.db.Dialect(), m.SourceDialect, m.CreatedAt.Format("2006-01-02 15:04:05Z07:00"), m.AppVersion, m.SchemaVersion)
	if err := d.migrate(ctx, newLogger(cfg, io.Discard)); err != nil {
		return fmt.Errorf("the restore is committed, but migrating it further failed (run `finhealth migrate`): %w", err)
	}
	cur, _, _, err := d.schemaState(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema at version %d, job queue ready\n", cur)

	unreadable, err := d.db.UnreadableWaveTokens(ctx)
	if err != nil {
		return err
	}
	if len(unreadable) > 0 {
		fmt.Fprintf(stdout, "warning: the Wave tokens of %d organization(s) do not open with this SECRET_KEY: %s\n"+
			"  Set SECRET_KEY to the value of the instance the backup came from before serving; otherwise their owners must connect Wave again.\n",
			len(unreadable), strings.Join(unreadable, ", "))
	}
	return nil
}

// backupFileKey decrypts the backup's header with the identities and returns its
// file key, with an error that says what went wrong in an operator's terms.
func backupFileKey(path string, identities []age.Identity) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--input: %w", err)
	}
	defer f.Close()
	header, err := age.ExtractHeader(f)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not an age-encrypted finhealth backup (%v)", store.ErrBackupInvalid, path, err)
	}
	key, err := age.DecryptHeader(header, identities...)
	var noMatch *age.NoIdentityMatchError
	switch {
	case errors.As(err, &noMatch):
		return nil, fmt.Errorf("the backup does not open with the passphrase or identity given: wrong key, or the backup was encrypted for another")
	case err != nil:
		return nil, fmt.Errorf("%w: its header does not authenticate (%v)", store.ErrBackupInvalid, err)
	}
	return key, nil
}

// listFlag declares a flag that may be given several times.
func listFlag(fs *flag.FlagSet, name, usage string) *[]string {
	var values []string
	fs.Func(name, usage, func(s string) error {
		values = append(values, s)
		return nil
	})
	return &values
}

// backupPassphrase reads the passphrase from --passphrase-file, or else from the
// environment; setting both is ambiguous and refused.
func backupPassphrase(getenv func(string) string, file string) (string, error) {
	if file == "" {
		return secret(getenv, envBackupPassphrase)
	}
	if getenv(envBackupPassphrase) != "" || getenv(envBackupPassphrase+"_FILE") != "" {
		return "", fmt.Errorf("--passphrase-file and %s are both set; set only one", envBackupPassphrase)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("--passphrase-file: %w", err)
	}
	p := strings.TrimSpace(string(b))
	if p == "" {
		return "", fmt.Errorf("--passphrase-file: %s is empty", file)
	}
	return p, nil
}

// parseKeyFile parses a file of age keys with parse (age.ParseRecipients or
// age.ParseIdentities), whose errors never quote the key material.
func parseKeyFile[T any](path string, parse func(io.Reader) ([]T, error)) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	keys, err := parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return keys, nil
}
