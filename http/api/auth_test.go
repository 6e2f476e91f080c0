package api

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/store"
)

func TestRegister(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)

		t.Run("created as a plain user with an owned organization", func(t *testing.T) {
			email := servertest.UniqueEmail("reg")
			res := a.Post("/api/v1/auth/register", "", map[string]string{
				"email": "  " + strings.ToUpper(email) + " ", "password": servertest.Password, "name": " Ada ",
			}).Expect(t, http.StatusCreated)
			var reg registered
			res.Decode(t, &reg)
			if reg.Email != email || reg.Name != "Ada" || reg.Role != finhealth.RoleUser || reg.OrganizationID == "" {
				t.Fatalf("registered = %+v", reg)
			}
			tok := a.Login(email, servertest.Password)
			var o finhealth.Organization
			a.Get("/api/v1/organizations/"+reg.OrganizationID, tok).Expect(t, http.StatusOK).Decode(t, &o)
			if o.Name != "Ada's business" {
				t.Errorf("default organization name %q", o.Name)
			}
			m, err := db.Membership(context.Background(), reg.OrganizationID, reg.ID)
			if err != nil || m.Role != finhealth.OrgRoleOwner {
				t.Errorf("membership %+v, %v", m, err)
			}
		})

		t.Run("optional organization fields", func(t *testing.T) {
			res := a.Post("/api/v1/auth/register", "", map[string]string{
				"email": servertest.UniqueEmail("org"), "password": servertest.Password, "name": "Bo",
				"organization_name": "Bo's Bakery", "industry": "food", "company_size": "1-10",
			}).Expect(t, http.StatusCreated)
			var reg registered
			res.Decode(t, &reg)
			o, err := db.Organization(context.Background(), reg.OrganizationID)
			if err != nil || o.Name != "Bo's Bakery" || o.Industry != "food" || o.CompanySize != "1-10" {
				t.Errorf("organization %+v, %v", o, err)
			}
		})

		t.Run("emails and names are stored in Unicode NFC", func(t *testing.T) {
			// "e" followed by a combining acute accent is "é": one account, one name.
			local := strings.TrimSuffix(servertest.UniqueEmail("jose"), "@example.com")
			nfd, nfc := local+"-jose\u0301@example.com", local+"-jos\u00e9@example.com"
			res := a.Post("/api/v1/auth/register", "", map[string]string{
				"email": strings.ToUpper(nfd), "password": servertest.Password, "name": " Jose\u0301 ", "organization_name": "Cafe\u0301 Jose\u0301",
			}).Expect(t, http.StatusCreated)
			var reg registered
			res.Decode(t, &reg)
			if reg.Email != nfc || reg.Name != "Jos\u00e9" {
				t.Fatalf("registered %q %q, want %q %q", reg.Email, reg.Name, nfc, "Jos\u00e9")
			}
			o, err := db.Organization(context.Background(), reg.OrganizationID)
			if err != nil || o.Name != "Caf\u00e9 Jos\u00e9" {
				t.Errorf("organization %+v, %v", o, err)
			}
			// Either form logs in, and neither makes a second account.
			a.Login(nfd, servertest.Password)
			a.Login(nfc, servertest.Password)
			a.Post("/api/v1/auth/register", "", map[string]string{"email": nfc, "password": servertest.Password, "name": "J"}).
				Expect(t, http.StatusConflict)
		})

		t.Run("an invisible character is named with its field", func(t *testing.T) {
			res := a.Post("/api/v1/auth/register", "", map[string]string{
				"email": "n\u200b@example.com", "password": "      \t     ", "name": "\u202eN", "organization_name": "\ufeffCo",
			}).Expect(t, http.StatusUnprocessableEntity)
			f := res.ErrorFields(t)
			for _, field := range []string{"email", "name", "organization_name"} {
				if !strings.Contains(f[field], "invisible formatting characters") {
					t.Errorf("%s: %q", field, f[field])
				}
			}
			if f["password"] != "must not be only spaces" {
				t.Errorf("password: %q", f["password"])
			}
		})

		t.Run("duplicate email is 409, whatever its case", func(t *testing.T) {
			email := servertest.UniqueEmail("dup")
			body := map[string]string{"email": email, "password": servertest.Password, "name": "D"}
			a.Post("/api/v1/auth/register", "", body).Expect(t, http.StatusCreated)
			body["email"] = strings.ToUpper(email)
			if code := a.Post("/api/v1/auth/register", "", body).Expect(t, http.StatusConflict).ErrorCode(t); code != "conflict" {
				t.Errorf("code %q", code)
			}
		})

		t.Run("a role in the body is refused, not obeyed", func(t *testing.T) {
			res := a.Post("/api/v1/auth/register", "", map[string]string{
				"email": servertest.UniqueEmail("role"), "password": servertest.Password, "name": "R", "role": "admin",
			}).Expect(t, http.StatusBadRequest)
			if res.ErrorFields(t)["role"] != "unknown field" {
				t.Errorf("fields %v", res.ErrorFields(t))
			}
		})

		for _, tc := range []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"missing email", map[string]any{"password": servertest.Password, "name": "N"}, "email"},
			{"not an email", map[string]any{"email": "nobody", "password": servertest.Password, "name": "N"}, "email"},
			{"display name", map[string]any{"email": "Bob <bob@example.com>", "password": servertest.Password, "name": "N"}, "email"},
			{"two addresses", map[string]any{"email": "a@example.com, b@example.com", "password": servertest.Password, "name": "N"}, "email"},
			{"no dot in domain", map[string]any{"email": "a@localhost", "password": servertest.Password, "name": "N"}, "email"},
			{"short password", map[string]any{"email": "s@example.com", "password": "short", "name": "N"}, "password"},
			{"long password", map[string]any{"email": "l@example.com", "password": strings.Repeat("x", 129), "name": "N"}, "password"},
			{"common password", map[string]any{"email": "c@example.com", "password": "Password123", "name": "N"}, "password"},
			{"password is the email", map[string]any{"email": "jane.doe@example.com", "password": "jane.doe@example.com", "name": "N"}, "password"},
			{"password holds the local part", map[string]any{"email": "jane.doe@example.com", "password": "my-jane.doe-secret", "name": "N"}, "password"},
			{"missing name", map[string]any{"email": "n@example.com", "password": servertest.Password}, "name"},
			{"blank name", map[string]any{"email": "n@example.com", "password": servertest.Password, "name": "   "}, "name"},
			{"name too long", map[string]any{"email": "n@example.com", "password": servertest.Password, "name": strings.Repeat("n", 101)}, "name"},
			{"control characters", map[string]any{"email": "n@example.com", "password": servertest.Password, "name": "a\x00b"}, "name"},
			{"wrong type", map[string]any{"email": "n@example.com", "password": servertest.Password, "name": 7}, "name"},
			{"zero-width space in the email", map[string]any{"email": "n\u200b@example.com", "password": servertest.Password, "name": "N"}, "email"},
			{"right-to-left override in the email", map[string]any{"email": "n@exa\u202emple.com", "password": servertest.Password, "name": "N"}, "email"},
			{"byte order mark in the email", map[string]any{"email": "\ufeffn@example.com", "password": servertest.Password, "name": "N"}, "email"},
			{"zero-width space in the name", map[string]any{"email": "n@example.com", "password": servertest.Password, "name": "N\u200bN"}, "name"},
			{"right-to-left override in the name", map[string]any{"email": "n@example.com", "password": servertest.Password, "name": "\u202eN"}, "name"},
			{"byte order mark in the name", map[string]any{"email": "n@example.com", "password": servertest.Password, "name": "\ufeffN"}, "name"},
			{"zero-width joiner in the organization's name", map[string]any{"email": "n@example.com", "password": servertest.Password, "name": "N",
				"organization_name": "N\u200d Co"}, "organization_name"},
			{"right-to-left override in the organization's name", map[string]any{"email": "n@example.com", "password": servertest.Password, "name": "N",
				"organization_name": "\u202eoC N"}, "organization_name"},
			{"organization's name too long", map[string]any{"email": "n@example.com", "password": servertest.Password, "name": "N",
				"organization_name": strings.Repeat("o", 201)}, "organization_name"},
			{"password of spaces", map[string]any{"email": "n@example.com", "password": "   ", "name": "N"}, "password"},
			{"long password of spaces", map[string]any{"email": "n@example.com", "password": strings.Repeat(" ", 16), "name": "N"}, "password"},
		} {
			t.Run("422 "+tc.name, func(t *testing.T) {
				res := a.Post("/api/v1/auth/register", "", tc.body).Expect(t, http.StatusUnprocessableEntity)
				if _, ok := res.ErrorFields(t)[tc.field]; !ok {
					t.Errorf("fields %v do not name %q", res.ErrorFields(t), tc.field)
				}
			})
		}
	})
}

func TestLogin(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		acc := a.Register("Lena")

		t.Run("success", func(t *testing.T) {
			res := a.Post("/api/v1/auth/login", "", map[string]string{"email": "  " + strings.ToUpper(acc.Email), "password": servertest.Password}).
				Expect(t, http.StatusOK)
			var p fhttp.TokenPair
			res.Decode(t, &p)
			if p.TokenType != "Bearer" || p.ExpiresIn != 900 || p.AccessToken == "" || len(p.RefreshToken) != fhttp.OpaqueTokenLen {
				t.Fatalf("pair %+v", p)
			}
			a.Get("/api/v1/me", p.AccessToken).Expect(t, http.StatusOK)
		})

		deactivated := a.Register("Gone")
		admin := a.CreateUser("Root", finhealth.RoleAdmin)
		a.Post("/api/v1/admin/users/"+deactivated.ID+"/deactivate", admin.Token, nil).Expect(t, http.StatusOK)

		t.Run("every credential failure looks the same", func(t *testing.T) {
			var bodies [][]byte
			for _, creds := range []map[string]string{
				{"email": acc.Email, "password": "wrong password!!"},
				{"email": "nobody-" + acc.Email, "password": servertest.Password},
				{"email": deactivated.Email, "password": servertest.Password},
			} {
				res := a.Post("/api/v1/auth/login", "", creds).Expect(t, http.StatusUnauthorized)
				if res.Header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
				bodies = append(bodies, res.Body)
			}
			if !bytes.Equal(bodies[0], bodies[1]) || !bytes.Equal(bodies[0], bodies[2]) {
				t.Errorf("bodies differ:\n%s\n%s\n%s", bodies[0], bodies[1], bodies[2])
			}
		})

		t.Run("attempts are audited", func(t *testing.T) {
			ctx := context.Background()
			ok, _, err := db.ListAudit(ctx, finhealth.AuditFilter{Action: finhealth.AuditLoginSucceeded, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			failed, _, err := db.ListAudit(ctx, finhealth.AuditFilter{Action: finhealth.AuditLoginFailed, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if !auditHas(ok, func(e *finhealth.AuditEntry) bool { return e.ActorID == acc.ID && e.IP == "192.0.2.10" }) {
				t.Errorf("no success entry for %s with its IP: %+v", acc.ID, ok)
			}
			reasons := map[string]bool{}
			for _, e := range failed {
				reasons[e.Details["reason"]] = true
				for k, v := range e.Details {
					if strings.Contains(v, "wrong password!!") || strings.Contains(k, "password") {
						t.Errorf("a failed login's audit entry carries the password: %+v", e)
					}
				}
			}
			for _, r := range []string{"wrong_password", "unknown_email", "deactivated"} {
				if !reasons[r] {
					t.Errorf("no failed-login entry with reason %s: %v", r, reasons)
				}
			}
		})

		t.Run("422 naming missing fields", func(t *testing.T) {
			res := a.Post("/api/v1/auth/login", "", map[string]string{}).Expect(t, http.StatusUnprocessableEntity)
			f := res.ErrorFields(t)
			if f["email"] == "" || f["password"] == "" {
				t.Errorf("fields %v", f)
			}
		})
	})
}

func auditHas(entries []*finhealth.AuditEntry, match func(*finhealth.AuditEntry) bool) bool {
	for _, e := range entries {
		if match(e) {
			return true
		}
	}
	return false
}

func TestRefreshRotationAndReuse(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		acc := a.Register("Rita")
		first := a.LoginPair(acc.Email, servertest.Password)

		var second fhttp.TokenPair
		a.Post("/api/v1/auth/refresh", "", map[string]string{"refresh_token": first.RefreshToken}).
			Expect(t, http.StatusOK).Decode(t, &second)
		if second.RefreshToken == first.RefreshToken || second.AccessToken == "" {
			t.Fatalf("refresh did not rotate: %+v", second)
		}
		a.Get("/api/v1/me", second.AccessToken).Expect(t, http.StatusOK)

		var third fhttp.TokenPair
		a.Post("/api/v1/auth/refresh", "", map[string]string{"refresh_token": second.RefreshToken}).
			Expect(t, http.StatusOK).Decode(t, &third)

		// Presenting a spent token again is theft: 401, and the newest token of the
		// family stops working too.
		a.Post("/api/v1/auth/refresh", "", map[string]string{"refresh_token": first.RefreshToken}).Expect(t, http.StatusUnauthorized)
		a.Post("/api/v1/auth/refresh", "", map[string]string{"refresh_token": third.RefreshToken}).Expect(t, http.StatusUnauthorized)

		// Another login's family is unaffected.
		other := a.LoginPair(acc.Email, servertest.Password)
		a.Post("/api/v1/auth/refresh", "", map[string]string{"refresh_token": other.RefreshToken}).Expect(t, http.StatusOK)

		revoked, _, err := db.ListAudit(context.Background(), finhealth.AuditFilter{Action: finhealth.AuditTokenFamilyRevoked, Limit: 10})
		if err != nil || len(revoked) == 0 {
			t.Errorf("reuse not audited: %v %v", revoked, err)
		}

		for name, tok := range map[string]string{
			"garbage": "not-a-token", "unknown": strings.Repeat("A", fhttp.OpaqueTokenLen), "empty": "",
		} {
			t.Run(name, func(t *testing.T) {
				want := http.StatusUnauthorized
				if tok == "" {
					want = http.StatusUnprocessableEntity
				}
				a.Post("/api/v1/auth/refresh", "", map[string]string{"refresh_token": tok}).Expect(t, want)
			})
		}
	})
}

func TestRefreshDeactivatedUser(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		acc := a.Register("Dora")
		pair := a.LoginPair(acc.Email, servertest.Password)
		admin := a.CreateUser("Root", finhealth.RoleAdmin)
		a.Post("/api/v1/admin/users/"+acc.ID+"/deactivate", admin.Token, nil).Expect(t, http.StatusOK)
		a.Post("/api/v1/auth/refresh", "", map[string]string{"refresh_token": pair.RefreshToken}).Expect(t, http.StatusUnauthorized)
		a.Get("/api/v1/me", pair.AccessToken).Expect(t, http.StatusUnauthorized)
	})
}

func TestLogout(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		acc := a.Register("Leo")
		pair := a.LoginPair(acc.Email, servertest.Password)
		elsewhere := a.LoginPair(acc.Email, servertest.Password)
		var next fhttp.TokenPair
		a.Post("/api/v1/auth/refresh", "", map[string]string{"refresh_token": pair.RefreshToken}).Expect(t, http.StatusOK).Decode(t, &next)
		a.Get("/api/v1/me", pair.AccessToken).Expect(t, http.StatusOK) // cached as verified

		// Logging out with any token of the family ends the whole family, its
		// unexpired access tokens included, at once (no clock moves here)...
		a.Post("/api/v1/auth/logout", "", map[string]string{"refresh_token": pair.RefreshToken}).Expect(t, http.StatusNoContent)
		a.Post("/api/v1/auth/refresh", "", map[string]string{"refresh_token": next.RefreshToken}).Expect(t, http.StatusUnauthorized)
		a.Get("/api/v1/me", pair.AccessToken).Expect(t, http.StatusUnauthorized)
		a.Get("/api/v1/me", next.AccessToken).Expect(t, http.StatusUnauthorized)
		// ...while the user's other session keeps working.
		a.Get("/api/v1/me", elsewhere.AccessToken).Expect(t, http.StatusOK)
		a.Post("/api/v1/auth/refresh", "", map[string]string{"refresh_token": elsewhere.RefreshToken}).Expect(t, http.StatusOK)
		// Twice is harmless, and so is nonsense.
		a.Post("/api/v1/auth/logout", "", map[string]string{"refresh_token": pair.RefreshToken}).Expect(t, http.StatusNoContent)
		a.Post("/api/v1/auth/logout", "", map[string]string{"refresh_token": "nonsense"}).Expect(t, http.StatusNoContent)
		a.Post("/api/v1/auth/logout", "", map[string]string{}).Expect(t, http.StatusUnprocessableEntity)

		entries, _, err := db.ListAudit(context.Background(), finhealth.AuditFilter{Action: finhealth.AuditLogout, Limit: 10})
		if err != nil || !auditHas(entries, func(e *finhealth.AuditEntry) bool { return e.Details["user_id"] == acc.ID }) {
			t.Errorf("logout not audited: %+v %v", entries, err)
		}
	})
}

func TestMe(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		acc := a.Register("Mia")
		res := a.Get("/api/v1/me", acc.Token).Expect(t, http.StatusOK)
		m := res.JSON(t)
		if m["id"] != acc.ID || m["email"] != acc.Email || m["default_organization_id"] != acc.OrgID {
			t.Errorf("me = %v", m)
		}
		ms, _ := m["memberships"].([]any)
		if len(ms) != 1 || ms[0].(map[string]any)["role"] != "owner" {
			t.Errorf("memberships = %v", ms)
		}
		if strings.Contains(string(res.Body), "argon2") || strings.Contains(string(res.Body), "password") {
			t.Errorf("me leaks the password hash: %s", res.Body)
		}
		// A user with no organization has an empty list, not null.
		lone := a.CreateUser("Lone", finhealth.RoleUser)
		if ms := a.Get("/api/v1/me", lone.Token).Expect(t, http.StatusOK).JSON(t)["memberships"]; ms == nil {
			t.Error("memberships is null")
		}
		a.Get("/api/v1/me", "").Expect(t, http.StatusUnauthorized)
	})
}
