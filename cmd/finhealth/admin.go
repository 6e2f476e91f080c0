package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"finhealth"
	"finhealth/identity"
)

// createAdmin creates the first platform admin from the command line. The password is
// read from standard input, never from a flag, so it stays out of shell history and
// the process list.
func createAdmin(ctx context.Context, cfg *Config, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("create-admin", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "email address of the admin")
	name := fs.String("name", "", "display name of the admin")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return usageError("usage: finhealth create-admin --email E --name N  (password on standard input)")
	}
	normalized, err := identity.NormalizeEmail(*email)
	if err != nil {
		return fmt.Errorf("--email: %w", err)
	}
	if strings.TrimSpace(*name) == "" {
		return errors.New("--name: required")
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading the password from standard input: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if err := identity.ValidatePassword(password, normalized); err != nil {
		msg := finhealth.ErrorFields(err)["password"]
		if msg == "" {
			msg = finhealth.ErrorMessage(err)
		}
		return fmt.Errorf("password: %s", msg)
	}
	hash, err := identity.HashPassword(password, identity.DefaultArgon2Params)
	if err != nil {
		return err
	}

	d, err := openDatabases(ctx, cfg, newLogger(cfg, io.Discard))
	if err != nil {
		return err
	}
	defer d.Close()
	u, err := d.db.CreateUser(ctx, finhealth.NewUser{Email: normalized, Name: strings.TrimSpace(*name), PasswordHash: hash, Role: finhealth.RoleAdmin})
	if err != nil {
		if finhealth.ErrorCode(err) == finhealth.ECONFLICT {
			return fmt.Errorf("a user with email %s already exists", normalized)
		}
		return err
	}
	fmt.Fprintf(stdout, "created admin %s (%s)\n", u.Email, u.ID)
	return nil
}
