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
	// The same forms and rules as a signup: the email and the name normalized, then
	// the domain's rules for a new user and the password policy.
	nu := finhealth.NewUser{Email: identity.NormalizeEmail(*email), Name: identity.NormalizeName(*name), Role: finhealth.RoleAdmin}
	if err := nu.Validate(); err != nil {
		return flagError(err, "--email", "--name")
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading the password from standard input: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if err := identity.ValidatePassword(password, nu.Email); err != nil {
		msg := finhealth.ErrorFields(err)["password"]
		if msg == "" {
			msg = finhealth.ErrorMessage(err)
		}
		return fmt.Errorf("password: %s", msg)
	}
	if nu.PasswordHash, err = identity.HashPassword(password, identity.DefaultArgon2Params); err != nil {
		return err
	}

	d, err := openDatabases(ctx, cfg, newLogger(cfg, io.Discard))
	if err != nil {
		return err
	}
	defer d.Close()
	u, err := d.db.CreateUser(ctx, nu)
	if err != nil {
		if finhealth.ErrorCode(err) == finhealth.ECONFLICT {
			return fmt.Errorf("a user with email %s already exists", nu.Email)
		}
		return err
	}
	fmt.Fprintf(stdout, "created admin %s (%s)\n", u.Email, u.ID)
	return nil
}

// flagError names the flag of each field a Validate error names ("--email: must be
// a single valid email address"), in the order of flags.
func flagError(err error, flags ...string) error {
	fields := finhealth.ErrorFields(err)
	var msgs []string
	for _, flag := range flags {
		if problem := fields[strings.TrimPrefix(flag, "--")]; problem != "" {
			msgs = append(msgs, flag+": "+problem)
		}
	}
	if len(msgs) == 0 {
		return err
	}
	return errors.New(strings.Join(msgs, "; "))
}
